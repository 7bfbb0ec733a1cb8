import { REFUSED_CALLS_LOGGED_PER_MINUTE, RefusedCallSample } from '../../src/api/partner/refused-call-sample';

describe('RefusedCallSample: one logged refused call per address per minute, and a budget for all addresses', () => {
  it('admits the first call of an address, then none until the interval has passed', () => {
    const sample = new RefusedCallSample(60_000);
    expect(sample.admit('ip:10.0.0.1', 0)).toBe(true);
    expect(sample.admit('ip:10.0.0.1', 59_999)).toBe(false);
    expect(sample.admit('ip:10.0.0.2', 59_999)).toBe(true);
    expect(sample.admit('ip:10.0.0.1', 60_000)).toBe(true);
  });

  it(`admits at most ${REFUSED_CALLS_LOGGED_PER_MINUTE} calls a minute in all, however many addresses knock`, () => {
    const sample = new RefusedCallSample();
    const admitted = Array.from({ length: 1_000 }, (_, i) => sample.admit(`ip:10.0.${i >> 8}.${i & 255}`, i)).filter(Boolean);
    expect(admitted).toHaveLength(REFUSED_CALLS_LOGGED_PER_MINUTE);
    // A minute after the first logged call, its place in the budget is free again.
    expect(sample.admit('ip:192.0.2.1', 59_999)).toBe(false);
    expect(sample.admit('ip:192.0.2.1', 60_000)).toBe(true);
    expect(sample.admit('ip:192.0.2.2', 60_000)).toBe(false);
  });
});
