import { join } from 'node:path';
import { ApplicationFailure, type Logger as SdkLogger } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type NativeConnection,
  type WorkerOptions as SdkWorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { WEBHOOK_RETRYABLE_ERROR } from '../../activities/webhook/dispatch-webhook';
import { createActivities, type ActivityDeps } from '../../activities';
import { projectRoot, type Config } from '../config/schema';
import { withoutQueryValues } from '../errors';
import { failureConverterPath, labwireDataConverter } from '../temporal/payload-codec';

export const workflowsPath = join(projectRoot, 'workflows', 'index.ts');

/** `path` is Labwire's workflows; the delivery benchmark bundles its floor workflows the same way. */
export function bundleWorkflows(logger: SdkLogger = new DefaultLogger('WARN'), path = workflowsPath): Promise<WorkflowBundleWithSourceMap> {
  // The failure converter runs inside the sandbox, so it is bundled; the codec runs outside it, in the worker.
  return bundleWorkflowCode({ workflowsPath: path, failureConverterPath, logger });
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
  /** Which keys encrypt and decrypt payloads, and the shutdown grace (config.temporal). */
  temporal: Pick<Config['temporal'], 'payloadKeys' | 'workerShutdownGraceMs'>;
}

export interface LabwireWorker {
  worker: Worker;
  /** Releases what the activities hold (the HTTP agent); call after the worker has stopped. */
  close(): Promise<void>;
}

/**
 * What every Labwire worker is beyond its workflows and activities: payload encryption, the
 * activity interceptor, the shutdown grace, and the SDK's defaults for cache size and slots (not
 * set here). The delivery benchmark's floor worker is built from this too, so it measures the same.
 */
export function workerBehaviour(temporal: Pick<Config['temporal'], 'payloadKeys' | 'workerShutdownGraceMs'>): Pick<SdkWorkerOptions, 'dataConverter' | 'interceptors' | 'shutdownGraceTime'> {
  return {
    dataConverter: labwireDataConverter(temporal.payloadKeys),
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
    shutdownGraceTime: temporal.workerShutdownGraceMs,
  };
}

export async function createWorker(options: WorkerOptions): Promise<LabwireWorker> {
  const { activities, close } = createActivities(options.deps);
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
    activities,
    ...workerBehaviour(options.temporal),
  });
  return { worker, close };
}
