import { deliveryLogId } from '../../activities/delivery/log-id';
import { truncateBody, truncateHeaders } from '../../src/logstore/truncate';

describe('large bodies', () => {
  it('are kept up to the limit with a marker saying how much was cut, never rejected', () => {
    expect(truncateBody('short', 10)).toBe('short');
    expect(truncateBody('a'.repeat(30), 10)).toBe(`${'a'.repeat(10)}…[truncated 20 bytes]`);
    expect(truncateBody(undefined, 10)).toBeNull();
  });

  it('are cut on a character boundary (no broken UTF-8)', () => {
    const cut = truncateBody('é'.repeat(10), 5)!;
    expect(cut.startsWith('éé')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
  });
});

describe('headers of a sampled call', () => {
  it('are kept in order within the bound: the value that reaches it is cut, the headers after it are counted', () => {
    const headers = { host: 'lab.example', 'x-junk': 'y'.repeat(100), [`x-${'n'.repeat(50)}`]: 'v', accept: '*/*' };
    expect(truncateHeaders(headers, 40)).toEqual({ host: 'lab.example', 'x-junk': `${'y'.repeat(19)}…[truncated 81 bytes]`, '…': '2 more headers not kept' });
    expect(truncateHeaders(headers, 10_000)).toEqual(headers);
  });
});

describe('log ids', () => {
  it('are the same for the same event and trigger, different otherwise', () => {
    expect(deliveryLogId('evt-1', 7)).toBe(deliveryLogId('evt-1', 7));
    expect(deliveryLogId('evt-1', 7)).not.toBe(deliveryLogId('evt-1', 8));
    expect(deliveryLogId('evt-1', 7)).toMatch(/^[0-9a-f]{24}$/);
  });
});
