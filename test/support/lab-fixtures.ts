import type { ConfigDb } from '../../src/db/config-store';
import { billItems, bills, developers, labs, patients, reportResults, reports } from '../../src/db/schema';
import { uniqueId } from './fixtures';

export interface LabFixture {
  labId: number;
  developerId: number;
  patientId: number;
  billId: number;
  reportId: number;
}

/** A lab of its own per test, with a patient, a bill with two items and a report with two results. */
export async function createLabFixture(db: ConfigDb, patientName = { first: 'Asha', last: 'Rao' }): Promise<LabFixture> {
  const [lab] = await db.insert(labs).values({ name: uniqueId('Lab'), city: 'Testville' }).returning();
  const [developer] = await db.insert(developers).values({ name: uniqueId('Partner') }).returning();
  const [patient] = await db
    .insert(patients)
    .values({ labId: lab!.id, mrn: uniqueId('MRN'), firstName: patientName.first, lastName: patientName.last, dateOfBirth: '1985-04-12', gender: 'F', phone: '+91-20-5550100' })
    .returning();
  const [bill] = await db.insert(bills).values({ labId: lab!.id, patientId: patient!.id, billNumber: uniqueId('B') }).returning();
  await db.insert(billItems).values([
    { billId: bill!.id, testCode: 'CBC', testName: 'Complete Blood Count', price: 350 },
    { billId: bill!.id, testCode: 'LFT', testName: 'Liver Function Test', price: 800.5 },
  ]);
  const [report] = await db.insert(reports).values({ labId: lab!.id, patientId: patient!.id, billId: bill!.id }).returning();
  await db.insert(reportResults).values([
    { reportId: report!.id, testCode: 'HGB', testName: 'Haemoglobin', value: '13.2', unit: 'g/dL', referenceRange: '12.0-15.5' },
    { reportId: report!.id, testCode: 'WBC', testName: 'White cells', value: '11.8', unit: '10^9/L', referenceRange: '4.0-11.0', flag: 'H' },
  ]);
  return { labId: lab!.id, developerId: developer!.id, patientId: patient!.id, billId: bill!.id, reportId: report!.id };
}
