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

/**
 * `onRelisten` runs each time the LISTEN is registered again after its connection was lost (a
 * database restart): the changes made while it was gone were never announced to this process.
 */
export async function subscribeLogChanges(sql: postgres.Sql, onChange: (change: LogChange) => void, onRelisten: () => void = () => undefined): Promise<() => Promise<void>> {
  let listening = false;
  const subscription = await sql.listen(
    LOG_CHANGES_CHANNEL,
    (payload) => {
      try {
        onChange(JSON.parse(payload) as LogChange);
      } catch {
        // not ours
      }
    },
    () => {
      if (listening) onRelisten();
      listening = true;
    },
  );
  return () => subscription.unlisten();
}
