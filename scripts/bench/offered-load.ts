// How a Labwire run offers its events: open loop at a rate, or as fast as a cap on work in flight allows.
import { setTimeout as sleep } from 'node:timers/promises';

/** Caps work in flight: acquire before starting, release when done. */
class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.available = size;
  }

  async acquire(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return;
    }
    await new Promise<void>((granted) => this.waiting.push(granted));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available += 1;
  }
}

/** Offers `count` tasks on a fixed schedule (open loop) or as fast as the cap allows (rate undefined). */
export async function offerLoad(
  count: number,
  ratePerSecond: number | undefined,
  concurrency: number,
  stop: AbortSignal,
  task: (index: number) => Promise<void>,
): Promise<{ maxLagMs: number }> {
  const cap = new Semaphore(concurrency);
  const start = performance.now();
  const running: Array<Promise<void>> = [];
  let maxLagMs = 0;
  for (let index = 0; index < count && !stop.aborted; index += 1) {
    const slot = ratePerSecond === undefined ? performance.now() : start + (index * 1000) / ratePerSecond;
    const wait = slot - performance.now();
    if (wait > 0) await sleep(wait);
    await cap.acquire();
    maxLagMs = Math.max(maxLagMs, performance.now() - slot);
    running.push(task(index).finally(() => cap.release()));
  }
  await Promise.all(running);
  return { maxLagMs };
}
