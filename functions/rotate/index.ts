// Placeholder: the rotate function is being written (functions/rotate/index.ts).
export async function handler(): Promise<void> {
  throw new Error('rotate: not implemented yet');
}
