import { join } from 'node:path';
import { projectRoot } from '../../src/config/schema';

/**
 * Test-only ports, databases and data directory, so `npm test` never touches the data of
 * `npm start` and both can run at once. TEST_TEMPORAL_ADDRESS / TEST_MONGODB_URL point the
 * suite at external servers instead.
 */
/** The first admin of the test database (created by the global setup). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-1';

/**
 * LABWIRE_TEST_SLOT=N (1–9) moves every port, database and task queue of the suite aside, so two
 * work trees can run their suites on one machine at once without sharing servers or data.
 */
function testSlot(env: NodeJS.ProcessEnv): { offset: number; suffix: string } {
  const slot = Number(env.LABWIRE_TEST_SLOT ?? 0);
  if (!Number.isInteger(slot) || slot < 0 || slot > 9) throw new Error('LABWIRE_TEST_SLOT must be a whole number from 0 to 9');
  return { offset: slot * 100, suffix: slot === 0 ? '' : `_s${slot}` };
}

export function testEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const { offset, suffix } = testSlot(env);
  const port = (base: number) => String(base + offset);
  return {
    LABWIRE_DATA_DIR: join(projectRoot, '.labwire', `test${suffix}`),
    TEMPORAL_ADDRESS: env.TEST_TEMPORAL_ADDRESS,
    TEMPORAL_PORT: port(17233),
    TEMPORAL_UI_PORT: port(18233),
    TEMPORAL_UI_URL: undefined,
    // The suite's generated key in its data directory (the development default).
    TEMPORAL_PAYLOAD_KEYS: undefined,
    TEMPORAL_PAYLOAD_KEY_ID: undefined,
    MONGODB_URL: env.TEST_MONGODB_URL,
    MONGODB_DATABASE: `labwire_test${suffix}`,
    FERRETDB_PORT: port(37017),
    FERRETDB_POSTGRES_URL: undefined,
    DATABASE_URL: env.TEST_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/labwire_test${suffix}`,
    API_PORT: port(13000),
    STREAM_HEARTBEAT_MS: '1000',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    TASK_QUEUE: `labwire-test${suffix}`,
    CRELIO_TASK_QUEUE: `labwire-test-crelio${suffix}`,
    WORKER_QUEUES: undefined,
    // Tests talk to receivers and MLLP peers on loopback, with short timeouts (no time skipping here).
    TARGET_ALLOWLIST: '127.0.0.0/8,::1/128',
    WEBHOOK_TIMEOUT_MS: '1500',
    WEBHOOK_MAX_ATTEMPTS: '3',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '400',
    MIRTH_ACK_TIMEOUT_MS: '800',
    ASYNC_CALLBACK_TIMEOUT_MS: '3000',
    OUTBOX_POLL_MS: '300',
    // Deliveries stay open this long for retries; long enough for a test, short enough to see one close.
    DELIVERY_RETENTION_MS: '20000',
    // The schedule exists but never fires by itself in tests: sweeps are run on demand.
    SWEEP_PAUSED: 'true',
    // Likewise the body retention: the default limit, its Schedule paused, removals run on demand
    // (test/body-retention.int.test.ts backdates its logs past the limit).
    LOG_BODY_RETENTION_DAYS: '30',
    LOG_BODY_RETENTION_PAUSED: 'true',
    // The breaker is off: many tests fail one receiver on purpose, and a paused endpoint would hold
    // their later deliveries. test/endpoint-flow.int.test.ts turns it on (its own thresholds).
    BREAKER_CONSECUTIVE_FAILURES: '0',
    BREAKER_FAILURE_RATE_PERCENT: '0',
  };
}

export function applyTestEnvironment(): void {
  for (const [key, value] of Object.entries(testEnvironment())) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

export const workflowBundlePath = () => join(testEnvironment().LABWIRE_DATA_DIR!, 'workflow-bundle.js');
