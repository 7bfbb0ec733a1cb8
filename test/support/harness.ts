import { inArray } from 'drizzle-orm';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import { LogIndex } from '../../src/logstore/log-index';
import { createApp } from '../../src/api/app';
import { listen, type RunningServer } from '../../src/api/server';
import type { Config } from '../../src/config/schema';
import { DeliveryLogs } from '../../src/logstore/delivery-logs';
import { prepareLogStore } from '../../src/logstore/ferret-lookup-indexes';
import { withOmittedFields, type LogDocument } from '../../src/logstore/log-document';
import { rawLogStore, type RawLogStore } from './raw-log-store';
import { startOutboxRelay, type OutboxRelay } from '../../src/outbox/relay';
import { openServices, type Services } from '../../src/services';
import { startWorkers, type RunningWorkers } from '../../src/worker/run-workers';
import { eventually, prebuiltWorkflowBundle, testConfig } from './fixtures';
import { ApiClient, type ApiAnswer } from './api-client';
import { TEST_ADMIN_PASSWORD } from './test-environment';
import { ensureTestUser, TEST_USER_PASSWORD } from './users';
import { logIndex, type Role } from '../../src/db/schema';

/**
 * The real thing, in-process: workers on the test task queues, the outbox relay, and the API on
 * a free port — against the stack the global setup started.
 */
export class Harness {
  readonly config: Config;
  services!: Services;
  logs!: DeliveryLogs;
  /** The log store's and read model's raw handles, for tests that set up or inspect stored data directly. */
  store!: RawLogStore;
  api!: RunningServer;
  private workers?: RunningWorkers;
  private relay?: OutboxRelay;
  private admin?: ApiClient;

  constructor(overrides: (config: Config) => void = () => undefined) {
    this.config = testConfig();
    overrides(this.config);
  }

  /** `workflowBundle`: the bundle the workers run (default: the one the global setup built). */
  async start(options: { workers?: boolean; workflowBundle?: WorkflowBundleWithSourceMap | { codePath: string } } = {}): Promise<this> {
    this.services = await openServices(this.config);
    this.logs = new DeliveryLogs(this.services.logStore.db, new LogIndex(this.services.configStore.db));
    this.store = rawLogStore(this.services.logStore.db, this.services.configStore.db);
    const logger = pino({ level: 'silent' });
    if (options.workers !== false) {
      this.workers = await startWorkers(this.config, this.services, { workflowBundle: options.workflowBundle ?? prebuiltWorkflowBundle() });
      this.relay = startOutboxRelay({ sql: this.services.configStore.sql, temporal: this.services.temporal, taskQueue: this.config.temporal.taskQueue, pollMs: this.config.outboxPollMs, startTimeoutMs: this.config.temporal.startTimeoutMs, logger });
    } else {
      await prepareLogStore(this.config, this.logs);
    }
    this.api = await listen(createApp({ config: this.config, ...this.services, logger }), '127.0.0.1', 0);
    return this;
  }

  async stop(): Promise<void> {
    await this.api?.close();
    await this.relay?.stop();
    await this.workers?.stop();
    await this.services?.close();
  }

  /** Signed in as the test admin; use `as(...)` for another role or `anonymous()` for none. */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    return this.adminClient().request(method, path, body, headers);
  }

  /** The test admin's session cookie, for clients that are not fetch-with-JSON (SSE). */
  async adminCookie(): Promise<Record<string, string>> {
    return this.adminClient().cookieHeader();
  }

  /** A client signed in as a user of this role (created once with a known password). */
  async as(role: Role): Promise<ApiClient> {
    const username = `test-${role}`;
    await ensureTestUser(this.services.configStore.db, username, role);
    return new ApiClient(this.api.url, { username, password: TEST_USER_PASSWORD });
  }

  /** The test admin, signed in on first use and reused by every call. */
  adminClient(): ApiClient {
    this.admin ??= new ApiClient(this.api.url, { username: 'admin', password: TEST_ADMIN_PASSWORD });
    return this.admin;
  }

  anonymous(): ApiClient {
    return new ApiClient(this.api.url);
  }

  logsForEvent(eventId: string): Promise<LogDocument[]> {
    // Read as the product reads a log (DeliveryLogs.get): with the fields FerretDB left out restored.
    return this.store.logs.find({ event_id: eventId }).sort({ lab_integration_id: 1 }).toArray().then((logs) => logs.map(withOmittedFields));
  }

  /** Waits until the event has `count` logs, all with a final status. */
  async settledLogs(eventId: string, count: number, timeoutMs = 20_000): Promise<LogDocument[]> {
    return eventually(async () => {
      const logs = await this.logsForEvent(eventId);
      if (logs.length !== count || logs.some((l) => l.status === 'QUEUED')) return undefined;
      // The read model's row is written after the log: wait for it too, so what /api/logs lists agrees.
      const rows = await this.services.configStore.db
        .select({ id: logIndex.id, status: logIndex.status })
        .from(logIndex)
        .where(inArray(logIndex.id, logs.map((l) => l._id)));
      return logs.every((l) => rows.some((r) => r.id === l._id && r.status === l.status)) ? logs : undefined;
    }, timeoutMs);
  }

  async logWhere(logId: string, predicate: (log: LogDocument) => boolean, timeoutMs = 20_000): Promise<LogDocument> {
    return eventually(async () => {
      const log = await this.logs.get(logId);
      return log && predicate(log) ? log : undefined;
    }, timeoutMs);
  }
}
