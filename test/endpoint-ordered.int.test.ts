import type { Hl7Message } from '@medplum/core';
import { eq } from 'drizzle-orm';
import { patients } from '../src/db/schema';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { MirthPeer } from './support/mirth-peer';

jest.setTimeout(240_000);

/**
 * Ordered delivery (issue 13, item 5) over real MLLP: a Mirth integration ordered by patient gets
 * 100 ADT events for 5 patients, interleaved. Each patient's messages reach the channel one at a
 * time in event order; an AE on one patient's 10th holds that patient's later ones ("blocked by
 * log …") while the other four finish; a retry of the failed log releases them, in order.
 */
describe('ordered delivery by patient over MLLP', () => {
  const harness = new Harness();
  const peer = new MirthPeer();
  let port: number;
  let lab: LabFixture;
  const mrnOf = new Map<number, string>();

  const mrn = (message: Hl7Message) => message.getSegment('PID')?.getComponent(3, 1) ?? '';
  const controlId = (message: Hl7Message) => message.getSegment('MSH')?.getField(10)?.toString() ?? '';

  beforeAll(async () => {
    port = await peer.start();
    await harness.start();
    const db = harness.services.configStore.db;
    lab = await createLabFixture(db);
    const more = await db
      .insert(patients)
      .values(Array.from({ length: 4 }, (_, i) => ({ labId: lab.labId, mrn: uniqueId(`MRN${i}`), firstName: 'Pat', lastName: `Ordered${i}`, dateOfBirth: '1990-01-01', gender: 'U' as const })))
      .returning();
    for (const patient of await db.select().from(patients).where(eq(patients.labId, lab.labId))) mrnOf.set(patient.id, patient.mrn);
    expect(more).toHaveLength(4);
    const added = await harness.request('POST', '/api/integrations', {
      labId: lab.labId,
      developerId: lab.developerId,
      integrationType: 'mirth',
      payloadType: 'ADT',
      extraDetails: { host: '127.0.0.1', port, flowControl: { orderBy: 'patient' } },
      integrations: [{ actionCategoryId: 2 }],
    });
    expect(added.status).toBe(201);
  });
  afterAll(async () => {
    await harness.stop();
    await peer.stop();
  });

  it('keeps each patient in event order, holds a failed patient while the others finish, lets an operator skip a failed log, and releases a held patient on retry', async () => {
    const patientIds = [...mrnOf.keys()].sort((a, b) => a - b);
    expect(patientIds).toHaveLength(5);
    const [held, skipped] = patientIds;
    const heldMrn = mrnOf.get(held!)!;
    const skippedMrn = mrnOf.get(skipped!)!;
    let heldSeen = 0;
    let skippedSeen = 0;
    // The held patient's 10th message and the skipped patient's 15th are refused (AE: a final failure); everything else is accepted.
    peer.decide = (message) => {
      if (mrn(message) === heldMrn && ++heldSeen === 10) return { kind: 'AE', text: 'unknown visit' };
      if (mrn(message) === skippedMrn && ++skippedSeen === 15) return { kind: 'AE', text: 'duplicate order' };
      return undefined;
    };

    const start = Date.parse('2026-11-30T08:00:00Z');
    const events = Array.from({ length: 100 }, (_, i) => ({
      eventId: uniqueId(`ordered-${i}`),
      labId: lab.labId,
      actionCategoryId: 2,
      entity: { type: 'patient' as const, id: patientIds[i % 5]! },
      activityDate: new Date(start + i * 1000).toISOString(),
    }));
    for (const event of events) expect((await harness.request('POST', '/api/events', event)).status).toBe(202);

    // Three patients finish; the held one has 9 SUCCESS, 1 FAIL and 10 waiting behind it, the skipped one 14, 1 and 5.
    const logOf = new Map<string, string>();
    await eventually(async () => {
      const rows = (await harness.request('GET', `/api/logs?labId=${lab.labId}&limit=200`)).body.items as Array<{ id: string; event_id: string; status: string }>;
      for (const row of rows) logOf.set(row.event_id, row.id);
      const queued = rows.filter((row) => row.status === 'QUEUED');
      return rows.length === 100 && queued.length === 15 && rows.filter((row) => row.status === 'FAIL').length === 2;
    }, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const heldEvents = events.filter((event) => event.entity.id === held);
    const failedLogId = logOf.get(heldEvents[9]!.eventId)!;
    for (const event of heldEvents.slice(10)) {
      const log = await harness.logs.get(logOf.get(event.eventId)!);
      expect(log).toMatchObject({ status: 'QUEUED', error_message: expect.stringContaining(`Waiting: blocked by log ${failedLogId}`) });
    }
    expect(peer.received.filter((m) => mrn(m) === heldMrn)).toHaveLength(10);

    // An operator lets the skipped patient's later messages go past its failed one, which stays FAIL.
    const skippedEvents = events.filter((event) => event.entity.id === skipped);
    const skippedLogId = logOf.get(skippedEvents[14]!.eventId)!;
    const endpoint = `127.0.0.1:${port}`;
    expect((await harness.request('POST', '/api/endpoints/skip', { endpoint, logId: 'not-a-log' })).status).toBe(400);
    expect((await harness.request('POST', '/api/endpoints/skip', { endpoint, logId: skippedLogId })).status).toBe(202);
    for (const event of skippedEvents.slice(15)) expect((await harness.settledLogs(event.eventId, 1, 60_000))[0]!.status).toBe('SUCCESS');
    expect((await harness.logs.get(skippedLogId))!.status).toBe('FAIL');
    // The held patient is still held.
    expect((await harness.logs.get(logOf.get(heldEvents[10]!.eventId)!))!.status).toBe('QUEUED');

    const retried = await harness.request('POST', `/api/logs/${failedLogId}/retry?wait=true`, {});
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ result: { status: 'SUCCESS' } });
    for (const event of heldEvents.slice(10)) expect((await harness.settledLogs(event.eventId, 1, 60_000))[0]!.status).toBe('SUCCESS');

    // Every patient's messages arrived in event order (each log by its first arrival; the retried one was sent twice).
    for (const patientId of patientIds) {
      const expected = events.filter((event) => event.entity.id === patientId).map((event) => logOf.get(event.eventId)!.slice(0, 16));
      const arrived = [...new Set(peer.received.filter((m) => mrn(m) === mrnOf.get(patientId)).map((m) => controlId(m).split('-')[0]!))];
      expect(arrived).toEqual(expected);
    }
    expect(peer.received).toHaveLength(101);
  });
});
