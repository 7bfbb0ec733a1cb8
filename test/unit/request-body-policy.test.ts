import { nestsDeeperThan } from '../../src/api/body-policy';

describe('nestsDeeperThan: the depth a JSON body may nest', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(nestsDeeperThan('text', 1)).toBe(false);
    expect(nestsDeeperThan({ a: 1, b: [1, 2] }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: 1, b: [1, 2] }, 1)).toBe(true);
    expect(nestsDeeperThan({ a: { b: { c: null } } }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: { b: { c: {} } } }, 3)).toBe(true);
  });

  it('walks a body far deeper than the call stack allows without recursing', () => {
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown;
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(nestsDeeperThan(deep, 32)).toBe(true);
  });
});
