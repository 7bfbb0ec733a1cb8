import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Logger } from 'pino';

/** Components the SDK never logs under itself: these lines are Labwire's own activity and workflow code. */
const OWN_COMPONENTS = new Set(['activity', 'workflow', 'nexus']);

const pinoLevel = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

export interface SdkLoggerOptions {
  /**
   * An activity failure Labwire has already reported on its own line (a webhook attempt that
   * Temporal retries): the SDK's entry for it goes to debug only.
   */
  isReported?: (error: unknown) => boolean;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.split('\n')[0]!;
  return String(error).split('\n')[0]!;
}

/**
 * The Temporal SDK's logs through pino. The SDK logs every state change at INFO and every
 * activity failure at WARN with the whole failure object (stack, task token: dozens of lines
 * per attempt); an operator reads Labwire's own lines instead. So the SDK's INFO goes to debug,
 * and an activity failure becomes at most one warn line (activity, attempt, reason), with the
 * full entry at debug (LOG_LEVEL=debug shows everything).
 */
export class PinoSdkLogger implements SdkLogger {
  constructor(
    private readonly logger: Logger,
    private readonly options: SdkLoggerOptions = {},
  ) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { error, err, ...fields } = meta as Record<string, unknown>;
    const failure = err ?? error;
    const entry = failure === undefined ? fields : { ...fields, err: failure };
    if (OWN_COMPONENTS.has(String(fields.sdkComponent))) {
      this.logger[pinoLevel[level]](entry, message);
      return;
    }
    if (message === 'Activity failed') {
      this.logger.debug(entry, message);
      if (level === 'WARN' && !this.options.isReported?.(failure)) {
        this.logger.warn({ activityType: fields.activityType, attempt: fields.attempt, workflowId: fields.workflowId, reason: reasonOf(failure) }, `activity ${String(fields.activityType)} failed`);
      }
      return;
    }
    this.logger[level === 'INFO' ? 'debug' : pinoLevel[level]](entry, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
