import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { compileFunction } from 'node:vm';
import { transformSync } from '@swc/core';
import { and, eq } from 'drizzle-orm';
import type { Express } from 'express';
import { billItems, bills, patients } from '../src/db/schema';
import { eventually, uniqueId } from './support/fixtures';
import { Harness } from './support/harness';
import { createLabFixture, type LabFixture } from './support/lab-fixtures';
import { startWithPartners } from './support/partners';

/**
 * The README's "Integration bodies, by type" is kept true here: every block marked
 * `<!-- example: <kind> <name> -->` is read from README.md and used as it is written, except
 * that its URLs, Mirth host and port point at a real test receiver / MLLP peer and its lab and
 * developer at a fresh fixture. Each integration is posted as admin, the event written after it
 * (`labwire emit …`) is fired, and what arrives is checked against what the README says.
 */
interface Example {
  kind: string;
  name: string;
  lang: string;
  code: string;
  /** The README's prose after the block, up to the next example. */
  after: string;
}

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

function readmeExamples(): Example[] {
  const marker = /<!-- example: (\S+) (\S+) -->\n```(\w+)\n([\s\S]*?)\n```\n/g;
  const found = [...README.matchAll(marker)];
  return found.map((match, index) => {
    const end = found[index + 1]?.index ?? README.indexOf('\n### ', match.index);
    return { kind: match[1]!, name: match[2]!, lang: match[3]!, code: match[4]!, after: README.slice(match.index + match[0].length, end) };
  });
}

const EXAMPLES = readmeExamples();
const example = (kind: string, name: string): Example => {
  const found = EXAMPLES.find((e) => e.kind === kind && e.name === name);
  if (!found) throw new Error(`README.md has no <!-- example: ${kind} ${name} --> block`);
  return found;
};

/** The event the README fires after an example: `./bin/labwire emit --lab L --action A --entity type:id`. */
function emitOf(text: string): { actionCategoryId: number; entityType: 'patient' | 'bill' | 'report' } {
  const match = /labwire emit --lab \d+ --action (\d+) --entity (patient|bill|report):\d+/.exec(text);
  if (!match) throw new Error(`no "labwire emit" command after the example:\n${text}`);
  return { actionCategoryId: Number(match[1]), entityType: match[2] as 'patient' | 'bill' | 'report' };
}

type Body = Record<string, any>;

/** Loads the README's partner snippet as a module (TypeScript → CommonJS), with its secret and a console of our own. */
function loadVerifySnippet(secret: string, log: (...args: unknown[]) => void): { verifyLabwireWebhook(raw: string, headers: Record<string, string>): unknown; app: Express } {
  const { code } = transformSync(example('partner', 'verify-signature').code, {
    filename: 'readme-snippet.ts',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  const module = { exports: {} as any };
  const env = { ...process.env, LABWIRE_SIGNING_SECRET: secret };
  compileFunction(code, ['require', 'module', 'exports', 'process', 'console'], { filename: 'README.md (verify-signature)' })(require, module, module.exports, { env }, { log });
  return module.exports;
}

describe('README: every integration body example is accepted and delivers as described', () => {
  const harness = new Harness();
  const partners = startWithPartners(harness);
  const { receiver, peer } = partners;

  it('marks one example per type, each followed by its event', () => {
    expect(EXAMPLES.map((e) => `${e.kind} ${e.name}`)).toEqual([
      'integration webhook-post',
      'integration webhook-get',
      'integration webhook-signed',
      'partner verify-signature',
      'integration mirth-oru',
      'integration mirth-orm',
      'integration mirth-adt',
      'integration async-vendor',
      'callback async-vendor',
    ]);
    for (const e of EXAMPLES.filter((x) => x.kind === 'integration')) expect(() => emitOf(e.after)).not.toThrow();
  });

  /**
   * A fresh lab whose patient and bill carry what src/db/demo-seed.ts gives lab 1001's (MRN,
   * bill number, the items CBC and TSH), so what arrives is what the README shows.
   */
  async function demoLikeLab(): Promise<LabFixture> {
    const { db } = harness.services.configStore;
    const lab = await createLabFixture(db);
    await db.update(patients).set({ mrn: 'SUN-000001' }).where(eq(patients.id, lab.patientId));
    await db.update(bills).set({ billNumber: 'SUN-B-0001' }).where(eq(bills.id, lab.billId));
    await db.update(billItems).set({ testCode: 'TSH', testName: 'Thyroid Stimulating Hormone', price: 420 }).where(and(eq(billItems.billId, lab.billId), eq(billItems.testCode, 'LFT')));
    return lab;
  }

  /**
   * Posts the README's body for a fresh lab, with `url` rewritten by `target` (path kept) and
   * Mirth's host/port at the peer; fires the README's event; answers the log it made.
   */
  async function postAndFire(name: string, target: (readmeUrl: URL) => string = (u) => receiver.url(`/${name}${u.pathname}`)) {
    const { code, after } = example('integration', name);
    const body = JSON.parse(code) as Body;
    const readmeBody = structuredClone(body);
    const lab = await demoLikeLab();
    body.labId = lab.labId;
    body.developerId = lab.developerId;
    if (body.url) body.url = target(new URL(body.url));
    if (body.extraDetails?.host) body.extraDetails = { ...body.extraDetails, host: '127.0.0.1', port: partners.mirthPort };

    const created = await harness.request('POST', '/api/integrations', body);
    expect(created.status).toBe(201);
    const { actionCategoryId, entityType } = emitOf(after);
    const entityId = { patient: lab.patientId, bill: lab.billId, report: lab.reportId }[entityType];
    const eventId = uniqueId('readme');
    const emitted = await harness.request('POST', '/api/events', { eventId, labId: lab.labId, actionCategoryId, entity: { type: entityType, id: entityId }, activityDate: '2026-11-30T10:00:00Z' });
    expect(emitted.status).toBe(202);
    const logId = await eventually(async () => (await harness.logsForEvent(eventId))[0]?._id, 20_000);
    return { lab, logId, readmeBody, after, authKey: created.body.authKey as string, path: body.url ? new URL(body.url as string).pathname : '' };
  }

  it('webhook POST with a template: the partner gets the rendered JSON and its x-api-key', async () => {
    receiver.on('/webhook-post/labwire/bills', { status: 200, body: 'ok' });
    const { logId, readmeBody, after } = await postAndFire('webhook-post');
    const log = await harness.logWhere(logId, (l) => l.status !== 'QUEUED');
    expect(log.status).toBe('SUCCESS');
    const [request] = receiver.requestsTo('/webhook-post/labwire/bills');
    expect(request).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': readmeBody.extraDetails['x-api-key'], 'idempotency-key': logId } });
    // The body the README shows, its log id elided there.
    const shown = /the body `([^`]+)`/.exec(after.replace(/\n/g, ' '))![1]!.replace('"logId": "…"', `"logId": "${logId}"`);
    expect(JSON.parse(request!.body)).toEqual(JSON.parse(shown));
  });

  it('webhook GET: the template arrives as the query string the README shows', async () => {
    receiver.on('/webhook-get/register.php', { status: 200 });
    const { logId, after } = await postAndFire('webhook-get');
    expect((await harness.logWhere(logId, (l) => l.status !== 'QUEUED')).status).toBe('SUCCESS');
    const [request] = receiver.requestsTo('/webhook-get/register.php');
    expect(request?.method).toBe('GET');
    const shown = /register\.php\?([^`\s]+)`/.exec(after.replace(/\n/g, ' '))![1]!;
    expect(Object.fromEntries(request!.query)).toEqual(Object.fromEntries(new URLSearchParams(shown)));
  });

  it("signed webhook: the README's own partner code verifies it (and refuses a changed body)", async () => {
    const logged: unknown[] = [];
    const secret = (JSON.parse(example('integration', 'webhook-signed').code) as Body).extraDetails.signingSecret as string;
    const snippet = loadVerifySnippet(secret, (...args) => logged.push(args));
    // The partner's app as the README writes it; the headers are noted on the way in (the log keeps the signature redacted).
    const seenHeaders: Array<Record<string, string>> = [];
    const partner: Server = createServer((req, res) => {
      seenHeaders.push(req.headers as Record<string, string>);
      snippet.app(req, res);
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => partner.once('listening', resolve));
    try {
      const port = (partner.address() as AddressInfo).port;
      // The README's URL path is the snippet's route: the partner's app itself answers.
      const { logId } = await postAndFire('webhook-signed', (u) => `http://127.0.0.1:${port}${u.pathname}`);
      const log = await harness.logWhere(logId, (l) => l.status !== 'QUEUED');
      expect(log).toMatchObject({ status: 'SUCCESS', response_status_code: 200 });
      expect(logged).toEqual([['verified', expect.objectContaining({ logId, entityType: 'bill' })]]);

      // The same headers on another body: the snippet refuses it.
      const signedHeaders = Object.fromEntries(Object.entries(seenHeaders[0] ?? {}).filter(([name]) => name.startsWith('webhook-')));
      expect(Object.keys(signedHeaders).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
      const body = log.request!.body!;
      expect(snippet.verifyLabwireWebhook(body, signedHeaders)).toMatchObject({ logId });
      expect(() => snippet.verifyLabwireWebhook(body.replace('"bill"', '"patient"'), signedHeaders)).toThrow('No matching signature found');
      const tampered = await fetch(`http://127.0.0.1:${port}/hooks/labwire`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders }, body: body.replace('"bill"', '"patient"') });
      expect(tampered.status).toBe(401);
    } finally {
      await new Promise((resolve) => partner.close(resolve));
    }
  });

  it.each(['mirth-oru', 'mirth-orm', 'mirth-adt'])('%s: the peer receives the HL7 message type the README names; AA → SUCCESS, Sent to Mirth', async (name) => {
    peer.reply = { kind: 'AA' };
    const { logId, after } = await postAndFire(name);
    const log = await harness.logWhere(logId, (l) => l.status !== 'QUEUED');
    expect(log).toMatchObject({ status: 'SUCCESS', sent_to_mirth: true, fusion_log: 'Sent to Mirth' });
    const controlId = /^MSH\|[^\r]*/.exec(log.request?.body ?? '')?.[0].split('|')[9];
    const message = peer.received.find((m) => m.getSegment('MSH')?.getField(10)?.toString() === controlId);
    const messageType = /`(\w+\^\w+\^\w+)`/.exec(after)![1];
    expect(message?.getSegment('MSH')?.getField(9)?.toString()).toBe(messageType);
  });

  it("async vendor: a 202 keeps the log QUEUED; the README's callback makes it SUCCESS", async () => {
    receiver.on('/async-vendor/v2/pickups', { status: 202, body: '{"queued":true}' });
    const { logId, authKey, readmeBody } = await postAndFire('async-vendor');
    await harness.logWhere(logId, (l) => l.response_status_code === 202);
    const [submit] = receiver.requestsTo('/async-vendor/v2/pickups');
    expect(submit).toMatchObject({ method: 'POST', headers: { 'idempotency-key': logId, 'x-api-key': readmeBody.extraDetails['x-api-key'] } });
    expect(JSON.parse(submit!.body)).toMatchObject({ logId });
    expect((await harness.logs.get(logId))?.status).toBe('QUEUED');

    // The curl command as written, with the API's address, the log id and the key filled in.
    const curl = example('callback', 'async-vendor').code.replace(/\\\n\s*/g, ' ');
    const url = /curl -X POST (\S+)/.exec(curl)![1]!.replace('http://127.0.0.1:3000', harness.api.url).replace('<logId>', logId);
    const authorization = /"Authorization: ([^"]+)"/.exec(curl)![1]!.replace('<authKey>', authKey);
    const data = /-d '([^']+)'/.exec(curl)![1]!;
    const answer = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: data });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({ accepted: true, logId });
    const log = await harness.logWhere(logId, (l) => l.status !== 'QUEUED');
    expect(log).toMatchObject({ status: 'SUCCESS', response_body: JSON.stringify(JSON.parse(data).data) });
  });
});
