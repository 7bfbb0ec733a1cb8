/** Large bodies are kept, shortened, with a marker that says how much was cut — never rejected. */
export function truncateBody(text: string | undefined | null, maxBytes: number): string | null {
  if (text === undefined || text === null) return null;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const kept = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${kept}…[truncated ${bytes - Buffer.byteLength(kept, 'utf8')} bytes]`;
}
