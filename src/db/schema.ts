import { relations, sql } from 'drizzle-orm';
import { bigserial, boolean, date, index, integer, jsonb, numeric, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { ACTOR_TYPES } from '../audit/audit-actions';

/**
 * The configuration store (SPEC §3). Table and column names follow the seed's models in
 * snake_case; TypeScript names are camelCase.
 */
const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow().notNull(),
};

export const labs = pgTable(
  'labs',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    city: text('city'),
    ...timestamps,
  },
  (t) => [index('labs_name_idx').on(t.name)],
);

export const organisations = pgTable(
  'organisations',
  {
    id: serial('id').primaryKey(),
    labId: integer('lab_id')
      .notNull()
      .references(() => labs.id),
    name: text('name').notNull(),
    ...timestamps,
  },
  (t) => [index('organisations_lab_idx').on(t.labId)],
);

export const developers = pgTable(
  'developers',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex('developers_name_idx').on(t.name)],
);

/** Where an action is fired from; crelio-app actions retry on their own task queue (seed: triggered_by_py3). */
export const ORIGINS = ['livehealth', 'crelio-app'] as const;
export type Origin = (typeof ORIGINS)[number];

export const actionCategories = pgTable('action_categories', {
  // Ids are fixed business identifiers (60 and 61 are crelio-app's), so they are not generated.
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  origin: text('origin', { enum: ORIGINS }).notNull().default('livehealth'),
  ...timestamps,
});

export const INTEGRATION_TYPES = ['webhook', 'api', 'mirth', 'async_vendor'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];
export const PAYLOAD_TYPES = ['ORM', 'ADT', 'ORU_R01'] as const;
export type PayloadType = (typeof PAYLOAD_TYPES)[number];
/** Seed rule: 0 = GET with the payload as query string, 1 = POST JSON. */
export type RequestType = 0 | 1;

/** One partner's credentials and defaults for a lab (or one of its organisations). */
export const developerAuthentication = pgTable(
  'developer_authentication',
  {
    id: serial('id').primaryKey(),
    /** SHA-256 (hex) of the auth key; the key itself is shown once, when issued, and never stored. */
    authKeyHash: text('auth_key_hash').notNull(),
    /** The key's first characters, in clear: names the key in the dashboard and in logs. */
    authKeyPrefix: text('auth_key_prefix').notNull(),
    labId: integer('lab_id')
      .notNull()
      .references(() => labs.id),
    orgId: integer('org_id').references(() => organisations.id),
    developerId: integer('developer_id')
      .notNull()
      .references(() => developers.id),
    developerName: text('developer_name').notNull(),
    url: text('url'),
    integrationType: text('integration_type', { enum: INTEGRATION_TYPES }).notNull(),
    requestType: integer('request_type').$type<RequestType>().notNull().default(1),
    payloadType: text('payload_type', { enum: PAYLOAD_TYPES }),
    templateText: text('template_text'),
    extraDetails: jsonb('extra_details').$type<Record<string, unknown>>().notNull().default({}),
    isOrg: boolean('is_org').notNull().default(false),
    isIntegrationEnable: boolean('is_integration_enable').notNull().default(true),
    ...timestamps,
  },
  (t) => [uniqueIndex('developer_authentication_auth_key_hash_idx').on(t.authKeyHash), index('developer_authentication_lab_idx').on(t.labId)],
);

/** One trigger: which business event of the authentication's lab fires a delivery, and where. */
export const labIntegration = pgTable(
  'lab_integration',
  {
    id: serial('id').primaryKey(),
    authId: integer('auth_id')
      .notNull()
      .references(() => developerAuthentication.id),
    actionCategoryId: integer('action_category_id')
      .notNull()
      .references(() => actionCategories.id),
    url: text('url'),
    requestType: integer('request_type').$type<RequestType>(),
    integrationExtraDetails: jsonb('integration_extra_details').$type<Record<string, unknown>>().notNull().default({}),
    isDisable: boolean('is_disable').notNull().default(false),
    ...timestamps,
  },
  (t) => [uniqueIndex('lab_integration_auth_action_idx').on(t.authId, t.actionCategoryId), index('lab_integration_action_idx').on(t.actionCategoryId)],
);

// The sample lab domain (demo and tests): what deliveries are built from, read live on every attempt.

export const patients = pgTable('patients', {
  id: serial('id').primaryKey(),
  labId: integer('lab_id')
    .notNull()
    .references(() => labs.id),
  mrn: text('mrn').notNull(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  dateOfBirth: date('date_of_birth', { mode: 'string' }).notNull(),
  gender: text('gender', { enum: ['M', 'F', 'O', 'U'] }).notNull().default('U'),
  phone: text('phone'),
  ...timestamps,
});

export const bills = pgTable('bills', {
  id: serial('id').primaryKey(),
  labId: integer('lab_id')
    .notNull()
    .references(() => labs.id),
  patientId: integer('patient_id')
    .notNull()
    .references(() => patients.id),
  /** The organisation the bill was made for; null = the lab itself (no org-scoped key sees it). */
  orgId: integer('org_id').references(() => organisations.id),
  billNumber: text('bill_number').notNull(),
  status: text('status').notNull().default('generated'),
  ...timestamps,
});

export const billItems = pgTable('bill_items', {
  id: serial('id').primaryKey(),
  billId: integer('bill_id')
    .notNull()
    .references(() => bills.id, { onDelete: 'cascade' }),
  testCode: text('test_code').notNull(),
  testName: text('test_name').notNull(),
  price: numeric('price', { precision: 12, scale: 2, mode: 'number' }).notNull(),
});

/** A bill with its items and patient, read in one statement (drizzle's relational queries: a delivery's context). */
export const billRelations = relations(bills, ({ one, many }) => ({
  patient: one(patients, { fields: [bills.patientId], references: [patients.id] }),
  items: many(billItems),
}));

export const billItemRelations = relations(billItems, ({ one }) => ({
  bill: one(bills, { fields: [billItems.billId], references: [bills.id] }),
}));

export const reports = pgTable('reports', {
  id: serial('id').primaryKey(),
  labId: integer('lab_id')
    .notNull()
    .references(() => labs.id),
  patientId: integer('patient_id')
    .notNull()
    .references(() => patients.id),
  billId: integer('bill_id').references(() => bills.id),
  /** As on bills: the organisation the report is for, null for the lab itself. */
  orgId: integer('org_id').references(() => organisations.id),
  status: text('status').notNull().default('submitted'),
  reportedAt: timestamp('reported_at', { withTimezone: true }).defaultNow().notNull(),
  ...timestamps,
});

export const reportResults = pgTable('report_results', {
  id: serial('id').primaryKey(),
  reportId: integer('report_id')
    .notNull()
    .references(() => reports.id, { onDelete: 'cascade' }),
  testCode: text('test_code').notNull(),
  testName: text('test_name').notNull(),
  value: text('value').notNull(),
  unit: text('unit'),
  referenceRange: text('reference_range'),
  flag: text('flag'),
});

/** As for bills: a report with its results and patient in one statement. */
export const reportRelations = relations(reports, ({ one, many }) => ({
  patient: one(patients, { fields: [reports.patientId], references: [patients.id] }),
  results: many(reportResults),
}));

export const reportResultRelations = relations(reportResults, ({ one }) => ({
  report: one(reports, { fields: [reportResults.reportId], references: [reports.id] }),
}));

/**
 * Transactional outbox: events written in the lab backend's own transaction, or when Temporal
 * was unreachable; the worker's relay starts their workflows (at least once, deduplicated by
 * lab and event id: event identity is scoped by lab, SPEC §4.1).
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    id: serial('id').primaryKey(),
    labId: integer('lab_id').notNull(),
    eventId: text('event_id').notNull(),
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [uniqueIndex('event_outbox_lab_event_idx').on(t.labId, t.eventId), index('event_outbox_pending_idx').on(t.id).where(sql`dispatched_at is null`)],
);

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** People who sign in to the dashboard (SPEC §7): viewer reads, operator also retries, admin also manages integrations. */
export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    username: text('username').notNull(),
    /** bcrypt. */
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    disabled: boolean('disabled').notNull().default(false),
    ...timestamps,
  },
  (t) => [uniqueIndex('users_username_idx').on(sql`lower(${t.username})`)],
);

/**
 * The labs a user is limited to (issue 10). No row: every lab, as before this table existed, so
 * existing users and the first admin keep working. Admins are never limited. Read on every
 * request with the session, so a change applies to the user's next request.
 */
export const userLabs = pgTable(
  'user_labs',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // No cascade: deleting the rows would widen the user to every lab.
    labId: integer('lab_id')
      .notNull()
      .references(() => labs.id),
  },
  (t) => [primaryKey({ columns: [t.userId, t.labId] })],
);

/** Dashboard sessions. Only a SHA-256 of the cookie's token is stored, so a database read cannot sign anyone in. */
export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

/**
 * The dashboard's read model of the log store: one typed row per log (no bodies), written by the
 * log writer after every change of a listed field. Lists, stats and bulk-retry selections are
 * answered here with btree indexes; the log document itself stays in the log store (SPEC §4).
 */
export const logIndex = pgTable(
  'log_index',
  {
    id: text('id').primaryKey(),
    type: text('type', { enum: ['WEBHOOK', 'API'] }).notNull(),
    labId: integer('lab_id'),
    orgId: integer('org_id'),
    developerId: integer('developer_id'),
    developerName: text('developer_name'),
    actionCategoryId: integer('action_category_id'),
    operation: text('operation').notNull(),
    integrationType: text('integration_type'),
    /** API logs: the endpoint called; deliveries: the target's host[:port] (never a path or query). */
    endpoint: text('endpoint'),
    /** Deliveries: the trigger and the authentication the log belongs to; API logs: the calling key's authentication (no trigger). */
    labIntegrationId: integer('lab_integration_id'),
    authId: integer('auth_id'),
    /** '' = suppressed (209 / #NOTFORDASHBOARD). */
    status: text('status').notNull(),
    responseStatusCode: integer('response_status_code'),
    responseTime: integer('response_time'),
    errorMessage: text('error_message'),
    retryCount: integer('retry_count').notNull().default(0),
    autoRetryCount: integer('auto_retry_count').notNull().default(0),
    eventId: text('event_id'),
    entityType: text('entity_type'),
    entityId: integer('entity_id'),
    insertedAt: timestamp('inserted_at', { withTimezone: true, precision: 3 }).notNull(),
    activityDate: timestamp('activity_date', { withTimezone: true, precision: 3 }),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull(),
    /** When the body retention removed the log's bodies (src/retention); null while it has them. */
    bodiesRemovedAt: timestamp('bodies_removed_at', { withTimezone: true, precision: 3 }),
    /** A test delivery sent from Manage Integrations (Send a test): left out of the stats, never retried by the sweep. */
    test: boolean('test').notNull().default(false),
  },
  (t) => [
    index('log_index_inserted_idx').on(t.insertedAt.desc(), t.id.desc()),
    index('log_index_type_inserted_idx').on(t.type, t.insertedAt.desc(), t.id.desc()),
    index('log_index_status_inserted_idx').on(t.status, t.insertedAt.desc(), t.id.desc()),
    index('log_index_type_status_inserted_idx').on(t.type, t.status, t.insertedAt.desc(), t.id.desc()),
    index('log_index_lab_inserted_idx').on(t.labId, t.insertedAt.desc(), t.id.desc()),
    index('log_index_lab_status_inserted_idx').on(t.labId, t.status, t.insertedAt.desc(), t.id.desc()),
    index('log_index_developer_inserted_idx').on(t.developerId, t.insertedAt.desc(), t.id.desc()),
    index('log_index_action_inserted_idx').on(t.actionCategoryId, t.insertedAt.desc(), t.id.desc()),
    index('log_index_activity_idx').on(t.activityDate.desc(), t.id.desc()),
    index('log_index_event_idx').on(t.eventId),
    index('log_index_entity_idx').on(t.entityType, t.entityId),
    // An endpoint's last success and its failures, however old (src/endpoints/endpoint-health.ts).
    index('log_index_endpoint_status_idx').on(t.endpoint, t.status, t.updatedAt.desc()),
    // The body retention's pages: only logs that still have bodies, oldest write first.
    index('log_index_bodies_kept_idx').on(t.updatedAt, t.id).where(sql`bodies_removed_at is null`),
  ],
);

/**
 * What a test delivery (POST /api/integrations/test-send) sends to: the unsaved draft's settings,
 * secrets merged as a save would merge them, kept here so that no secret goes into Temporal's
 * history (the delivery reads it by its log id, as a real one reads its lab_integration row).
 */
export const testDeliveries = pgTable('test_deliveries', {
  logId: text('log_id').primaryKey(),
  labId: integer('lab_id').notNull(),
  config: jsonb('config').$type<Record<string, unknown>>().notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).defaultNow().notNull(),
});

/**
 * The audit trail (src/audit): who did what, when, from which address. Append-only: the app has
 * no update or delete for it, and a trigger refuses UPDATE, DELETE and TRUNCATE (0007_audit_trail).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).defaultNow().notNull(),
    actorType: text('actor_type', { enum: ACTOR_TYPES }).notNull(),
    actorUserId: integer('actor_user_id'),
    actorName: text('actor_name').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    clientAddress: text('client_address'),
  },
  (t) => [
    index('audit_events_action_idx').on(t.action, t.id.desc()),
    index('audit_events_actor_idx').on(sql`lower(${t.actorName})`, t.id.desc()),
    index('audit_events_target_idx').on(t.targetType, t.targetId, t.id.desc()),
    index('audit_events_at_idx').on(t.at),
  ],
);

/**
 * An endpoint's flow state (src/endpoints): paused or not, by whom and why. Written only by the
 * endpoint's own workflow (workflows/endpoint-flow.ts), which owns the pause; read by every
 * event workflow's first step (is its endpoint paused?) and by the Endpoints page.
 */
export const endpointStates = pgTable('endpoint_states', {
  endpoint: text('endpoint').primaryKey(),
  pausedAt: timestamp('paused_at', { withTimezone: true, precision: 3 }),
  /** `breaker` (the failure threshold) or the operator who paused it. */
  pausedBy: text('paused_by'),
  pausedReason: text('paused_reason'),
  resumedAt: timestamp('resumed_at', { withTimezone: true, precision: 3 }),
  resumedBy: text('resumed_by'),
  resumedReason: text('resumed_reason'),
  /** While paused by the breaker: when the next probe may go. */
  nextProbeAt: timestamp('next_probe_at', { withTimezone: true, precision: 3 }),
  /** The labs whose deliveries went to it (for lab-scoped readers and per-lab alert recipients). */
  labIds: jsonb('lab_ids').$type<number[]>().notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull(),
});

export const ALERT_KINDS = ['paused', 'resumed'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * One alert per endpoint per change of state (src/endpoints/alerts.ts): `dedupeKey` is the
 * endpoint and the change's sequence number, so a repeated activity never alerts twice; each
 * channel's outcome is kept beside it.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dedupeKey: text('dedupe_key').notNull(),
    endpoint: text('endpoint').notNull(),
    kind: text('kind', { enum: ALERT_KINDS }).notNull(),
    text: text('text').notNull(),
    labIds: jsonb('lab_ids').$type<number[]>().notNull().default([]),
    /** Per channel (`webhook`, `email`): `sent`, `not configured`, or why it failed. */
    channels: jsonb('channels').$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).defaultNow().notNull(),
  },
  (t) => [uniqueIndex('alerts_dedupe_idx').on(t.dedupeKey), index('alerts_created_idx').on(t.createdAt.desc(), t.id.desc())],
);
