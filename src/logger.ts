import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
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

/** An error on a terminal: its type, message and the frame it was thrown at, on the entry's one line (JSON keeps the stack). */
function errorInOneLine(error: unknown): string {
  const serialized = errorSerializer(error) as { type?: string; message?: string; stack?: string } | undefined;
  if (typeof serialized !== 'object' || serialized === null) return String(serialized);
  const frame = /\n\s+at (.+)/.exec(serialized.stack ?? '')?.[1];
  return `${serialized.type ?? 'Error'}: ${serialized.message ?? ''}${frame ? ` (at ${frame})` : ''}`.replace(/\s*\n\s*/g, ' ');
}

function oneLineErrors(object: Record<string, unknown>): Record<string, unknown> {
  if (object.err === undefined && object.error === undefined) return object;
  const { err, error, ...rest } = object;
  return { ...rest, error: errorInOneLine(err ?? error) };
}

/** One line per entry on a terminal: time, level, name, message, then the fields inline. */
export function prettyStream(destination: NodeJS.WritableStream | number = 1): DestinationStream {
  return pretty({ destination, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: TERMINAL_HIDDEN_FIELDS, errorLikeObjectKeys: [] });
}

export interface LoggerOutput {
  /** Pretty single lines (default: when stdout is a terminal), else JSON lines. */
  pretty?: boolean;
  /** Where lines go (default stdout); tests pass a stream. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(config: Pick<Config, 'logLevel'>, name: string, output: LoggerOutput = {}): Logger {
  const options: LoggerOptions = { name, level: config.logLevel, serializers: { err: errorSerializer, error: errorSerializer } };
  if (output.pretty ?? process.stdout.isTTY === true) {
    return pino({ ...options, formatters: { log: oneLineErrors } }, prettyStream(output.destination ?? 1));
  }
  return output.destination ? pino(options, output.destination as DestinationStream) : pino(options);
}
