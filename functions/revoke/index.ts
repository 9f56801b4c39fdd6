// Placeholder: the revoke function is being written (functions/revoke/index.ts).
export async function handler(): Promise<void> {
  throw new Error('revoke: not implemented yet');
}
