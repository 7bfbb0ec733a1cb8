// A seeded random source (pure-rand, already fast-check's), so a run's schedule and partner behaviour repeat from its seed.
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

export type Random = () => number;

const RESOLUTION = 1_000_000;

/** A number in [0, 1) from the seed's sequence. */
export function seededRandom(seed: number): Random {
  const generator = xoroshiro128plus(seed);
  return () => unsafeUniformIntDistribution(0, RESOLUTION - 1, generator) / RESOLUTION;
}

export const between = (random: Random, [low, high]: readonly [number, number]): number => low + (high - low) * random();

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
