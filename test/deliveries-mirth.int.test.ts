import { Hl7Message } from '@medplum/core';
import { eq } from 'drizzle-orm';
import { unescapeHl7Text } from '../activities/mirth/ack';
import { patients } from '../src/db/schema';
import { uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { MirthPeer } from './support/mirth-peer';

const HOSTILE = { first: 'Ann | B ^ C', last: "O'Hara ~ \\ & Sons" };
/** MLLP's start-block (0x0B) and end-block (0x1C) bytes and both line breaks, as a patient record can carry them. */
const FRAMING = { first: 'Ann \x1c\r', last: 'Rao \x0b VT \x1c FS \r CR \n LF' };

describe('Mirth deliveries: HL7 v2 over MLLP to a real peer', () => {
  const harness = new Harness();
  const peer = new MirthPeer();
  let port: number;
  let lab: LabFixture;

  beforeAll(async () => {
    port = await peer.start();
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
    await peer.stop();
  });
  beforeEach(async () => {
    peer.reply = { kind: 'AA' };
    lab = await createLabFixture(harness.services.configStore.db, HOSTILE);
  });

  async function mirthEvent(payloadType: 'ORM' | 'ADT' | 'ORU_R01', actionCategoryId: number, entity: { type: string; id: number }) {
    const integration = await harness.request('POST', '/api/integrations', {
      labId: lab.labId, developerId: lab.developerId, integrationType: 'mirth', payloadType,
      extraDetails: { host: '127.0.0.1', port }, integrations: [{ actionCategoryId }],
    });
    expect(integration.status).toBe(201);
    const eventId = uniqueId('evt');
    const emitted = await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId, entity, activityDate: '2026-11-26T10:00:00Z' });
    expect(emitted.status).toBe(202);
    const [log] = await harness.settledLogs(eventId, 1);
    return log!;
  }

  /** MSH-10 of the message as Labwire built it (the log keeps it), not as the peer parsed it. */
  function controlIdOf(log: { request: { body?: string } | null }) {
    return /^MSH\|[^\r]*/.exec(log.request?.body ?? '')?.[0].split('|')[9];
  }

  function receivedFor(log: { request: { body?: string } | null }) {
    const controlId = controlIdOf(log);
    const message = peer.received.find((m) => m.getSegment('MSH')?.getField(10)?.toString() === controlId);
    expect(message).toBeDefined();
    return message!;
  }

  it.each([
    ['ORM', 1, 'bill', 'ORM^O01^ORM_O01'],
    ['ADT', 2, 'patient', 'ADT^A04^ADT_A01'],
    ['ORU_R01', 4, 'report', 'ORU^R01^ORU_R01'],
  ] as const)('sends %s that the peer parses back, with a patient name containing | ^ ~ \\ &; AA → SUCCESS, Sent to Mirth', async (payloadType, action, entityType, messageType) => {
    const entityId = entityType === 'bill' ? lab.billId : entityType === 'patient' ? lab.patientId : lab.reportId;
    const log = await mirthEvent(payloadType, action, { type: entityType, id: entityId });
    expect(log).toMatchObject({ status: 'SUCCESS', sent_to_mirth: true, fusion_log: 'Sent to Mirth', error_message: null });
    // The dashboard's detail reads every field: the ones FerretDB left out of the pre-created log too.
    const shown = await harness.request('GET', `/api/logs/${log._id}`);
    expect(shown.body).toMatchObject({ retries: [], response_status_code: null });
    // The send is the log's one attempt, shown in the detail's Attempts table
    expect(log.attempts).toEqual([{ attempt: 1, at: expect.any(String), latencyMs: log.response_time, requestHeaders: {} }]);
    const message = receivedFor(log);
    expect(message.getSegment('MSH')?.getField(9)?.toString()).toBe(messageType);
    const pid = message.getSegment('PID')!;
    expect(unescapeHl7Text(pid.getComponent(5, 1))).toBe(HOSTILE.last);
    expect(unescapeHl7Text(pid.getComponent(5, 2))).toBe(HOSTILE.first);
    expect(pid.getField(7)?.toString()).toBe('19850412');
    if (payloadType === 'ORU_R01') {
      const values = message.getAllSegments('OBX').map((obx) => [obx.getComponent(3, 1), obx.getField(5)?.toString()]);
      expect(values).toEqual([['HGB', '13.2'], ['WBC', '11.8']]);
    }
  });

  it('given a patient whose name carries 0x0B, 0x1C, CR and LF, an ORU^R01 arrives whole: the frame Mirth reads holds PID, OBR and every OBX, and the name reads back', async () => {
    lab = await createLabFixture(harness.services.configStore.db, FRAMING);
    const log = await mirthEvent('ORU_R01', 4, { type: 'report', id: lab.reportId });
    expect(log).toMatchObject({ status: 'SUCCESS', sent_to_mirth: true, fusion_log: 'Sent to Mirth' });
    // Framed the way Mirth frames it: from 0x0B to the first 0x1C.
    const frame = peer.framesAsRead().find((text) => text.includes(`|${controlIdOf(log)}|`));
    expect(frame).toBeDefined();
    const message = Hl7Message.parse(frame!);
    expect(message.segments.map((segment) => segment.name)).toEqual(['MSH', 'PID', 'OBR', 'OBX', 'OBX']);
    const pid = message.getSegment('PID')!;
    expect([unescapeHl7Text(pid.getComponent(5, 1)), unescapeHl7Text(pid.getComponent(5, 2))]).toEqual([FRAMING.last, FRAMING.first]);
    expect(message.getAllSegments('OBX').map((obx) => [obx.getComponent(3, 1), obx.getField(5)?.toString()])).toEqual([['HGB', '13.2'], ['WBC', '11.8']]);
  });

  it('given the peer answers AE, the log is FAIL with the ACK text and "Failed at Livehealthapp"', async () => {
    peer.reply = { kind: 'AE', text: 'Unknown patient class' };
    const log = await mirthEvent('ADT', 2, { type: 'patient', id: lab.patientId });
    expect(log).toMatchObject({ status: 'FAIL', sent_to_mirth: false, fusion_log: 'Failed at Livehealthapp' });
    expect(log.error_message).toContain('Unknown patient class');
    // Its attempt names the ACK code, not the partner's text (which body retention removes with the bodies)
    expect(log.attempts).toEqual([expect.objectContaining({ attempt: 1, error: 'ACK AE' })]);
  });

  it('given the peer never acknowledges, the log is FAIL with a SocketTimeoutException message', async () => {
    peer.reply = { kind: 'silent' };
    const log = await mirthEvent('ADT', 2, { type: 'patient', id: lab.patientId });
    expect(log.status).toBe('FAIL');
    expect(log.error_message).toBe(`java.net.SocketTimeoutException: Read timed out after 800 ms waiting for ACK from 127.0.0.1:${port}`);
  });

  it('given a crelio-app action (60), the delivery runs on the crelio-app queue and a failure says "Failed at Crelio-app"', async () => {
    peer.reply = { kind: 'AE', text: 'rejected' };
    const log = await mirthEvent('ADT', 60, { type: 'patient', id: lab.patientId });
    expect(log).toMatchObject({ status: 'FAIL', fusion_log: 'Failed at Crelio-app', triggered_by_py3: true, origin: 'crelio-app' });
    // The event workflow runs on the default queue; the send, an ordinary activity there, on crelio-app's own workers
    const history = await harness.services.temporal.workflow.getHandle(log.workflow_id!).fetchHistory();
    const scheduled = history.events?.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : [])) ?? [];
    expect(scheduled.map((a) => [a.activityType?.name, a.taskQueue?.name])).toEqual([['sendAndRecordHl7', harness.config.temporal.crelioTaskQueue]]);
  });

  it('builds from live data: an edit made before the event is what the peer receives', async () => {
    await harness.services.configStore.db.update(patients).set({ lastName: 'Renamed' }).where(eq(patients.id, lab.patientId));
    const log = await mirthEvent('ADT', 2, { type: 'patient', id: lab.patientId });
    expect(receivedFor(log).getSegment('PID')?.getComponent(5, 1)).toBe('Renamed');
  });
});
