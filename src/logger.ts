import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config/schema';
import { withoutQueryValues } from './errors';

/** Errors are logged without the values a failed query was given (secrets, patient data). */
export const errorSerializer = (error: unknown) => (error instanceof Error ? pino.stdSerializers.err(withoutQueryValues(error) as Error) : error);

/**
 * Temporal's attributes on every activity and workflow line: kept in JSON (log shippers search
 * them), left out on a terminal, where the workflow id and attempt are what a person reads.
 */
const TERMINAL_HIDDEN_FIELDS = 'pid,hostname,sdkComponent,namespace,taskQueue,runId,workflowRunId,activityId,isLocal,taskToken';

/** One line per entry on a terminal: time, level, name, message, then the fields inline. */
export function prettyStream(destination: NodeJS.WritableStream | number = 1): DestinationStream {
  return pretty({ destination, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: TERMINAL_HIDDEN_FIELDS });
}

export interface LoggerOutput {
  /** Pretty single lines (default: when stdout is a terminal), else JSON lines. */
  pretty?: boolean;
  /** Where lines go (default stdout); tests pass a stream. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(config: Pick<Config, 'logLevel'>, name: string, output: LoggerOutput = {}): Logger {
  const options = { name, level: config.logLevel, serializers: { err: errorSerializer, error: errorSerializer } };
  const isPretty = output.pretty ?? process.stdout.isTTY === true;
  if (isPretty) return pino(options, prettyStream(output.destination ?? 1));
  return output.destination ? pino(options, output.destination as DestinationStream) : pino(options);
}
