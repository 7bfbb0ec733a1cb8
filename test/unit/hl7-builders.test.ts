import { Hl7Message, type Hl7Segment } from '@medplum/core';
import { interpretAck, unescapeHl7Text } from '../../activities/mirth/ack';
import { buildHl7Message, escapeHl7Text, Hl7BuildError, type Hl7MessageMeta } from '../../activities/mirth/hl7-builders';
import type { BillContext, EntityContext, PatientContext, ReportContext } from '../../activities/context/types';
import { uniqueId } from '../support/fixtures';

const HOSTILE_TEXT = "O'Brien | Smith ^ Jr ~ \\ &";

function aPatient(overrides: Partial<PatientContext> = {}): PatientContext {
  return {
    id: 7,
    labId: 3,
    mrn: uniqueId('MRN'),
    firstName: 'Asha',
    lastName: 'Verma',
    dateOfBirth: '1984-02-29',
    gender: 'F',
    phone: '+91-98200-00000',
    ...overrides,
  };
}

function aBill(patient = aPatient()): BillContext {
  return {
    id: 11,
    labId: 3,
    billNumber: uniqueId('BILL'),
    status: 'generated',
    totalAmount: 950,
    createdAt: '2024-06-01T08:30:15Z',
    patient,
    items: [
      { testCode: 'CBC', testName: 'Complete Blood Count', price: 400 },
      { testCode: 'LIPID', testName: 'Lipid Profile', price: 550 },
    ],
  };
}

function aReport(patient = aPatient()): ReportContext {
  return {
    id: 21,
    labId: 3,
    billId: 11,
    status: 'submitted',
    reportedAt: '2024-06-02T10:00:00Z',
    patient,
    results: [
      { testCode: 'HGB', testName: 'Haemoglobin', value: '13.5', unit: 'g/dL', referenceRange: '12-16', flag: undefined },
      { testCode: 'GLU', testName: 'Glucose', value: '180', unit: 'mg/dL', referenceRange: '70-110', flag: 'H' },
      { testCode: 'NOTE', testName: 'Remark', value: 'Sample slightly haemolysed' },
    ],
  };
}

function aMeta(overrides: Partial<Hl7MessageMeta> = {}): Hl7MessageMeta {
  return {
    controlId: uniqueId('CTRL'),
    lab: { id: 3, name: 'Sunrise Diagnostics' },
    receivingApplication: 'MIRTH',
    receivingFacility: 'HIS',
    timestamp: new Date('2024-06-03T04:05:06.789Z'),
    ...overrides,
  };
}

function segmentOf(message: Hl7Message, name: string): Hl7Segment {
  const found = message.getSegment(name);
  if (!found) throw new Error(`no ${name} segment in ${message.toString()}`);
  return found;
}

/** Reads a component back as a receiving system would: split by medplum, then unescaped. */
function read(segment: Hl7Segment, field: number, component = 1): string {
  return unescapeHl7Text(segment.getComponent(field, component));
}

describe('HL7 message header', () => {
  it('given meta for a lab, when any message is built, then MSH names LABWIRE, the lab, the UTC timestamp, the control id and v2.5', () => {
    const meta = aMeta();
    const message = Hl7Message.parse(buildHl7Message('ADT', { type: 'patient', patient: aPatient() }, meta));
    const msh = segmentOf(message, 'MSH');

    expect(msh.getField(1).toString()).toBe('|');
    expect(msh.getField(2).toString()).toBe('^~\\&');
    expect(read(msh, 3)).toBe('LABWIRE');
    expect(read(msh, 4)).toBe('Sunrise Diagnostics');
    expect(read(msh, 5)).toBe('MIRTH');
    expect(read(msh, 6)).toBe('HIS');
    expect(read(msh, 7)).toBe('20240603040506');
    expect(read(msh, 10)).toBe(meta.controlId);
    expect(read(msh, 11)).toBe('P');
    expect(read(msh, 12)).toBe('2.5');
  });

  it('given a message, when built, then its segments are separated by CR only', () => {
    const text = buildHl7Message('ORM', { type: 'bill', bill: aBill() }, aMeta());
    expect(text).not.toMatch(/\n/);
    expect(text.split('\r').map((s) => s.slice(0, 3))).toEqual(['MSH', 'PID', 'ORC', 'OBR', 'ORC', 'OBR']);
  });
});

describe('ADT^A04 (register patient)', () => {
  it('given a patient, when built, then MSH-9, EVN, PID and PV1 carry the registration field for field', () => {
    const patient = aPatient();
    const message = Hl7Message.parse(buildHl7Message('ADT', { type: 'patient', patient }, aMeta()));

    expect(message.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
    const msh = segmentOf(message, 'MSH');
    expect([read(msh, 9, 1), read(msh, 9, 2), read(msh, 9, 3)]).toEqual(['ADT', 'A04', 'ADT_A01']);
    expect(read(segmentOf(message, 'EVN'), 1)).toBe('A04');
    const pid = segmentOf(message, 'PID');
    expect(read(pid, 3)).toBe(patient.mrn);
    expect(read(pid, 3, 5)).toBe('MR');
    expect(read(pid, 5, 1)).toBe('Verma');
    expect(read(pid, 5, 2)).toBe('Asha');
    expect(read(pid, 7)).toBe('19840229');
    expect(read(pid, 8)).toBe('F');
    expect(read(pid, 13)).toBe('+91-98200-00000');
    expect(read(segmentOf(message, 'PV1'), 2)).toBe('O');
  });

  it('given a bill or a report, when an ADT is built, then it registers that entity’s patient', () => {
    const patient = aPatient();
    for (const entity of [{ type: 'bill', bill: aBill(patient) }, { type: 'report', report: aReport(patient) }] as const) {
      const pid = segmentOf(Hl7Message.parse(buildHl7Message('ADT', entity, aMeta())), 'PID');
      expect(read(pid, 3)).toBe(patient.mrn);
    }
  });
});

describe('ORM^O01 (new order from a bill)', () => {
  it('given a bill with two items, when built, then each item is an ORC NW + OBR with the bill number and test', () => {
    const bill = aBill();
    const message = Hl7Message.parse(buildHl7Message('ORM', { type: 'bill', bill }, aMeta()));

    const msh = segmentOf(message, 'MSH');
    expect([read(msh, 9, 1), read(msh, 9, 2)]).toEqual(['ORM', 'O01']);
    expect(read(segmentOf(message, 'PID'), 3)).toBe(bill.patient.mrn);
    const orcs = message.getAllSegments('ORC');
    const obrs = message.getAllSegments('OBR');
    expect(orcs.map((orc) => [read(orc, 1), read(orc, 2), read(orc, 9)])).toEqual([
      ['NW', bill.billNumber, '20240601083015'],
      ['NW', bill.billNumber, '20240601083015'],
    ]);
    expect(obrs.map((obr) => [read(obr, 1), read(obr, 2), read(obr, 4, 1), read(obr, 4, 2)])).toEqual([
      ['1', bill.billNumber, 'CBC', 'Complete Blood Count'],
      ['2', bill.billNumber, 'LIPID', 'Lipid Profile'],
    ]);
  });

  it('given a bill without items, when built, then it is refused as a permanent Hl7BuildError', () => {
    const bill = { ...aBill(), items: [] };
    expect(() => buildHl7Message('ORM', { type: 'bill', bill }, aMeta())).toThrow(Hl7BuildError);
  });
});

describe('ORU^R01 (results from a report)', () => {
  it('given a report, when built, then OBR and one OBX per result carry type, code, value, unit, range, flag and status', () => {
    const report = aReport();
    const message = Hl7Message.parse(buildHl7Message('ORU_R01', { type: 'report', report }, aMeta()));

    expect(message.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'OBR', 'OBX', 'OBX', 'OBX']);
    const msh = segmentOf(message, 'MSH');
    expect([read(msh, 9, 1), read(msh, 9, 2), read(msh, 9, 3)]).toEqual(['ORU', 'R01', 'ORU_R01']);
    const obr = segmentOf(message, 'OBR');
    expect([read(obr, 2), read(obr, 3), read(obr, 7), read(obr, 22), read(obr, 25)]).toEqual([
      '11', '21', '20240602100000', '20240602100000', 'F',
    ]);
    const obxs = message.getAllSegments('OBX').map((obx) =>
      [1, 2, 3, 5, 6, 7, 8, 11].map((field) => read(obx, field)).concat(read(obx, 3, 2)),
    );
    expect(obxs).toEqual([
      ['1', 'NM', 'HGB', '13.5', 'g/dL', '12-16', '', 'F', 'Haemoglobin'],
      ['2', 'NM', 'GLU', '180', 'mg/dL', '70-110', 'H', 'F', 'Glucose'],
      ['3', 'ST', 'NOTE', 'Sample slightly haemolysed', '', '', '', 'F', 'Remark'],
    ]);
  });
});

describe('HL7 escaping', () => {
  it('given data with every delimiter, when escaped, then the escape character is escaped first', () => {
    expect(escapeHl7Text('a|b^c~d\\e&f')).toBe('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f');
    expect(escapeHl7Text('line1\r\nline2')).toBe('line1\\X0D\\\\X0A\\line2');
  });

  it('given escaped text, when unescaped, then each delimiter and hex escape comes back', () => {
    expect(unescapeHl7Text('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f')).toBe('a|b^c~d\\e&f');
    expect(unescapeHl7Text('\\E\\\\F\\')).toBe('\\|');
    expect(unescapeHl7Text('x\\X0D0A\\y')).toBe('x\r\ny');
    expect(unescapeHl7Text('keeps \\.br\\ as is')).toBe('keeps \\.br\\ as is');
  });

  it('given a patient name and a result value with | ^ ~ \\ &, when built and parsed, then they read back unchanged and the structure holds', () => {
    const patient = aPatient({ lastName: HOSTILE_TEXT, firstName: `Ann ${HOSTILE_TEXT}`, mrn: `M|${uniqueId('R')}^&` });
    const report = aReport(patient);
    report.results = [{ testCode: 'C^1', testName: 'Comment & note', value: `${HOSTILE_TEXT}\nsecond line`, unit: 'x|y' }];
    const message = Hl7Message.parse(buildHl7Message('ORU_R01', { type: 'report', report }, aMeta({ lab: { id: 3, name: 'Lab ~ & Co' } })));

    expect(message.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'OBR', 'OBX']);
    const pid = segmentOf(message, 'PID');
    expect(read(pid, 5, 1)).toBe(HOSTILE_TEXT);
    expect(read(pid, 5, 2)).toBe(`Ann ${HOSTILE_TEXT}`);
    expect(read(pid, 7)).toBe('19840229');
    expect(read(pid, 3)).toBe(patient.mrn);
    expect(read(segmentOf(message, 'MSH'), 4)).toBe('Lab ~ & Co');
    const obx = segmentOf(message, 'OBX');
    expect([read(obx, 2), read(obx, 3, 1), read(obx, 3, 2), read(obx, 5), read(obx, 6), read(obx, 11)]).toEqual([
      'ST', 'C^1', 'Comment & note', `${HOSTILE_TEXT}\nsecond line`, 'x|y', 'F',
    ]);
  });
});

describe('HL7 escaping of control characters (MLLP framing bytes, line breaks)', () => {
  /** Lab data as it arrives from an instrument or a copy-paste: every framing and line-break byte. */
  const CONTROL_TEXT = 'Iyer\x0b VT \x1c FS \r CR \n LF \x00 NUL \t TAB \x7f DEL \u0085 NEL';

  it('given control characters, when escaped, then each becomes the hex escape of its UTF-8 bytes and no control character is left', () => {
    expect(escapeHl7Text('a\x0bb\x1cc\rd\ne')).toBe('a\\X0B\\b\\X1C\\c\\X0D\\d\\X0A\\e');
    expect(escapeHl7Text('\x00\x1f\x7f\u0085')).toBe('\\X00\\\\X1F\\\\X7F\\\\XC285\\');
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(escapeHl7Text(CONTROL_TEXT)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(unescapeHl7Text(escapeHl7Text(CONTROL_TEXT))).toBe(CONTROL_TEXT);
  });

  it('given a patient and a result with 0x0B, 0x1C, CR and LF, when an ORU^R01 is built, then only segment-ending CRs are raw and every value reads back', () => {
    const patient = aPatient({ lastName: CONTROL_TEXT, firstName: `Ann\x1c\r${HOSTILE_TEXT}`, mrn: `M\x0b${uniqueId('R')}`, phone: '\x1c\r\x0b' });
    const report = aReport(patient);
    report.results = [{ ...report.results[0]!, value: `13.5\x1c\r`, unit: 'g/dL\x0b' }, report.results[1]!];

    const text = buildHl7Message('ORU_R01', { type: 'report', report }, aMeta({ lab: { id: 3, name: 'Lab\x0b\x1c' } }));

    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(text.replace(/\r(?=(MSH|PID|OBR|OBX)\|)/g, '')).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    const message = Hl7Message.parse(text);
    expect(message.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'OBR', 'OBX', 'OBX']);
    const pid = segmentOf(message, 'PID');
    expect([read(pid, 3), read(pid, 5, 1), read(pid, 5, 2), read(pid, 13)]).toEqual([patient.mrn, CONTROL_TEXT, `Ann\x1c\r${HOSTILE_TEXT}`, '\x1c\r\x0b']);
    expect(read(segmentOf(message, 'MSH'), 4)).toBe('Lab\x0b\x1c');
    const obxs = message.getAllSegments('OBX').map((obx) => [read(obx, 2), read(obx, 3), read(obx, 5), read(obx, 6)]);
    expect(obxs).toEqual([
      ['ST', 'HGB', '13.5\x1c\r', 'g/dL\x0b'],
      ['NM', 'GLU', '180', 'mg/dL'],
    ]);
  });
});

describe('HL7 building takes linear time in the size of the data', () => {
  function buildTimed(value: string): { ms: number; valueType: string } {
    const report = { ...aReport(), results: [{ testCode: 'BIG', testName: 'Big value', value }] };
    const started = performance.now();
    const text = buildHl7Message('ORU_R01', { type: 'report', report }, aMeta());
    const ms = performance.now() - started;
    const obx = text.split('\r').find((segment) => segment.startsWith('OBX|'))!;
    return { ms, valueType: obx.split('|')[2]! };
  }

  // A run of digits that is not a number took the old numeric check quadratic time: about 6 s for 50,000 digits.
  it.each([
    ['50,000 digits then a letter', `${'1'.repeat(50_000)}x`, 'ST'],
    ['50,000 digits', '1'.repeat(50_000), 'NM'],
    ['1,000,000 characters of digit runs each ending in a letter', `${'1'.repeat(49_999)}x`.repeat(20), 'ST'],
    ['1,000,000 digits with a point', `${'7'.repeat(500_000)}.${'3'.repeat(499_999)}`, 'NM'],
    ['1,000,000 characters of text', 'Sample slightly haemolysed; repeat advised. '.repeat(22_728).slice(0, 1_000_000), 'ST'],
  ])('given a result value of %s, when the ORU is built, then it takes well under a second (linear; the quadratic check took seconds)', (_what, value, valueType) => {
    const built = buildTimed(value);
    expect(built.valueType).toBe(valueType);
    // A loose bound on purpose: CI shares 2 cores with servers; quadratic time is orders of magnitude above it.
    expect(built.ms).toBeLessThan(1_000);
  });

  it('given values where every character must be escaped, when ten times more is built, then it takes about ten times as long, not a hundred', () => {
    const hostile = (length: number): string => '|^~\\&\x0b\x1c\r\n '.repeat(length / 10);
    // Best of three, so a busy machine's pause does not pass for the builder's cost.
    const fastest = (value: string): number => Math.min(...[1, 2, 3].map(() => buildTimed(value).ms));
    const small = fastest(hostile(100_000));
    const large = fastest(hostile(1_000_000));
    expect(large / Math.max(small, 1)).toBeLessThan(30);
  });
});

describe('building from the wrong entity', () => {
  const cases: [kind: 'ORM' | 'ORU_R01', given: string, entity: EntityContext, expected: RegExp][] = [
    ['ORM', 'patient', { type: 'patient', patient: aPatient() }, /ORM message needs a bill, got a patient/],
    ['ORM', 'report', { type: 'report', report: aReport() }, /ORM message needs a bill, got a report/],
    ['ORU_R01', 'bill', { type: 'bill', bill: aBill() }, /ORU\^R01 message needs a report, got a bill/],
    ['ORU_R01', 'patient', { type: 'patient', patient: aPatient() }, /ORU\^R01 message needs a report, got a patient/],
  ];

  it.each(cases)('given %s is requested from a %s, when built, then Hl7BuildError names both', (kind, _given, entity, expected) => {
    const build = (): string => buildHl7Message(kind, entity, aMeta());
    expect(build).toThrow(Hl7BuildError);
    expect(build).toThrow(expected);
  });

  it('given a malformed date of birth, when built, then Hl7BuildError says which date', () => {
    const entity: EntityContext = { type: 'patient', patient: aPatient({ dateOfBirth: '29/02/1984' }) };
    expect(() => buildHl7Message('ADT', entity, aMeta())).toThrow(new Hl7BuildError("The patient's date of birth is not YYYY-MM-DD (10 characters)"));
  });
});

describe('interpreting an ACK', () => {
  const ack = (msa: string, ...more: string[]): string =>
    ['MSH|^~\\&|MIRTH|HIS|LABWIRE|LAB|20240603040506||ACK^O01^ACK|A1|P|2.5', msa, ...more].join('\r');

  it.each(['AA', 'CA', 'aa'])('given MSA-1 %s for the sent control id, then it is ok', (code) => {
    const controlId = uniqueId('CTRL');
    expect(interpretAck(ack(`MSA|${code}|${controlId}|Accepted`), controlId)).toEqual({ ok: true, code: code.toUpperCase(), text: 'Accepted' });
  });

  it.each(['AE', 'AR', 'CE', 'CR'])('given MSA-1 %s, then it is not ok and the error is the ACK text', (code) => {
    const controlId = uniqueId('CTRL');
    const result = interpretAck(ack(`MSA|${code}|${controlId}|Unknown test code \\F\\ CBC`), controlId);
    expect(result).toEqual({ ok: false, code, text: 'Unknown test code | CBC', error: 'Unknown test code | CBC' });
  });

  it('given an AE with ERR segments (v2.5 and v2.3 styles), then their texts join MSA-3 in the error', () => {
    const controlId = uniqueId('CTRL');
    const raw = ack(`MSA|AE|${controlId}|Rejected`, 'ERR||PID^1^3|101^Required field missing^HL70357|E||||MRN is required', 'ERR|PID^1^5^102&Data type error');
    expect(interpretAck(raw, controlId)).toMatchObject({
      ok: false,
      code: 'AE',
      error: 'Rejected; MRN is required; Required field missing; Data type error',
    });
  });

  it('given an AE with no text at all, then the error still names the code', () => {
    const controlId = uniqueId('CTRL');
    expect(interpretAck(ack(`MSA|AR|${controlId}`), controlId)).toEqual({ ok: false, code: 'AR', error: 'Negative ACK AR without a reason' });
  });

  it('given a positive ACK for another control id, then it is not ok (a late ACK never confirms this message)', () => {
    const controlId = uniqueId('CTRL');
    const other = uniqueId('CTRL');
    expect(interpretAck(ack(`MSA|AA|${other}`), controlId)).toMatchObject({
      ok: false,
      code: 'AA',
      error: `ACK control id ${other} does not match sent message control id ${controlId}`,
    });
  });

  it.each([
    ['not HL7', 'Unparseable ACK: Invalid HL7 message'],
    ['', 'Unparseable ACK: Invalid HL7 message'],
    ['MSH|^~\\&|MIRTH|HIS|||20240603||ACK|A1|P|2.5', 'Unparseable ACK: it has no MSA segment'],
    ['MSH|^~\\&|MIRTH|HIS|||20240603||ACK|A1|P|2.5\rMSA|ZZ|C1', 'Unparseable ACK: unknown acknowledgment code "ZZ" in MSA-1'],
  ])('given %j, then it is not ok and the error says it is unparseable', (raw, error) => {
    expect(interpretAck(raw, 'C1')).toMatchObject({ ok: false, error });
  });
});
