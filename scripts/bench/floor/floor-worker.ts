// The worker for the floor workflows: built as Labwire's is (src/worker/worker.ts), on a queue of its own.
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { Config } from '../../../src/config/schema';
import { connectWorker } from '../../../src/temporal/connection';
import { bundleWorkflows, workerBehaviour } from '../../../src/worker/worker';
import { floorActivities } from './activities';
import { FLOOR_TASK_QUEUE } from './floors';

export interface FloorWorker {
  stop(): Promise<void>;
}

/** Same server, data converter (payload encryption), interceptors and SDK defaults (cache size, task slots) as Labwire's workers. */
export async function startFloorWorker(config: Config): Promise<FloorWorker> {
  const connection = await connectWorker(config.temporal);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: FLOOR_TASK_QUEUE,
    workflowBundle: await bundleWorkflows(undefined, join(__dirname, 'workflows.ts')),
    activities: floorActivities,
    ...workerBehaviour(config.temporal),
  });
  const running = worker.run();
  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
