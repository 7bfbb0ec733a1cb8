import { join } from 'node:path';
import { ApplicationFailure, type Logger as SdkLogger } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WEBHOOK_RETRYABLE_ERROR } from '../../activities/webhook/dispatch-webhook';
import { createActivities, type ActivityDeps } from '../../activities';
import { projectRoot, type Config } from '../config/schema';
import { withoutQueryValues } from '../errors';
import { failureConverterPath, labwireDataConverter } from '../temporal/payload-codec';

export const workflowsPath = join(projectRoot, 'workflows', 'index.ts');

export function bundleWorkflows(logger: SdkLogger = new DefaultLogger('WARN')): Promise<WorkflowBundleWithSourceMap> {
  // The failure converter runs inside the sandbox, so it is bundled; the codec runs outside it, in the worker.
  return bundleWorkflowCode({ workflowsPath, failureConverterPath, logger });
}

/** A webhook attempt Temporal retries: the delivery activity has logged its one line (log id, integration, reason). */
export function reportedByLabwire(error: unknown): boolean {
  return error instanceof ApplicationFailure && error.type === WEBHOOK_RETRYABLE_ERROR;
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle saves the several seconds webpack takes; tests build it once. */
  workflowBundle?: WorkflowBundleWithSourceMap | { codePath: string };
  deps: ActivityDeps;
  /** Which keys encrypt and decrypt payloads (config.temporal.payloadKeys). */
  payloadKeys: Config['temporal']['payloadKeys'];
}

export interface LabwireWorker {
  worker: Worker;
  /** Releases what the activities hold (the HTTP agent); call after the worker has stopped. */
  close(): Promise<void>;
}

export async function createWorker(options: WorkerOptions): Promise<LabwireWorker> {
  const { activities, close } = createActivities(options.deps);
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
    activities,
    dataConverter: labwireDataConverter(options.payloadKeys),
    // An activity's failure is logged by the SDK and kept in history: never with a failed query's values.
    interceptors: {
      activity: [
        () => ({
          inbound: {
            execute: (input, next) =>
              next(input).catch((error: unknown) => {
                throw withoutQueryValues(error);
              }),
          },
        }),
      ],
    },
    // On shutdown, in-flight activities get this long before they are cancelled (and retried
    // elsewhere): a log write that waits for a store that is down must not hold a deploy forever.
    shutdownGraceTime: '10 seconds',
  });
  return { worker, close };
}
