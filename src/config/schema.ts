import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { passwordSchema } from '../auth/password-rule';
import { ROLES } from '../db/schema';
import { parsePayloadKeys, type PayloadKeySource } from '../temporal/payload-codec';

/**
 * Every environment variable Labwire reads, with its default and meaning.
 * The README's configuration table is written from this list; keep them together.
 */
const portError = { error: 'expected a TCP port number from 1 to 65535' };
const port = z.coerce.number(portError).int(portError).min(1, portError).max(65535, portError);
const millisError = { error: 'expected a whole number of milliseconds, at least 1' };
const millis = z.coerce.number(millisError).int(millisError).min(1, millisError);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/[^/]+\/[A-Za-z0-9_-]+(\?.*)?$/, 'expected a URL like postgres://user@host:5432/dbname')
  // The shape alone lets through what URL cannot parse (a port past 65535), which later code would throw on.
  .refine((value) => URL.canParse(value), 'expected a URL like postgres://user@host:5432/dbname');
const mongoUrl = z.string().regex(/^mongodb(\+srv)?:\/\//, 'expected a URL like mongodb://host:27017');
const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');
const cidr = /^[0-9a-fA-F.:]+\/\d{1,3}$/;
const cidrList = z
  .string()
  .transform((v) => v.split(',').map((part) => part.trim()).filter(Boolean))
  .refine((parts) => parts.every((part) => cidr.test(part)), 'expected comma-separated CIDR networks, e.g. 127.0.0.0/8,::1/128');
/** Express's 'trust proxy': none, the last N hops, or the addresses of the proxies. */
export type TrustProxy = false | number | string[];
/** Express's forms for 'trust proxy', less `true`, which would let every client choose its own address. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyAddress = (part: string) => {
  const [address = '', bits, ...rest] = part.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
};
const trustProxy = z.string().transform((value, ctx): TrustProxy => {
  if (value === 'false') return false;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const parts = value.split(',').map((part) => part.trim()).filter(Boolean);
  if (parts.length > 0 && parts.every((part) => PROXY_RANGE_NAMES.has(part) || isProxyAddress(part))) return parts;
  ctx.addIssue({
    code: 'custom',
    message:
      value === 'true'
        ? 'true would trust any X-Forwarded-For, so every client could choose its own address; give the number of proxies in front of the API or their addresses'
        : 'expected false, a number of proxy hops, or comma-separated proxy addresses, CIDRs, loopback, linklocal or uniquelocal',
  });
  return z.NEVER;
});
const countError = { error: 'expected a whole number, at least 1' };
const count = z.coerce.number(countError).int(countError).min(1, countError);
const queueName = z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected letters, digits, dot, dash or underscore');

export const envSchema = z.object({
  LABWIRE_DATA_DIR: z.string().min(1).optional(),
  LABWIRE_CACHE_DIR: z.string().min(1).optional(),
  LABWIRE_DEMO: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: z.url({ error: 'expected an http(s) URL, e.g. http://127.0.0.1:8233' }).optional(),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PAYLOAD_KEYS: z.string().min(1).optional(),
  TEMPORAL_START_TIMEOUT_MS: millis.default(5_000),
  TEMPORAL_UPDATE_TIMEOUT_MS: millis.default(15_000),
  WORKER_SHUTDOWN_GRACE_MS: millis.default(10_000),
  TEMPORAL_PAYLOAD_KEY_ID: z.string().min(1).optional(),
  TEMPORAL_CODEC_ROLE: z.enum(ROLES, { error: 'expected viewer, operator or admin' }).default('operator'),
  TASK_QUEUE: queueName.default('labwire-default'),
  CRELIO_TASK_QUEUE: queueName.default('labwire-crelio-app'),
  WORKER_QUEUES: z
    .string()
    .transform((v) => v.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['default', 'crelio-app'], { error: 'expected default, crelio-app or both, comma-separated' })).min(1, 'expected default, crelio-app or both'))
    .default(['default', 'crelio-app']),

  DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/labwire'),

  MONGODB_URL: mongoUrl.optional(),
  MONGODB_DATABASE: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/).default('labwire'),
  FERRETDB_PATH: z.string().min(1).optional(),
  FERRETDB_PORT: port.default(27017),
  FERRETDB_HANDLER: z.enum(['postgresql', 'sqlite']).default('postgresql'),
  FERRETDB_POSTGRES_URL: postgresUrl.optional(),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  ADMIN_USERNAME: z.string().regex(/^[A-Za-z0-9._@-]{1,100}$/, 'expected 1-100 letters, digits, dot, dash, underscore or @').default('admin'),
  ADMIN_PASSWORD: passwordSchema.optional(),
  SESSION_TTL_MS: millis.default(12 * 3_600_000),
  STREAM_HEARTBEAT_MS: millis.default(15_000),
  STREAM_MAX_PER_USER: count.default(10),
  STREAM_MAX_PER_PROCESS: count.default(500),
  REQUEST_BODY_LIMIT_BYTES: z.coerce.number({ error: 'expected a number of bytes, at least 1024' }).int().min(1024).default(1_048_576),
  REQUEST_JSON_MAX_DEPTH: z.coerce.number({ error: 'expected a whole number from 2 to 1000' }).int().min(2).max(1000).default(32),
  COOKIE_SECURE: z
    .enum(['auto', 'true', 'false', '1', '0', 'yes', 'no'], { error: 'expected auto, true or false' })
    .default('auto')
    .transform((v) => (v === 'auto' ? ('auto' as const) : v === 'true' || v === '1' || v === 'yes')),
  TRUST_PROXY: trustProxy.default(false),
  WORKER_METRICS_PORT: port.optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(200).optional(),

  WEBHOOK_TIMEOUT_MS: millis.default(10_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number({ error: 'expected a whole number from 1 to 20' }).int().min(1).max(20).default(4),
  WEBHOOK_RETRY_BASE_MS: millis.default(1_000),
  WEBHOOK_RETRY_MAX_MS: millis.default(60_000),
  MIRTH_ACK_TIMEOUT_MS: millis.default(10_000),
  ASYNC_CALLBACK_TIMEOUT_MS: millis.default(3_600_000),
  DELIVERY_RETENTION_MS: millis.default(7 * 24 * 3_600_000),
  SWEEP_INTERVAL_MS: millis.default(300_000),
  SWEEP_WINDOW_MS: millis.default(24 * 3_600_000),
  SWEEP_MAX_AUTO_RETRIES: z.coerce.number({ error: 'expected a whole number from 0 to 100' }).int().min(0).max(100).default(3),
  SWEEP_RETRYABLE_PATTERNS: z
    .string()
    .transform((v) => v.split('|').map((part) => part.trim()).filter(Boolean))
    .default(['No response', 'SocketTimeoutException', 'ECONNRESET', 'connection reset', 'ECONNREFUSED', 'connection refused', 'timed out', 'ETIMEDOUT']),
  SWEEP_MIRTH_QUEUED_AFTER_MS: millis.default(600_000),
  SWEEP_PAUSED: bool.default(false),
  LOG_BODY_RETENTION_DAYS: z.coerce
    .number({ error: 'expected a whole number of days from 0 (keep bodies forever) to 36500' })
    .int({ error: 'expected a whole number of days from 0 (keep bodies forever) to 36500' })
    .min(0, { error: 'expected a whole number of days from 0 (keep bodies forever) to 36500' })
    .max(36_500, { error: 'expected a whole number of days from 0 (keep bodies forever) to 36500' })
    .default(30),
  LOG_BODY_RETENTION_INTERVAL_MS: millis.default(3_600_000),
  LOG_BODY_RETENTION_PAUSED: bool.default(false),
  TARGET_ALLOWLIST: cidrList.default([]),
  BREAKER_CONSECUTIVE_FAILURES: z.coerce.number({ error: 'expected a whole number from 0 (off) to 100000' }).int().min(0).max(100_000).default(20),
  BREAKER_FAILURE_RATE_PERCENT: z.coerce.number({ error: 'expected a whole number of percent from 0 (off) to 100' }).int().min(0).max(100).default(50),
  BREAKER_MIN_DELIVERIES: count.default(50),
  BREAKER_WINDOW_MS: millis.default(15 * 60_000),
  ENDPOINT_PROBE_INTERVAL_MS: millis.default(60_000),
  ENDPOINT_PROBE_MAX_INTERVAL_MS: millis.default(15 * 60_000),
  ENDPOINT_RESUME_IN_FLIGHT: count.default(5),
  ALERT_WEBHOOK_URL: z.url({ error: 'expected an http(s) URL, e.g. https://hooks.slack.com/services/…' }).optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'expected smtp://user:password@host:587 or smtps://host:465').optional(),
  ALERT_EMAIL_FROM: z.string().min(3).max(320).default('Labwire <labwire@localhost>'),
  ALERT_EMAIL_TO: z
    .string()
    .transform((v) => v.split(',').map((part) => part.trim()).filter(Boolean))
    .refine((list) => list.every((a) => /^[^\s@,;]+@[^\s@,;]+$/.test(a)), 'expected comma-separated e-mail addresses')
    .default([]),
  ALERT_EMAIL_TO_LABS: z
    .string()
    .transform((value, ctx) => {
      const byLab: Record<number, string[]> = {};
      for (const part of value.split(';').map((p) => p.trim()).filter(Boolean)) {
        const match = /^(\d{1,9})=(.+)$/.exec(part);
        const addresses = match ? match[2]!.split(',').map((a) => a.trim()).filter(Boolean) : [];
        if (!match || addresses.length === 0 || !addresses.every((a) => /^[^\s@,;=]+@[^\s@,;=]+$/.test(a))) {
          ctx.addIssue({ code: 'custom', message: `expected labId=address,address;labId=address (got "${part.slice(0, 80)}")` });
          return z.NEVER;
        }
        byLab[Number(match[1])] = addresses;
      }
      return byLab;
    })
    .default({}),
  MAX_BODY_BYTES: z.coerce.number({ error: 'expected a number of bytes, at least 1024' }).int().min(1024).default(65_536),
  OUTBOX_POLL_MS: millis.default(1_000),
  CONTEXT_PROVIDER: z.enum(['postgres', 'http']).default('postgres'),
  LAB_BACKEND_URL: z.url({ error: 'expected an http(s) URL of the lab backend' }).optional(),
  LAB_BACKEND_API_KEY: z.string().min(1).optional(),
  PARTNER_RATE_LIMIT_PER_MINUTE: z.coerce.number({ error: 'expected a whole number of requests, at least 1' }).int().min(1).default(120),
  PARTNER_ADDRESS_RATE_LIMIT_PER_MINUTE: count.default(600),
  SIGNING_SECRET_OVERLAP_HOURS: z.coerce
    .number({ error: 'expected a number of hours from 0 to 720' })
    .min(0, 'expected a number of hours from 0 to 720')
    .max(720, 'expected a number of hours from 0 to 720')
    .default(24),

  STARTUP_TIMEOUT_MS: millis.default(60_000),
  SHUTDOWN_TIMEOUT_MS: millis.default(10_000),
});

export type Env = z.infer<typeof envSchema>;

/** Rules that involve more than one variable. */
export const crossFieldRules = envSchema.superRefine((env, ctx) => {
  if (env.TEMPORAL_PAYLOAD_KEYS) {
    try {
      parsePayloadKeys(env.TEMPORAL_PAYLOAD_KEYS, env.TEMPORAL_PAYLOAD_KEY_ID);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_PAYLOAD_KEYS'], message: (error as Error).message.replace(/^TEMPORAL_PAYLOAD_KEYS: /, '') });
    }
  } else if (env.TEMPORAL_PAYLOAD_KEY_ID) {
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_PAYLOAD_KEY_ID'], message: 'names a key of TEMPORAL_PAYLOAD_KEYS, which is not set' });
  }
  if (env.CONTEXT_PROVIDER === 'http' && !env.LAB_BACKEND_URL) {
    ctx.addIssue({ code: 'custom', path: ['LAB_BACKEND_URL'], message: 'required when CONTEXT_PROVIDER=http' });
  }
});

export const projectRoot = resolve(__dirname, '..', '..');

/** The dedicated FerretDB database sits beside the config database: labwire → labwire_ferretdb. */
function ferretPostgresUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `${url.pathname.replace(/^\//, '')}_ferretdb`;
  return url.toString();
}

function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'labwire');
}

/** Where live domain objects come from: the sample schema in PostgreSQL, or the lab backend over HTTP. */
export type ContextProviderConfig = { kind: 'postgres' } | { kind: 'http'; baseUrl: string; apiKey?: string };

/**
 * The validated configuration every part of Labwire reads: each setting is declared once, as an
 * environment variable in `envSchema` (its default and its rule) and here (its place and meaning);
 * the `Config` type is what this returns.
 */
export function toConfig(env: Env) {
  const temporalAddress = env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_PORT}`;
  const ferretPort = env.FERRETDB_PORT;
  return {
    dataDir: resolve(env.LABWIRE_DATA_DIR ?? join(projectRoot, '.labwire', 'dev')),
    cacheDir: resolve(env.LABWIRE_CACHE_DIR ?? defaultCacheDir()),
    /**
     * `labwire start` runs the demo partner (src/demo): a webhook receiver, a Mirth channel and a
     * courier on loopback, integrated with lab 1001, and a few demo events. `labwire worker` and
     * `labwire api` never run it, whatever this says.
     */
    demo: env.LABWIRE_DEMO,
    logLevel: env.LOG_LEVEL,
    temporal: {
      /** Set when an external cluster is used; the dev server is then never started. */
      externalAddress: env.TEMPORAL_ADDRESS,
      address: temporalAddress,
      namespace: env.TEMPORAL_NAMESPACE,
      tls: env.TEMPORAL_TLS,
      apiKey: env.TEMPORAL_API_KEY,
      port: env.TEMPORAL_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      uiUrl: (env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`).replace(/\/$/, ''),
      cliPath: env.TEMPORAL_CLI_PATH,
      taskQueue: env.TASK_QUEUE,
      crelioTaskQueue: env.CRELIO_TASK_QUEUE,
      /** The task queues this process's worker polls. */
      workerQueues: env.WORKER_QUEUES.map((q) => (q === 'crelio-app' ? env.CRELIO_TASK_QUEUE : env.TASK_QUEUE)),
      /**
       * The keys of the payload codec (src/temporal/payload-codec.ts): TEMPORAL_PAYLOAD_KEYS, or
       * else a key generated once into the data directory (development; a warning says so).
       */
      payloadKeys: (env.TEMPORAL_PAYLOAD_KEYS
        ? { kind: 'keys', keys: parsePayloadKeys(env.TEMPORAL_PAYLOAD_KEYS, env.TEMPORAL_PAYLOAD_KEY_ID) }
        : { kind: 'file', dataDir: resolve(env.LABWIRE_DATA_DIR ?? join(projectRoot, '.labwire', 'dev')) }) as PayloadKeySource,
      /** The least role that may call the codec endpoint /api/temporal-codec (decode shows patient data). */
      codecRole: env.TEMPORAL_CODEC_ROLE,
      /** How long the API and the outbox relay wait for Temporal to start an event workflow (then: the outbox). */
      startTimeoutMs: env.TEMPORAL_START_TIMEOUT_MS,
      /** How long a retry waits for Temporal to accept or refuse it. */
      updateTimeoutMs: env.TEMPORAL_UPDATE_TIMEOUT_MS,
      /** On shutdown, how long in-flight activities may finish before they are cancelled (and retried elsewhere). */
      workerShutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
    },
    postgres: { url: env.DATABASE_URL },
    logStore: {
      /** Set when a real MongoDB is used; FerretDB is then never started. */
      externalUrl: env.MONGODB_URL,
      url: env.MONGODB_URL ?? `mongodb://127.0.0.1:${ferretPort}/`,
      database: env.MONGODB_DATABASE,
      ferret: {
        path: env.FERRETDB_PATH,
        port: ferretPort,
        handler: env.FERRETDB_HANDLER,
        postgresUrl: env.FERRETDB_POSTGRES_URL ?? ferretPostgresUrl(env.DATABASE_URL),
      },
    },
    api: {
      host: env.API_HOST,
      port: env.API_PORT,
      publicUrl: `http://${env.API_HOST}:${env.API_PORT}`,
      /** How often /api/stream sends a keep-alive and checks (in one query for every open stream) that each session still stands. */
      streamHeartbeatMs: env.STREAM_HEARTBEAT_MS,
      /** Open /api/stream connections allowed per user and per API process; one more is a 429. */
      streamMaxPerUser: env.STREAM_MAX_PER_USER,
      streamMaxPerProcess: env.STREAM_MAX_PER_PROCESS,
      /** Every request body, /api and /partner/v1 alike: at most this many bytes (413) and this deep a JSON nesting (400). */
      requestBodyLimitBytes: env.REQUEST_BODY_LIMIT_BYTES,
      requestJsonMaxDepth: env.REQUEST_JSON_MAX_DEPTH,
      /**
       * Which proxies' X-Forwarded-For decides the client address (req.ip) that the partner address
       * limit, refused-call sampling and the sign-in limit count by. None by default: a header any
       * client can send must not choose its bucket.
       */
      trustProxy: env.TRUST_PROXY,
    },
    auth: {
      /** The first admin, created at start when no user exists; without a password one is generated and printed once. */
      adminUsername: env.ADMIN_USERNAME,
      adminPassword: env.ADMIN_PASSWORD,
      sessionTtlMs: env.SESSION_TTL_MS,
      /** Send the session cookie with `Secure`: always, never, or `auto` (when the request came over HTTPS, directly or through a trusted proxy). */
      secureCookies: env.COOKIE_SECURE,
    },
    /** A `labwire worker` of its own serves /metrics on this port; with `labwire start` the API's /metrics covers both. */
    workerMetricsPort: env.WORKER_METRICS_PORT,
    /** Prometheus sends it as a bearer token to /metrics; a signed-in session works too. */
    metricsToken: env.METRICS_TOKEN,
    delivery: {
      webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
      webhookMaxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      retryBaseDelayMs: env.WEBHOOK_RETRY_BASE_MS,
      retryMaxDelayMs: env.WEBHOOK_RETRY_MAX_MS,
      mirthAckTimeoutMs: env.MIRTH_ACK_TIMEOUT_MS,
      asyncCallbackTimeoutMs: env.ASYNC_CALLBACK_TIMEOUT_MS,
      /** How long a delivery workflow made before 2026-11-30 (`delivery-<logId>`) stays open for retries after its first outcome. */
      retentionMs: env.DELIVERY_RETENTION_MS,
      /** Networks outbound targets (webhooks, Mirth, the lab backend) may resolve into although private or loopback (CIDRs). */
      allowedNetworks: env.TARGET_ALLOWLIST,
      maxBodyBytes: env.MAX_BODY_BYTES,
      /** After a signing secret is replaced, the previous one keeps signing (beside the new one) this long. */
      signingSecretOverlapMs: Math.round(env.SIGNING_SECRET_OVERLAP_HOURS * 3_600_000),
    },
    outboxPollMs: env.OUTBOX_POLL_MS,
    /**
     * Endpoint flow (src/endpoints, workflows/endpoint-flow.ts): when an endpoint is paused
     * automatically, how it is probed, and how fast its waiting deliveries go once it resumes.
     * An integration's extra details `breaker` override the thresholds for its deliveries.
     */
    breaker: {
      consecutiveFailures: env.BREAKER_CONSECUTIVE_FAILURES,
      failureRatePercent: env.BREAKER_FAILURE_RATE_PERCENT,
      minDeliveries: env.BREAKER_MIN_DELIVERIES,
      windowMs: env.BREAKER_WINDOW_MS,
    },
    endpointFlow: {
      probeIntervalMs: env.ENDPOINT_PROBE_INTERVAL_MS,
      probeMaxIntervalMs: Math.max(env.ENDPOINT_PROBE_MAX_INTERVAL_MS, env.ENDPOINT_PROBE_INTERVAL_MS),
      resumeInFlight: env.ENDPOINT_RESUME_IN_FLIGHT,
    },
    /** Where pause and resume alerts go (src/endpoints/alerts.ts); neither configured, they are only listed in the dashboard. */
    alerts: {
      webhookUrl: env.ALERT_WEBHOOK_URL,
      smtpUrl: env.SMTP_URL,
      emailFrom: env.ALERT_EMAIL_FROM,
      emailTo: env.ALERT_EMAIL_TO,
      emailToByLab: env.ALERT_EMAIL_TO_LABS,
    },
    sweep: {
      intervalMs: env.SWEEP_INTERVAL_MS,
      windowMs: env.SWEEP_WINDOW_MS,
      maxAutoRetries: env.SWEEP_MAX_AUTO_RETRIES,
      /** Case-insensitive substrings of error_message that make a FAIL worth retrying by itself. */
      retryablePatterns: env.SWEEP_RETRYABLE_PATTERNS,
      mirthQueuedAfterMs: env.SWEEP_MIRTH_QUEUED_AFTER_MS,
      paused: env.SWEEP_PAUSED,
    },
    /**
     * Patient data in logs (bodies, query strings, the partner's answer in error texts) is removed
     * `days` after the log's last write by the Schedule `labwire-body-retention`; 0 keeps it forever.
     */
    bodyRetention: {
      days: env.LOG_BODY_RETENTION_DAYS,
      intervalMs: env.LOG_BODY_RETENTION_INTERVAL_MS,
      paused: env.LOG_BODY_RETENTION_PAUSED,
    },
    contextProvider: (env.CONTEXT_PROVIDER === 'http'
      ? { kind: 'http', baseUrl: env.LAB_BACKEND_URL ?? '', apiKey: env.LAB_BACKEND_API_KEY }
      : { kind: 'postgres' }) as ContextProviderConfig,
    /** Per verified auth key, counted after authentication. */
    partnerRateLimitPerMinute: env.PARTNER_RATE_LIMIT_PER_MINUTE,
    /** Per client address, counted before authentication (so unknown keys are limited too). */
    partnerAddressRateLimitPerMinute: env.PARTNER_ADDRESS_RATE_LIMIT_PER_MINUTE,
    timeouts: { startupMs: env.STARTUP_TIMEOUT_MS, shutdownMs: env.SHUTDOWN_TIMEOUT_MS },
  };
}

export type Config = ReturnType<typeof toConfig>;
