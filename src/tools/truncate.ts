/** Cuts text to at most `limitBytes` of UTF-8 and says so, so checkpoints and LLM contexts stay small. */
export function truncateOutput(text: string, limitBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limitBytes) return text;
  // Cut on a character boundary: decode the prefix and drop a trailing partial character.
  const head = Buffer.from(text, 'utf8').subarray(0, limitBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${head}\n[output truncated: ${Buffer.byteLength(head, 'utf8')} of ${bytes} bytes shown]`;
}
