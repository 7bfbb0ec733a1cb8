import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { createTransport } from 'nodemailer';
import { request } from 'undici';
import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import { alerts, type AlertKind } from '../db/schema';
import type { LabScope } from '../auth/lab-scope';
import type { EndpointChange } from './endpoint-states';

export type AlertChannel = 'webhook' | 'email';

export interface AlertRow {
  id: number;
  endpoint: string;
  kind: AlertKind;
  text: string;
  labIds: number[];
  channels: Record<string, string>;
  createdAt: string;
}

/** The one line an alert says, in the ops webhook's `text` (Slack-compatible), the e-mail and the Alerts list. */
export function alertText(change: EndpointChange): string {
  return change.kind === 'paused'
    ? `Labwire paused endpoint ${change.endpoint} (${change.by}): ${change.reason}. Its deliveries wait${change.nextProbeAt ? `; the first probe goes at ${change.nextProbeAt}` : ' until an operator resumes it'}.`
    : `Labwire resumed endpoint ${change.endpoint} (${change.by}): ${change.reason}. Its waiting deliveries go out now, oldest first.`;
}

/** Who is e-mailed about an endpoint: the global recipients and those of each lab whose deliveries go there. */
export function alertRecipients(config: Config['alerts'], labIds: number[]): string[] {
  return [...new Set([...config.emailTo, ...labIds.flatMap((labId) => config.emailToByLab[labId] ?? [])])];
}

/**
 * Records the alert of one change of state (`dedupeKey`: its endpoint's workflow and the change's
 * number there) and sends it on every configured channel not yet sent: a repeated call (its activity
 * ran again) sends nothing twice that it had recorded as sent.
 */
export async function raiseAlert(db: ConfigDb, config: Config['alerts'], change: EndpointChange, dedupeKey: string): Promise<AlertRow> {
  const text = alertText(change);
  await db.insert(alerts).values({ dedupeKey, endpoint: change.endpoint, kind: change.kind, text, labIds: change.labIds }).onConflictDoNothing();
  const [row] = await db.select().from(alerts).where(eq(alerts.dedupeKey, dedupeKey));
  if (!row) throw new Error(`alert ${dedupeKey} was not recorded`);
  const channels: Record<string, string> = { ...row.channels };
  const pending = async (channel: AlertChannel, send: (() => Promise<void>) | undefined) => {
    if (channels[channel] === 'sent') return;
    if (!send) {
      channels[channel] = 'not configured';
      return;
    }
    try {
      await send();
      channels[channel] = 'sent';
    } catch (error) {
      channels[channel] = `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
    }
  };
  const payload = { text, kind: change.kind, endpoint: change.endpoint, by: change.by, reason: change.reason, at: change.at, labIds: change.labIds };
  const recipients = alertRecipients(config, change.labIds);
  await Promise.all([
    pending('webhook', config.webhookUrl ? () => postAlert(config.webhookUrl!, payload) : undefined),
    pending('email', config.smtpUrl && recipients.length ? () => mailAlert(config, recipients, change, text) : undefined),
  ]);
  await db.update(alerts).set({ channels }).where(eq(alerts.id, row.id));
  return toAlertRow({ ...row, channels });
}

async function postAlert(url: string, payload: Record<string, unknown>): Promise<void> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Labwire-Alerts' },
    body: JSON.stringify(payload),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  await response.body.dump();
  if (response.statusCode >= 300) throw new Error(`the ops webhook answered HTTP ${response.statusCode}`);
}

async function mailAlert(config: Config['alerts'], to: string[], change: EndpointChange, text: string): Promise<void> {
  // The URL's query may set nodemailer's options; the timeouts keep a dead server from holding the activity.
  const url = new URL(config.smtpUrl!);
  for (const [option, ms] of [['connectionTimeout', '10000'], ['greetingTimeout', '10000'], ['socketTimeout', '10000']] as const) if (!url.searchParams.has(option)) url.searchParams.set(option, ms);
  const transport = createTransport(url.toString());
  try {
    await transport.sendMail({ from: config.emailFrom, to, subject: `[Labwire] endpoint ${change.endpoint} ${change.kind}`, text });
  } finally {
    transport.close();
  }
}

function toAlertRow(row: typeof alerts.$inferSelect): AlertRow {
  return { id: row.id, endpoint: row.endpoint, kind: row.kind, text: row.text, labIds: row.labIds, channels: row.channels, createdAt: row.createdAt.toISOString() };
}

/** The newest alerts first, of the scope's labs (an alert about several labs shows to a user of any of them). */
export async function listAlerts(db: ConfigDb, scope: LabScope, options: { before?: number; limit: number; endpoint?: string }): Promise<AlertRow[]> {
  const conditions: Array<SQL | undefined> = [
    options.before !== undefined ? lt(alerts.id, options.before) : undefined,
    options.endpoint !== undefined ? eq(alerts.endpoint, options.endpoint) : undefined,
    scope.all
      ? undefined
      : sql`exists (select 1 from jsonb_array_elements_text(${alerts.labIds}) as lab(id) where lab.id::int = any(${`{${[...scope.labIds].join(',')}}`}::int[]))`,
  ];
  const rows = await db.select().from(alerts).where(and(...conditions)).orderBy(desc(alerts.id)).limit(options.limit);
  return rows.map(toAlertRow);
}
