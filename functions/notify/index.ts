// Placeholder: the notify function is being written (functions/notify/index.ts).
export async function handler(): Promise<void> {
  throw new Error('notify: not implemented yet');
}
