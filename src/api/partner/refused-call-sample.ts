/** How many refused partner calls are written as API logs a minute, whatever their addresses. */
export const REFUSED_CALLS_LOGGED_PER_MINUTE = 60;

/**
 * Which refused partner calls are written as API logs: the first of each address per interval,
 * and no more than `budget` in all per interval; the rest are only counted
 * (labwire_partner_refused_calls_total). The lab still sees that someone knocks, and nobody can
 * fill the log store with one document per guessed key, nor per address from many addresses.
 */
export class RefusedCallSample {
  /**
   * Address → when its call was logged, for calls logged within the last interval: so its size
   * is what the budget allows. Insertion order is time order.
   */
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly intervalMs = 60_000,
    private readonly budget = REFUSED_CALLS_LOGGED_PER_MINUTE,
  ) {}

  /** True when this address's refused call is to be logged now. */
  admit(address: string, now = Date.now()): boolean {
    this.forgetLoggedBy(now - this.intervalMs);
    if (this.lastLogged.has(address) || this.lastLogged.size >= this.budget) return false;
    this.lastLogged.set(address, now);
    return true;
  }

  private forgetLoggedBy(cutoff: number): void {
    for (const [address, at] of this.lastLogged) {
      if (at > cutoff) return;
      this.lastLogged.delete(address);
    }
  }
}
