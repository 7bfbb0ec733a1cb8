import { RefusedCallSample } from '../../src/api/partner/refused-call-sample';

describe('RefusedCallSample: one logged refused call per address per interval', () => {
  it('admits the first call of an address, then none until the interval has passed', () => {
    const sample = new RefusedCallSample(60_000);
    expect(sample.admit('ip:10.0.0.1', 0)).toBe(true);
    expect(sample.admit('ip:10.0.0.1', 59_999)).toBe(false);
    expect(sample.admit('ip:10.0.0.2', 59_999)).toBe(true);
    expect(sample.admit('ip:10.0.0.1', 60_000)).toBe(true);
  });

  it('remembers a bounded number of addresses: a new one over the bound is not logged until old ones expire', () => {
    const sample = new RefusedCallSample(60_000, 2);
    expect(sample.admit('a', 0)).toBe(true);
    expect(sample.admit('b', 10)).toBe(true);
    expect(sample.admit('c', 20)).toBe(false);
    expect(sample.admit('c', 60_001)).toBe(true);
  });
});
