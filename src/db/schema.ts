import { index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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
