import { shortCache } from '../../src/api/short-cache';

describe('shortCache', () => {
  it('runs one computation for concurrent and recent callers of the same key, and again once it is old', async () => {
    let runs = 0;
    const cache = shortCache<number>(50);
    const compute = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return runs;
    };
    expect(await Promise.all([cache('a', compute), cache('a', compute)])).toEqual([1, 1]);
    expect(await cache('a', compute)).toBe(1);
    expect(await cache('b', compute)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await cache('a', compute)).toBe(3);
  });

  it('does not remember a failure', async () => {
    const cache = shortCache<string>(10_000);
    await expect(cache('k', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await cache('k', async () => 'ok')).toBe('ok');
  });
});
