import pino, { type Logger } from 'pino';
import type { Config } from './config/schema';
import { withoutQueryValues } from './errors';

/** Errors are logged without the values a failed query was given (secrets, patient data). */
export const errorSerializer = (error: unknown) => (error instanceof Error ? pino.stdSerializers.err(withoutQueryValues(error) as Error) : error);

export function createLogger(config: Pick<Config, 'logLevel'>, name: string): Logger {
  return pino({ name, level: config.logLevel, serializers: { err: errorSerializer, error: errorSerializer } });
}
