/**
 * Shares one computation among callers asking the same question within `ttlMs`: concurrent
 * requests wait for the one in flight, later ones reuse its answer until it is `ttlMs` old.
 * Open dashboards refresh their stats on every live change; this bounds that work per filter.
 */
export function shortCache<T>(ttlMs: number, maxEntries = 200): (key: string, compute: () => Promise<T>) => Promise<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key, compute) => {
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = compute();
    entries.set(key, { at: now, value });
    // A failure is not remembered.
    value.catch(() => entries.delete(key));
    if (entries.size > maxEntries) {
      for (const [old, entry] of entries) if (now - entry.at >= ttlMs || entries.size > maxEntries) entries.delete(old);
    }
    return value;
  };
}
