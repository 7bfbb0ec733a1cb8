/** Large bodies are kept, shortened, with a marker that says how much was cut — never rejected. */
export function truncateBody(text: string | undefined | null, maxBytes: number): string | null {
  if (text === undefined || text === null) return null;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const kept = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${kept}…[truncated ${bytes - Buffer.byteLength(kept, 'utf8')} bytes]`;
}

/**
 * Headers kept in their order while their names and values fit in `maxBytes`; the value that
 * reaches the bound is cut like a body, and headers that no longer fit are counted under `…`.
 */
export function truncateHeaders(headers: Record<string, string>, maxBytes: number): Record<string, string> {
  const kept: Record<string, string> = {};
  let left = maxBytes;
  let omitted = 0;
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.byteLength(name, 'utf8');
    if (nameBytes >= left) {
      omitted++;
      continue;
    }
    const shown = truncateBody(value, left - nameBytes) ?? '';
    kept[name] = shown;
    left -= nameBytes + Buffer.byteLength(shown, 'utf8');
  }
  if (omitted > 0) kept['…'] = `${omitted} more header${omitted === 1 ? '' : 's'} not kept`;
  return kept;
}
