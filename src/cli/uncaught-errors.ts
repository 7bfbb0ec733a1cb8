import type { Logger } from 'pino';
import { uncaughtErrorsTotal } from '../metrics';

/**
 * The policy of a serving process (`labwire api`, `worker`, `start`) for an error nothing caught:
 * log it, count it (labwire_uncaught_errors_total) and keep serving.
 *
 * Why not exit, as Node does by default: such an error comes from one request or one callback
 * (a listener, a timer), while every durable state lives in PostgreSQL, the log store and
 * Temporal, and requests share no half-written memory. Exiting would turn one bad request into
 * an outage of every other request and — under `labwire start` — of the worker's running
 * activities, with nothing to restart the process. So the error is made loud instead (an error
 * log with its stack and a metric to alert on; each one is a bug to fix at its cause), and the
 * process keeps going. Installed only once the process is up: a failure while starting still
 * ends it, with the reason printed.
 */
export function logUncaughtAndKeepServing(logger: Logger): () => void {
  const onException = (error: Error) => {
    uncaughtErrorsTotal.inc({ kind: 'exception' });
    logger.error({ err: error }, 'uncaught exception; the process keeps serving');
  };
  const onRejection = (reason: unknown) => {
    uncaughtErrorsTotal.inc({ kind: 'rejection' });
    logger.error({ err: reason }, 'unhandled promise rejection; the process keeps serving');
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
