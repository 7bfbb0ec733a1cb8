import type postgres from 'postgres';
import type { LogStatus } from '../../workflows/types';

/** The seed's UpdateRetryIntegrationStatus: a log was created, finalized or retried. */
export interface LogChange {
  logId: string;
  status: LogStatus;
  retryId?: string;
  /** The log's lab: each stream passes on only the changes of its user's labs (src/auth/lab-scope.ts). */
  labId?: number;
}

export type PublishLogChange = (change: LogChange) => Promise<void>;

export const LOG_CHANGES_CHANNEL = 'labwire_log_changes';

/**
 * Log changes cross processes (worker → every API replica) through PostgreSQL NOTIFY, which we
 * already run. Passive: a failed notification is logged by the caller's logger, never thrown.
 */
export function postgresLogChangePublisher(sql: postgres.Sql, onError: (error: unknown) => void): PublishLogChange {
  return async (change) => {
    try {
      await sql`select pg_notify(${LOG_CHANGES_CHANNEL}, ${JSON.stringify(change)})`;
    } catch (error) {
      onError(error);
    }
  };
}

export async function subscribeLogChanges(sql: postgres.Sql, onChange: (change: LogChange) => void): Promise<() => Promise<void>> {
  const subscription = await sql.listen(LOG_CHANGES_CHANNEL, (payload) => {
    try {
      onChange(JSON.parse(payload) as LogChange);
    } catch {
      // not ours
    }
  });
  return () => subscription.unlisten();
}
