import { sql } from 'drizzle-orm';
import type { ConfigDb } from './config-store';
import { actionCategories, developers, labs, organisations, type Origin } from './schema';

/** Business events of SPEC §3. 60 and 61 come from crelio-app and retry on its task queue. */
export const ACTION_CATEGORIES: ReadonlyArray<{ id: number; name: string; origin: Origin }> = [
  { id: 1, name: 'Bill Generated', origin: 'livehealth' },
  { id: 2, name: 'Patient Registered', origin: 'livehealth' },
  { id: 3, name: 'Sample Collected', origin: 'livehealth' },
  { id: 4, name: 'Report Submitted', origin: 'livehealth' },
  { id: 5, name: 'Report Approved', origin: 'livehealth' },
  { id: 6, name: 'Bill Cancelled', origin: 'livehealth' },
  { id: 60, name: 'Appointment Booked', origin: 'crelio-app' },
  { id: 61, name: 'Home Collection Scheduled', origin: 'crelio-app' },
];

const DEMO_LABS = [
  { id: 1001, name: 'Sunrise Diagnostics', city: 'Pune', organisations: ['Sunrise Main Branch', 'Sunrise Clinic Partners'] },
  { id: 1002, name: 'Northgate Pathology', city: 'Leeds', organisations: ['Northgate Hospital Wing'] },
  { id: 1003, name: 'Bayview Clinical Labs', city: 'San Diego', organisations: [] },
];

const DEMO_DEVELOPERS = ['Acme EHR', 'MedBridge Billing', 'Mirth Connect Gateway', 'QuickCourier Samples'];

/** Idempotent: running it again updates names and adds nothing twice. */
export async function seedDemoConfiguration(db: ConfigDb): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(actionCategories)
      .values([...ACTION_CATEGORIES])
      .onConflictDoUpdate({
        target: actionCategories.id,
        set: { name: sql`excluded.name`, origin: sql`excluded.origin`, updatedAt: sql`now()` },
      });
    for (const lab of DEMO_LABS) {
      await tx
        .insert(labs)
        .values({ id: lab.id, name: lab.name, city: lab.city })
        .onConflictDoUpdate({ target: labs.id, set: { name: lab.name, city: lab.city } });
      for (const [index, name] of lab.organisations.entries()) {
        const id = lab.id * 10 + index + 1;
        await tx
          .insert(organisations)
          .values({ id, labId: lab.id, name })
          .onConflictDoUpdate({ target: organisations.id, set: { name } });
      }
    }
    await tx
      .insert(developers)
      .values(DEMO_DEVELOPERS.map((name) => ({ name })))
      .onConflictDoNothing({ target: developers.name });
    // Demo rows carry fixed ids; move the sequences past them so later inserts never collide.
    for (const table of ['labs', 'organisations']) {
      await tx.execute(
        sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select coalesce(max(id), 1) from ${sql.identifier(table)}))`,
      );
    }
  });
}
