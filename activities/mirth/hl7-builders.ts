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

/** The delimiters, every C0 control character (MLLP's 0x0B and 0x1C, CR, LF among them), DEL and the C1 controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /[\\|^~&\x00-\x1f\x7f-\x9f]/g;

/** Each character NEEDS_ESCAPE matches, with its escape: worked out once, so escaping a large value stays a table lookup per match. */
const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\E\\'], ['|', '\\F\\'], ['^', '\\S\\'], ['~', '\\R\\'], ['&', '\\T\\'],
  ...[...codes(0x00, 0x1f), ...codes(0x7f, 0x9f)].map((code): [string, string] => {
    const char = String.fromCharCode(code);
    return [char, `\\X${Buffer.from(char, 'utf8').toString('hex').toUpperCase()}\\`];
  }),
]);

/**
 * The one function every field value goes through (the builders never write data any other
 * way), so that nothing inside data is read as structure:
 * - delimiters become \F\ \S\ \R\ \E\ \T\; one pass, so an added escape is never escaped again;
 * - control characters become HL7 hex escapes of their UTF-8 bytes (\X0B\, \X1C\, \X0D\ ...).
 *   A raw 0x0B or 0x1C would end or restart the MLLP frame at the receiver (the ORU arrives
 *   cut before its OBX results and is still acknowledged), and a raw CR or LF would end the
 *   segment. They are escaped rather than refused: a stray control character copied into a
 *   patient's name must not strand that patient's results, and \Xhh\ is HL7 v2's own way to
 *   carry such bytes, so the value reaches the receiver whole and reversible.
 */
export function escapeHl7Text(value: string): string {
  return value.replace(NEEDS_ESCAPE, (char) => ESCAPES.get(char)!);
}

function codes(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, index) => first + index);
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
    throw new Hl7BuildError(`Bill ${bill.id} has no items: an ORM^O01 needs at least one order`);
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
  // The value itself is patient data: the error (kept on the log) names the field, not what it held.
  if (!match) throw new Hl7BuildError(`The patient's date of birth is not YYYY-MM-DD (${isoDate.length} characters)`);
  return `${match[1]}${match[2]}${match[3]}`;
}

function parseInstant(iso: string, what: string): Date {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) throw new Hl7BuildError(`${what} is not an ISO 8601 instant (${iso.length} characters)`);
  return instant;
}

/**
 * Linear in the value's length: the digits after a point can only follow a literal '.', so
 * there is one way to match. (`\d+\.?\d*` had O(n) ways to split a run of digits and took
 * seconds on a 50,000-digit value ending in a letter.)
 */
function isNumeric(value: string): boolean {
  return /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(value.trim());
}
