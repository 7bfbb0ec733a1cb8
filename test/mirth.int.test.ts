import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Hl7Message } from '@medplum/core';
import { unescapeHl7Text } from '../activities/mirth/ack';
import { buildHl7Message, type Hl7MessageKind } from '../activities/mirth/hl7-builders';
import { createMirthActivities, type MirthSendInput } from '../activities/mirth/send-to-mirth';
import { MirthPeer } from './support/mirth-peer';
import type { EntityContext, PatientContext } from '../activities/context/types';
import { eventually, uniqueId } from './support/fixtures';

const HOSTILE_TEXT = "O'Brien | Smith ^ Jr ~ \\ &";
/** MLLP's start-block (0x0B) and end-block (0x1C) bytes and both line breaks, as lab data can carry them. */
const FRAMING_TEXT = 'Iyer \x0b VT \x1c FS \r CR \n LF';
const ACK_TIMEOUT_MS = 300;

function aPatient(overrides: Partial<PatientContext> = {}): PatientContext {
  return { id: 1, labId: 9, mrn: uniqueId('MRN'), firstName: 'Ravi', lastName: 'Iyer', dateOfBirth: '1990-12-31', gender: 'M', ...overrides };
}

function aBillEntity(patient = aPatient()): EntityContext {
  const bill = {
    id: 5, labId: 9, billNumber: uniqueId('BILL'), status: 'generated', totalAmount: 300, createdAt: '2024-06-01T08:00:00Z', patient,
    items: [{ testCode: 'TSH', testName: 'Thyroid Stimulating Hormone', price: 300 }],
  };
  return { type: 'bill', bill };
}

function aReportEntity(value: string, patient = aPatient()): EntityContext {
  const report = {
    id: 6, labId: 9, status: 'submitted', reportedAt: '2024-06-02T09:00:00Z', patient,
    results: [{ testCode: 'TSH', testName: 'Thyroid Stimulating Hormone', value, unit: 'mIU/L', referenceRange: '0.4-4.0' }],
  };
  return { type: 'report', report };
}

const { sendToMirth } = createMirthActivities({ allowedNetworks: ['127.0.0.0/8'] });

describe('sending HL7 to Mirth over MLLP', () => {
  const peer = new MirthPeer();
  let port: number;

  beforeAll(async () => {
    port = await peer.start();
  });
  afterAll(() => peer.stop());
  beforeEach(() => {
    peer.reply = { kind: 'AA' };
  });

  function anAttempt(kind: Hl7MessageKind, entity: EntityContext, overrides: Partial<MirthSendInput> = {}): MirthSendInput {
    const controlId = uniqueId('CTRL');
    const message = buildHl7Message(kind, entity, { controlId, lab: { id: 9, name: 'City Lab' }, timestamp: new Date() });
    return { logId: uniqueId('log'), host: '127.0.0.1', port, message, controlId, timeoutMs: ACK_TIMEOUT_MS, origin: 'livehealth', ...overrides };
  }

  function receivedWith(controlId: string): Hl7Message {
    const found = peer.received.find((m) => m.getSegment('MSH')?.getComponent(10, 1) === controlId);
    if (!found) throw new Error(`the peer never received ${controlId}`);
    return found;
  }

  const read = (message: Hl7Message, segment: string, field: number, component = 1): string =>
    unescapeHl7Text(message.getSegment(segment)?.getComponent(field, component) ?? '');

  it('given Mirth answers AA, when an ORM for a bill is sent, then Mirth reads the order and the outcome is Sent to Mirth', async () => {
    const entity = aBillEntity();
    const attempt = anAttempt('ORM', entity);

    const outcome = await sendToMirth(attempt);

    expect(outcome).toMatchObject({ status: 'SUCCESS', sentToMirth: true, fusionLog: 'Sent to Mirth', ackCode: 'AA' });
    expect(outcome.errorMessage).toBeUndefined();
    expect(outcome.responseBody).toContain(`MSA|AA|${attempt.controlId}`);
    const received = receivedWith(attempt.controlId);
    expect(read(received, 'MSH', 9, 1)).toBe('ORM');
    expect(read(received, 'ORC', 1)).toBe('NW');
    expect(read(received, 'ORC', 2)).toBe(entity.type === 'bill' && entity.bill.billNumber);
    expect([read(received, 'OBR', 4, 1), read(received, 'OBR', 4, 2)]).toEqual(['TSH', 'Thyroid Stimulating Hormone']);
  });

  it('given a patient named with | ^ ~ \\ &, when an ADT^A04 is sent, then Mirth reads the name back unchanged', async () => {
    const patient = aPatient({ lastName: HOSTILE_TEXT, firstName: `Zoë ${HOSTILE_TEXT}` });
    const attempt = anAttempt('ADT', { type: 'patient', patient });

    const outcome = await sendToMirth(attempt);

    expect(outcome.status).toBe('SUCCESS');
    const received = receivedWith(attempt.controlId);
    expect([read(received, 'MSH', 9, 1), read(received, 'MSH', 9, 2)]).toEqual(['ADT', 'A04']);
    expect(read(received, 'PID', 3)).toBe(patient.mrn);
    expect(read(received, 'PID', 5, 1)).toBe(HOSTILE_TEXT);
    expect(read(received, 'PID', 5, 2)).toBe(`Zoë ${HOSTILE_TEXT}`);
    expect(read(received, 'PID', 7)).toBe('19901231');
  });

  it('given a result value with | ^ ~ \\ &, when an ORU^R01 is sent, then Mirth reads the OBX back field for field', async () => {
    const attempt = anAttempt('ORU_R01', aReportEntity(HOSTILE_TEXT, aPatient({ lastName: HOSTILE_TEXT })));

    const outcome = await sendToMirth(attempt);

    expect(outcome.status).toBe('SUCCESS');
    const received = receivedWith(attempt.controlId);
    expect([read(received, 'MSH', 9, 1), read(received, 'MSH', 9, 2)]).toEqual(['ORU', 'R01']);
    expect(read(received, 'PID', 5, 1)).toBe(HOSTILE_TEXT);
    expect(received.getAllSegments('OBX')).toHaveLength(1);
    expect([2, 3, 5, 6, 7, 11].map((field) => read(received, 'OBX', field))).toEqual(['ST', 'TSH', HOSTILE_TEXT, 'mIU/L', '0.4-4.0', 'F']);
  });

  it('given a patient and a result carrying 0x0B, 0x1C, CR and LF, when an ORU^R01 is sent, then the frame Mirth reads holds every segment and the values read back', async () => {
    const patient = aPatient({ lastName: FRAMING_TEXT, firstName: 'Ravi\x1c\r' });
    const entity = aReportEntity('5.2\x1c\r', patient);
    if (entity.type === 'report') entity.report.results.push({ testCode: 'T4', testName: 'Thyroxine', value: '1.1', unit: 'ng/dL' });
    const attempt = anAttempt('ORU_R01', entity);

    const outcome = await sendToMirth(attempt);

    expect(outcome).toMatchObject({ status: 'SUCCESS', ackCode: 'AA' });
    // Framed the way Mirth frames it: from 0x0B to the first 0x1C.
    const frame = peer.framesAsRead().find((text) => text.includes(attempt.controlId));
    expect(frame).toBeDefined();
    const received = Hl7Message.parse(frame!);
    expect(received.segments.map((segment) => segment.name)).toEqual(['MSH', 'PID', 'OBR', 'OBX', 'OBX']);
    expect([read(received, 'PID', 5, 1), read(received, 'PID', 5, 2)]).toEqual([FRAMING_TEXT, 'Ravi\x1c\r']);
    expect(received.getAllSegments('OBX').map((obx) => [obx.getComponent(3, 1), unescapeHl7Text(obx.getComponent(5, 1))])).toEqual([
      ['TSH', '5.2\x1c\r'],
      ['T4', '1.1'],
    ]);
  });

  it('given a successful send, when the outcome is returned, then the activity has already closed its connection', async () => {
    await sendToMirth(anAttempt('ADT', { type: 'patient', patient: aPatient() }));

    await eventually(async () => (await peer.openConnections()) === 0, 2_000, 10);
  });

  it('given Mirth answers AE with a reason, when a message is sent, then the outcome is FAIL with that reason', async () => {
    peer.reply = { kind: 'AE', text: 'Unknown test code ^ TSH | rejected' };
    const attempt = anAttempt('ORM', aBillEntity());

    const outcome = await sendToMirth(attempt);

    expect(outcome).toMatchObject({
      status: 'FAIL', sentToMirth: false, fusionLog: 'Failed at Livehealthapp', ackCode: 'AE',
      errorMessage: 'Unknown test code ^ TSH | rejected',
    });
    expect(outcome.responseBody).toContain(`MSA|AE|${attempt.controlId}|`);
  });

  it('given a crelio-app delivery, when Mirth answers AE, then the failure is logged at Crelio-app', async () => {
    peer.reply = { kind: 'AE', text: 'Duplicate order' };

    const outcome = await sendToMirth(anAttempt('ORM', aBillEntity(), { origin: 'crelio-app' }));

    expect(outcome).toMatchObject({ status: 'FAIL', sentToMirth: false, fusionLog: 'Failed at Crelio-app', errorMessage: 'Duplicate order' });
  });

  it('given Mirth never answers, when the ACK timeout passes, then the outcome is FAIL with a SocketTimeoutException', async () => {
    peer.reply = { kind: 'silent' };
    const attempt = anAttempt('ADT', { type: 'patient', patient: aPatient() });

    const outcome = await sendToMirth(attempt);

    expect(outcome).toMatchObject({
      status: 'FAIL', sentToMirth: false, fusionLog: 'Failed at Livehealthapp',
      errorMessage: `java.net.SocketTimeoutException: Read timed out after ${ACK_TIMEOUT_MS} ms waiting for ACK from 127.0.0.1:${port}`,
    });
    expect(outcome.responseBody).toBeUndefined();
    expect(outcome.responseTimeMs).toBeGreaterThanOrEqual(ACK_TIMEOUT_MS - 5);
    expect(outcome.responseTimeMs).toBeLessThan(ACK_TIMEOUT_MS + 2_000);
    expect(receivedWith(attempt.controlId)).toBeDefined();
    await eventually(async () => (await peer.openConnections()) === 0, 2_000, 10);
  });

  it('given an ACK for another control id, when a message is sent, then it is not confirmed and the outcome is FAIL', async () => {
    peer.reply = { kind: 'wrong-control-id' };
    const attempt = anAttempt('ORM', aBillEntity());

    const outcome = await sendToMirth(attempt);

    expect(outcome).toMatchObject({
      status: 'FAIL', sentToMirth: false, ackCode: 'AA',
      errorMessage: `ACK control id EARLIER-MESSAGE does not match sent message control id ${attempt.controlId}`,
    });
  });

  it('given Mirth answers with something that is not HL7, when a message is sent, then the outcome is FAIL as unparseable', async () => {
    peer.reply = { kind: 'not-hl7' };

    const outcome = await sendToMirth(anAttempt('ADT', { type: 'patient', patient: aPatient() }));

    expect(outcome).toMatchObject({ status: 'FAIL', sentToMirth: false });
    expect(outcome.errorMessage).toBe(`Unparseable ACK from 127.0.0.1:${port}: Invalid HL7 message`);
  });

  it('given Mirth hangs up without answering, when a message is sent, then the outcome is FAIL naming the closed connection', async () => {
    peer.reply = { kind: 'hang-up' };

    const outcome = await sendToMirth(anAttempt('ADT', { type: 'patient', patient: aPatient() }));

    expect(outcome).toMatchObject({
      status: 'FAIL',
      errorMessage: `java.net.SocketException: Connection closed by 127.0.0.1:${port} before an ACK arrived`,
    });
  });

  it('given a peer that streams a reply without end, when a message is sent, then the outcome is FAIL once 1 MiB arrived, long before the ACK timeout', async () => {
    const flood = createServer((socket) => {
      socket.once('data', () => {
        socket.write(Buffer.from([0x0b]));
        const chunk = Buffer.alloc(64 * 1024, 0x41);
        for (let i = 0; i < 40; i++) socket.write(chunk); // 2.5 MiB, and never the end-block byte
      });
      socket.on('error', () => undefined);
    });
    flood.listen(0, '127.0.0.1');
    await once(flood, 'listening');
    try {
      const floodPort = (flood.address() as AddressInfo).port;
      const outcome = await sendToMirth(anAttempt('ADT', { type: 'patient', patient: aPatient() }, { port: floodPort, timeoutMs: 20_000 }));

      expect(outcome).toMatchObject({ status: 'FAIL', sentToMirth: false });
      expect(outcome.errorMessage).toBe(`java.net.SocketException: reply from 127.0.0.1:${floodPort} exceeded 1048576 bytes without ending its frame; connection closed`);
      expect(outcome.responseTimeMs).toBeLessThan(20_000);
    } finally {
      flood.close();
    }
  });

  it('given a message that is not HL7, when it is to be sent, then the outcome is FAIL before any connection is made', async () => {
    const attempt = anAttempt('ADT', { type: 'patient', patient: aPatient() }, { message: 'hello Mirth' });
    const receivedBefore = peer.received.length;

    const outcome = await sendToMirth(attempt);

    expect(outcome).toMatchObject({ status: 'FAIL', sentToMirth: false, errorMessage: `Message for log ${attempt.logId} is not HL7 v2: Invalid HL7 message` });
    expect(peer.received).toHaveLength(receivedBefore);
  });

  it('given nothing listens on the port, when a message is sent, then the outcome is FAIL with a ConnectException', async () => {
    const closedPort = await aClosedPort();

    const outcome = await sendToMirth(anAttempt('ADT', { type: 'patient', patient: aPatient() }, { port: closedPort }));

    expect(outcome).toMatchObject({
      status: 'FAIL', sentToMirth: false, fusionLog: 'Failed at Livehealthapp',
      errorMessage: `java.net.ConnectException: Connection refused (127.0.0.1:${closedPort})`,
    });
    expect(outcome.ackCode).toBeUndefined();
  });
});

/** A port that was just free: bound by the OS, then released, so nothing listens on it. */
async function aClosedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}
