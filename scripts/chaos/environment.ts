// Isolation: the chaos run has a stack of its own, so dev, test and bench data are never touched.
import { resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..');

/** Ports, databases and data directory of one chaos stack; `slot` moves them aside (the test suite's LABWIRE_TEST_SLOT). */
export interface ChaosPlace {
  dataDir: string;
  database: string;
  temporalPort: number;
  ferretPort: number;
  apiPorts: [number, number];
  taskQueue: string;
  /** `--server cluster`: each node's frontend port (it uses the eight after it too) and the cluster's databases. */
  clusterFrontendPorts: [number, number];
  clusterDatabases: { persistence: string; visibility: string };
}

export function chaosPlace(slot: number): ChaosPlace {
  const offset = slot * 10;
  const suffix = slot === 0 ? '' : `_s${slot}`;
  return {
    dataDir: resolve(repoRoot, '.labwire', `chaos${suffix}`),
    database: `labwire_chaos${suffix}`,
    temporalPort: 27633 + offset,
    ferretPort: 47417 + offset,
    apiPorts: [23100 + offset, 23101 + offset],
    taskQueue: `labwire-chaos${suffix}`,
    clusterFrontendPorts: [27733 + offset, 27833 + offset],
    clusterDatabases: { persistence: `temporal_chaos${suffix}`, visibility: `temporal_chaos_visibility${suffix}` },
  };
}

/**
 * The environment every process of the run gets: the chaos stack, loopback partners allowed,
 * timeouts short enough that a run of minutes sees retries, timeouts and callbacks run out.
 * Variables that could point Labwire elsewhere are removed.
 */
export function chaosEnvironment(place: ChaosPlace, callbackTimeoutMs: number, server: 'dev' | 'cluster'): Record<string, string | undefined> {
  return {
    LABWIRE_DATA_DIR: place.dataDir,
    // A cluster is reached through the run's load balancer on the dev server's port, as a remote cluster would be.
    TEMPORAL_ADDRESS: server === 'cluster' ? `127.0.0.1:${place.temporalPort}` : undefined,
    TEMPORAL_UI_URL: undefined,
    TEMPORAL_PORT: String(place.temporalPort),
    TEMPORAL_UI_PORT: String(place.temporalPort + 1000),
    TEMPORAL_PAYLOAD_KEYS: undefined,
    TEMPORAL_PAYLOAD_KEY_ID: undefined,
    FERRETDB_PORT: String(place.ferretPort),
    MONGODB_URL: undefined,
    FERRETDB_POSTGRES_URL: undefined,
    MONGODB_DATABASE: place.database,
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${place.database}`,
    TASK_QUEUE: place.taskQueue,
    CRELIO_TASK_QUEUE: `${place.taskQueue}-crelio`,
    WORKER_QUEUES: undefined,
    CONTEXT_PROVIDER: undefined,
    LAB_BACKEND_URL: undefined,
    LAB_BACKEND_API_KEY: undefined,
    LABWIRE_DEMO: 'false',
    LOG_LEVEL: 'warn',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: CHAOS_ADMIN_PASSWORD,
    TARGET_ALLOWLIST: '127.0.0.0/8,::1/128',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_MAX_ATTEMPTS: '3',
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_RETRY_MAX_MS: '1000',
    MIRTH_ACK_TIMEOUT_MS: '2000',
    ASYNC_CALLBACK_TIMEOUT_MS: String(callbackTimeoutMs),
    OUTBOX_POLL_MS: '500',
    STREAM_HEARTBEAT_MS: '2000',
    SWEEP_PAUSED: 'true',
    LOG_BODY_RETENTION_PAUSED: 'true',
    // The receiver fails a share of requests on purpose; a paused endpoint would hold the rest.
    BREAKER_CONSECUTIVE_FAILURES: '0',
    BREAKER_FAILURE_RATE_PERCENT: '0',
  };
}

export const CHAOS_ADMIN_PASSWORD = 'chaos-admin-password-1';
