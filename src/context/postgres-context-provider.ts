import { and, asc, eq } from 'drizzle-orm';
import type { PatientContext } from '../../activities/context/types';
import type { ConfigDb } from '../db/config-store';
import { billItems, bills, labs, patients, reportResults, reports } from '../db/schema';
import { NotFoundError } from '../errors';
import type { ContextProvider, EntityRef } from './context-provider';

type PatientRow = typeof patients.$inferSelect;

function toPatient(row: PatientRow): PatientContext {
  return {
    id: row.id,
    labId: row.labId,
    mrn: row.mrn,
    firstName: row.firstName,
    lastName: row.lastName,
    dateOfBirth: row.dateOfBirth,
    gender: row.gender,
    phone: row.phone ?? undefined,
  };
}

/** The ContextProvider for the sample lab domain stored in PostgreSQL beside the configuration. */
export function postgresContextProvider(db: ConfigDb): ContextProvider {
  async function patient(labId: number, id: number): Promise<PatientContext> {
    const [row] = await db.select().from(patients).where(and(eq(patients.id, id), eq(patients.labId, labId)));
    if (!row) throw new NotFoundError('entity.id', `patient ${id} does not exist in lab ${labId}`);
    return toPatient(row);
  }

  return {
    async loadLab(labId) {
      const [lab] = await db.select({ id: labs.id, name: labs.name }).from(labs).where(eq(labs.id, labId));
      if (!lab) throw new NotFoundError('labId', `lab ${labId} does not exist`);
      return lab;
    },

    async loadEntity(labId: number, entity: EntityRef) {
      switch (entity.type) {
        case 'patient':
          return { type: 'patient', patient: await patient(labId, entity.id) };
        case 'bill': {
          const [bill] = await db.select().from(bills).where(and(eq(bills.id, entity.id), eq(bills.labId, labId)));
          if (!bill) throw new NotFoundError('entity.id', `bill ${entity.id} does not exist in lab ${labId}`);
          const items = await db.select().from(billItems).where(eq(billItems.billId, bill.id)).orderBy(asc(billItems.id));
          return {
            type: 'bill',
            bill: {
              id: bill.id,
              labId: bill.labId,
              ...(bill.orgId === null ? {} : { orgId: bill.orgId }),
              billNumber: bill.billNumber,
              status: bill.status,
              totalAmount: Math.round(items.reduce((sum, item) => sum + item.price, 0) * 100) / 100,
              createdAt: bill.createdAt.toISOString(),
              patient: await patient(labId, bill.patientId),
              items: items.map((item) => ({ testCode: item.testCode, testName: item.testName, price: item.price })),
            },
          };
        }
        case 'report': {
          const [report] = await db.select().from(reports).where(and(eq(reports.id, entity.id), eq(reports.labId, labId)));
          if (!report) throw new NotFoundError('entity.id', `report ${entity.id} does not exist in lab ${labId}`);
          const results = await db.select().from(reportResults).where(eq(reportResults.reportId, report.id)).orderBy(asc(reportResults.id));
          return {
            type: 'report',
            report: {
              id: report.id,
              labId: report.labId,
              ...(report.orgId === null ? {} : { orgId: report.orgId }),
              billId: report.billId ?? undefined,
              status: report.status,
              reportedAt: report.reportedAt.toISOString(),
              patient: await patient(labId, report.patientId),
              results: results.map((r) => ({
                testCode: r.testCode,
                testName: r.testName,
                value: r.value,
                unit: r.unit ?? undefined,
                referenceRange: r.referenceRange ?? undefined,
                flag: r.flag ?? undefined,
              })),
            },
          };
        }
      }
    },
  };
}
