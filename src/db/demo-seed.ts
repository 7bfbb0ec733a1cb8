import { sql } from 'drizzle-orm';
import type { ConfigDb } from './config-store';
import { actionCategories, billItems, bills, developers, labs, organisations, patients, reportResults, reports, type Origin } from './schema';

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

/** The lab of the demo patient, bill and report, and of the demo partner's integrations. */
export const DEMO_LAB_ID = 1001;

/** Id of the demo patient, bill and report of lab 1001 (Sunrise Diagnostics). */
export const DEMO_ENTITY_ID = 900_001;

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
    // One patient with a bill and a report in the first demo lab, so an emitted event has live data to send.
    await tx
      .insert(patients)
      .values({ id: DEMO_ENTITY_ID, labId: DEMO_LAB_ID, mrn: 'SUN-000001', firstName: 'Asha', lastName: 'Rao', dateOfBirth: '1985-04-12', gender: 'F', phone: '+91-20-5550100' })
      .onConflictDoNothing();
    await tx.insert(bills).values({ id: DEMO_ENTITY_ID, labId: DEMO_LAB_ID, patientId: DEMO_ENTITY_ID, billNumber: 'SUN-B-0001' }).onConflictDoNothing();
    await tx
      .insert(billItems)
      .values([
        { id: DEMO_ENTITY_ID, billId: DEMO_ENTITY_ID, testCode: 'CBC', testName: 'Complete Blood Count', price: 350 },
        { id: DEMO_ENTITY_ID + 1, billId: DEMO_ENTITY_ID, testCode: 'TSH', testName: 'Thyroid Stimulating Hormone', price: 420 },
      ])
      .onConflictDoNothing();
    await tx.insert(reports).values({ id: DEMO_ENTITY_ID, labId: DEMO_LAB_ID, patientId: DEMO_ENTITY_ID, billId: DEMO_ENTITY_ID }).onConflictDoNothing();
    await tx
      .insert(reportResults)
      .values([
        { id: DEMO_ENTITY_ID, reportId: DEMO_ENTITY_ID, testCode: 'HGB', testName: 'Haemoglobin', value: '13.2', unit: 'g/dL', referenceRange: '12.0-15.5' },
        { id: DEMO_ENTITY_ID + 1, reportId: DEMO_ENTITY_ID, testCode: 'TSH', testName: 'TSH', value: '6.1', unit: 'mIU/L', referenceRange: '0.4-4.0', flag: 'H' },
      ])
      .onConflictDoNothing();
    // Demo rows carry fixed ids; move the sequences past them so later inserts never collide.
    for (const table of ['labs', 'organisations', 'patients', 'bills', 'bill_items', 'reports', 'report_results']) {
      await tx.execute(
        sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select coalesce(max(id), 1) from ${sql.identifier(table)}))`,
      );
    }
  });
}
