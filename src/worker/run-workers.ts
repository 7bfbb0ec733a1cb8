import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { LogIndex } from '../logstore/log-index';
import type { Config } from '../config/schema';
import { contextProviderFor } from '../context';
import { DeliveryLogs } from '../logstore/delivery-logs';
import { prepareLogStore } from '../logstore/ferret-lookup-indexes';
import { createLogger } from '../logger';
import type { Services } from '../services';
import { connectWorker } from '../temporal/connection';
import { PinoSdkLogger } from '../temporal/sdk-logger';
import { bundleWorkflows, createWorker, reportedByLabwire, type LabwireWorker } from './worker';

export interface RunningWorkers {
  queues: string[];
  workers: Worker[];
  stop(): Promise<void>;
}

/** One Temporal worker per task queue this process serves, sharing one connection and one workflow bundle. */
export async function startWorkers(
  config: Config,
  services: Pick<Services, 'configStore' | 'logStore' | 'temporal'>,
  options: { queues?: string[]; workflowBundle?: WorkflowBundleWithSourceMap | { codePath: string } } = {},
): Promise<RunningWorkers> {
  const queues = options.queues ?? config.temporal.workerQueues;
  const logs = new DeliveryLogs(services.logStore.db, new LogIndex(services.configStore.db));
  await prepareLogStore(config, logs);
  const logger = createLogger(config, 'worker');
  const deps = {
    config,
    db: services.configStore.db,
    logs,
    contextProvider: contextProviderFor(config, services.configStore.db),
    temporal: services.temporal,
  };
  const sdkLogger = new PinoSdkLogger(logger, { isReported: reportedByLabwire });
  const connection = await connectWorker(config.temporal, sdkLogger);
  const workflowBundle = options.workflowBundle ?? (await bundleWorkflows(sdkLogger));
  const created: LabwireWorker[] = [];
  for (const taskQueue of [...new Set(queues)]) {
    created.push(await createWorker({ connection, namespace: config.temporal.namespace, taskQueue, workflowBundle, deps, temporal: config.temporal }));
  }
  const running = created.map(({ worker }) => worker.run());
  logger.info({ taskQueues: [...new Set(queues)], namespace: config.temporal.namespace }, 'worker ready');
  return {
    queues,
    workers: created.map((c) => c.worker),
    async stop() {
      for (const { worker } of created) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(running);
      await Promise.all(created.map((c) => c.close()));
      await connection.close();
    },
  };
}
