import { and, asc, eq, sql } from 'drizzle-orm';
import type { PatientContext } from '../../activities/context/types';
import type { ConfigDb } from '../db/config-store';
import { preparedPerDb } from '../db/prepared';
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

/**
 * The reads of a delivery's context, prepared once per handle (src/db/prepared.ts); a bill or a
 * report comes with its items or results and its patient in one statement (relations in schema.ts).
 */
const byIdInLab = { id: sql.placeholder('id'), labId: sql.placeholder('labId') };
const queries = {
  lab: preparedPerDb((db) => db.select({ id: labs.id, name: labs.name }).from(labs).where(eq(labs.id, byIdInLab.labId)).prepare('context_lab')),
  patient: preparedPerDb((db) => db.select().from(patients).where(and(eq(patients.id, byIdInLab.id), eq(patients.labId, byIdInLab.labId))).prepare('context_patient')),
  bill: preparedPerDb((db) =>
    db.query.bills
      .findFirst({
        where: and(eq(bills.id, byIdInLab.id), eq(bills.labId, byIdInLab.labId)),
        with: { patient: true, items: { orderBy: asc(billItems.id) } },
      })
      .prepare('context_bill'),
  ),
  report: preparedPerDb((db) =>
    db.query.reports
      .findFirst({
        where: and(eq(reports.id, byIdInLab.id), eq(reports.labId, byIdInLab.labId)),
        with: { patient: true, results: { orderBy: asc(reportResults.id) } },
      })
      .prepare('context_report'),
  ),
};

/** The patient a bill or report names, which must be of the same lab. */
function patientOf(labId: number, patientId: number, row: PatientRow | undefined): PatientContext {
  if (!row || row.labId !== labId) throw new NotFoundError('entity.id', `patient ${patientId} does not exist in lab ${labId}`);
  return toPatient(row);
}

/** The ContextProvider for the sample lab domain stored in PostgreSQL beside the configuration. */
export function postgresContextProvider(db: ConfigDb): ContextProvider {
  async function patient(labId: number, id: number): Promise<PatientContext> {
    const [row] = await queries.patient(db).execute({ id, labId });
    return patientOf(labId, id, row);
  }

  return {
    async loadLab(labId) {
      const [lab] = await queries.lab(db).execute({ labId });
      if (!lab) throw new NotFoundError('labId', `lab ${labId} does not exist`);
      return lab;
    },

    async loadEntity(labId: number, entity: EntityRef) {
      switch (entity.type) {
        case 'patient':
          return { type: 'patient', patient: await patient(labId, entity.id) };
        case 'bill': {
          const bill = await queries.bill(db).execute({ id: entity.id, labId });
          if (!bill) throw new NotFoundError('entity.id', `bill ${entity.id} does not exist in lab ${labId}`);
          const { items } = bill;
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
              patient: patientOf(labId, bill.patientId, bill.patient),
              items: items.map((item) => ({ testCode: item.testCode, testName: item.testName, price: item.price })),
            },
          };
        }
        case 'report': {
          const report = await queries.report(db).execute({ id: entity.id, labId });
          if (!report) throw new NotFoundError('entity.id', `report ${entity.id} does not exist in lab ${labId}`);
          const { results } = report;
          return {
            type: 'report',
            report: {
              id: report.id,
              labId: report.labId,
              ...(report.orgId === null ? {} : { orgId: report.orgId }),
              billId: report.billId ?? undefined,
              status: report.status,
              reportedAt: report.reportedAt.toISOString(),
              patient: patientOf(labId, report.patientId, report.patient),
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
