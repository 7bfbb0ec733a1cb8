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

/**
 * Log changes cross processes (worker → every API replica) through PostgreSQL NOTIFY, which we
 * already run: the read model's writes announce the rows they change (LogIndex, `Announce`).
 */
export const LOG_CHANGES_CHANNEL = 'labwire_log_changes';

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
