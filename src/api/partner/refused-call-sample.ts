/**
 * Which refused partner calls are written as API logs: the first of each address per interval;
 * the rest are only counted (labwire_partner_refused_calls_total). The lab still sees that
 * someone knocks, and nobody can fill the log store with one document per guessed key.
 * Remembers at most `maxAddresses` addresses; when that many knocked within one interval, a new
 * one is counted but not logged.
 */
export class RefusedCallSample {
  /** Address → when its last logged call was; insertion order is time order (re-set moves to the end). */
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxAddresses = 10_000,
  ) {}

  /** True when this address's refused call is to be logged now. */
  admit(address: string, now = Date.now()): boolean {
    const last = this.lastLogged.get(address);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.forgetBefore(now - this.intervalMs);
    if (this.lastLogged.size >= this.maxAddresses) return false;
    this.lastLogged.delete(address);
    this.lastLogged.set(address, now);
    return true;
  }

  private forgetBefore(cutoff: number): void {
    for (const [address, at] of this.lastLogged) {
      if (at >= cutoff) return;
      this.lastLogged.delete(address);
    }
  }
}
