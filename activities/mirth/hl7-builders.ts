import type {
  BillContext,
  EntityContext,
  LabContext,
  PatientContext,
  ReportContext,
  ReportResultContext,
} from '../context/types';

export type Hl7MessageKind = 'ORM' | 'ADT' | 'ORU_R01';

export interface Hl7MessageMeta {
  controlId: string;
  lab: LabContext;
  receivingApplication?: string;
  receivingFacility?: string;
  timestamp: Date;
}

/** The entity cannot become the requested message (wrong entity type, bad data): retrying will not help. */
export class Hl7BuildError extends Error {
  override readonly name = 'Hl7BuildError';
}

/** A field is one value, or its components in order; `undefined` leaves it empty. */
type Hl7FieldValue = string | undefined | readonly (string | undefined)[];

const SENDING_APPLICATION = 'LABWIRE';
const HL7_VERSION = '2.5';

/**
 * Escapes data so that no delimiter inside it is read as structure. The escape character
 * goes first, or the escapes added for the other delimiters would be escaped again.
 * CR and LF become hex escapes because a raw line break ends the segment (parsers such
 * as medplum's split segments on any run of CR/LF).
 */
export function escapeHl7Text(value: string): string {
  return value
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/~/g, '\\R\\')
    .replace(/&/g, '\\T\\')
    .replace(/\r/g, '\\X0D\\')
    .replace(/\n/g, '\\X0A\\');
}

export function buildHl7Message(kind: Hl7MessageKind, entity: EntityContext, meta: Hl7MessageMeta): string {
  switch (kind) {
    case 'ADT':
      return joinSegments(buildAdtA04(patientOf(entity), meta));
    case 'ORM':
      return joinSegments(buildOrmO01(requireBill(entity), meta));
    case 'ORU_R01':
      return joinSegments(buildOruR01(requireReport(entity), meta));
  }
}

function buildAdtA04(patient: PatientContext, meta: Hl7MessageMeta): string[] {
  const recordedAt = formatHl7Timestamp(meta.timestamp);
  return [
    mshSegment(['ADT', 'A04', 'ADT_A01'], meta),
    segment('EVN', ['A04', recordedAt]),
    pidSegment(patient, meta.lab),
    // Registration only: an outpatient visit with no other details satisfies the A04 structure.
    segment('PV1', ['1', 'O']),
  ];
}

function buildOrmO01(bill: BillContext, meta: Hl7MessageMeta): string[] {
  if (bill.items.length === 0) {
    throw new Hl7BuildError(`Bill ${bill.billNumber} has no items: an ORM^O01 needs at least one order`);
  }
  const orderedAt = formatHl7Timestamp(parseInstant(bill.createdAt, `bill ${bill.billNumber} createdAt`));
  const orders = bill.items.flatMap((item, index) => [
    segment('ORC', ['NW', bill.billNumber, undefined, undefined, undefined, undefined, undefined, undefined, orderedAt]),
    segment('OBR', [String(index + 1), bill.billNumber, undefined, [item.testCode, item.testName], undefined, undefined, orderedAt]),
  ]);
  return [mshSegment(['ORM', 'O01', 'ORM_O01'], meta), pidSegment(bill.patient, meta.lab), ...orders];
}

function buildOruR01(report: ReportContext, meta: Hl7MessageMeta): string[] {
  const reportedAt = formatHl7Timestamp(parseInstant(report.reportedAt, `report ${report.id} reportedAt`));
  const placerOrder = report.billId === undefined ? undefined : String(report.billId);
  // The domain has no panel code for a report as a whole, so OBR-4 names the report itself.
  const obr = segment('OBR', [
    '1', placerOrder, String(report.id), ['REPORT', 'Laboratory report'], undefined, undefined, reportedAt,
    ...emptyFields(14), reportedAt, undefined, undefined, 'F',
  ]);
  return [
    mshSegment(['ORU', 'R01', 'ORU_R01'], meta),
    pidSegment(report.patient, meta.lab),
    obr,
    ...report.results.map((result, index) => obxSegment(result, index + 1)),
  ];
}

function mshSegment(messageType: readonly string[], meta: Hl7MessageMeta): string {
  const fields: Hl7FieldValue[] = [
    SENDING_APPLICATION,
    meta.lab.name,
    meta.receivingApplication,
    meta.receivingFacility,
    formatHl7Timestamp(meta.timestamp),
    undefined,
    messageType,
    meta.controlId,
    'P',
    HL7_VERSION,
  ];
  // MSH-1 is the field separator itself and MSH-2 the encoding characters: both are written raw.
  return `MSH|^~\\&|${fields.map(encodeField).join('|')}`;
}

function pidSegment(patient: PatientContext, lab: LabContext): string {
  return segment('PID', [
    '1',
    undefined,
    [patient.mrn, undefined, undefined, lab.name, 'MR'],
    undefined,
    [patient.lastName, patient.firstName],
    undefined,
    formatHl7Date(patient.dateOfBirth),
    patient.gender,
    ...emptyFields(4),
    patient.phone,
  ]);
}

function obxSegment(result: ReportResultContext, setId: number): string {
  return segment('OBX', [
    String(setId),
    isNumeric(result.value) ? 'NM' : 'ST',
    [result.testCode, result.testName],
    undefined,
    result.value,
    result.unit,
    result.referenceRange,
    result.flag,
    undefined,
    undefined,
    'F',
  ]);
}

function patientOf(entity: EntityContext): PatientContext {
  switch (entity.type) {
    case 'patient':
      return entity.patient;
    case 'bill':
      return entity.bill.patient;
    case 'report':
      return entity.report.patient;
  }
}

function requireBill(entity: EntityContext): BillContext {
  if (entity.type !== 'bill') throw new Hl7BuildError(`An ORM message needs a bill, got a ${entity.type}`);
  return entity.bill;
}

function requireReport(entity: EntityContext): ReportContext {
  if (entity.type !== 'report') throw new Hl7BuildError(`An ORU^R01 message needs a report, got a ${entity.type}`);
  return entity.report;
}

function segment(name: string, fields: readonly Hl7FieldValue[]): string {
  return [name, ...fields.map(encodeField)].join('|').replace(/\|+$/, '');
}

function encodeField(field: Hl7FieldValue): string {
  if (field === undefined) return '';
  if (typeof field === 'string') return escapeHl7Text(field);
  return field.map((component) => escapeHl7Text(component ?? '')).join('^').replace(/\^+$/, '');
}

function emptyFields(count: number): undefined[] {
  return Array.from({ length: count }, () => undefined);
}

function joinSegments(segments: readonly string[]): string {
  return segments.join('\r');
}

/** HL7 TS in UTC, to the second: YYYYMMDDHHMMSS. */
export function formatHl7Timestamp(instant: Date): string {
  return instant.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function formatHl7Date(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!match) throw new Hl7BuildError(`Date of birth "${isoDate}" is not YYYY-MM-DD`);
  return `${match[1]}${match[2]}${match[3]}`;
}

function parseInstant(iso: string, what: string): Date {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) throw new Hl7BuildError(`${what} "${iso}" is not an ISO 8601 instant`);
  return instant;
}

function isNumeric(value: string): boolean {
  return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(value.trim());
}
