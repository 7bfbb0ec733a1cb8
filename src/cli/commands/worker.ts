import type { Config } from '../../config/schema';
import type { Say } from '../../devstack/say';
import { connectTemporal, connectWorker } from '../../temporal/connection';
import { ensureSearchAttributes } from '../../temporal/search-attributes';
import { createWorker } from '../../worker/worker';
import { onShutdown } from '../shutdown';

export interface RunningWorker {
  stop(): Promise<void>;
}

/** Starts polling the default task queue; `stop` drains in-flight tasks and closes the connection. */
export async function runWorker(config: Config, say: Say): Promise<RunningWorker> {
  const connection = await connectWorker(config.temporal);
  const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue });
  const running = worker.run();
  running.catch((error: unknown) => say(`Worker stopped with an error: ${error instanceof Error ? error.message : String(error)}`));
  say(`Worker: polling task queue ${config.temporal.taskQueue}`);
  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

/** `labwire worker`: a worker against servers that are already running. */
export async function workerCommand(config: Config, say: Say): Promise<void> {
  const connection = await connectTemporal(config.temporal);
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (added.length > 0) say(`Registered Temporal search attributes: ${added.join(', ')}`);
  } finally {
    await connection.close();
  }
  const worker = await runWorker(config, say);
  onShutdown(() => worker.stop(), say);
}
