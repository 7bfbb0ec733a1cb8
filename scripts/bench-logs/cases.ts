// The dashboard's common reads, as the bench runs them: through listLogs and logStats (the
// functions the API's log routes call) on the read model, and DeliveryLogs.get on the log store.
import type { ConfigDb } from '../../src/db/config-store';
import type { DeliveryLogs } from '../../src/logstore/delivery-logs';
import type { LogFilter } from '../../src/logstore/log-filter';
import { listLogs, logStats } from '../../src/logstore/log-query';
import { ALL_LABS } from '../../src/auth/lab-scope';
import { FIRST_LAB_ID, LAB_COUNT, generateLog, seedLogId } from './generate';

export interface BenchContext {
  db: ConfigDb;
  logs: DeliveryLogs;
}

export interface BenchCase {
  name: string;
  kind: 'list' | 'stats' | 'get';
  filter: LogFilter;
  /** For the second-page case: the cursor of the first page, found before timing. */
  prepare?(ctx: BenchContext): Promise<void>;
  /** Resolves to the rows (list), logs counted (stats) or documents read (get). */
  run(ctx: BenchContext): Promise<number>;
}

const DAY_MS = 86_400_000;
const PAGE = 50;

function list(name: string, filter: LogFilter): BenchCase {
  return {
    name,
    kind: 'list',
    filter,
    run: async ({ db }) => (await listLogs(db, ALL_LABS, filter, { limit: PAGE })).items.length,
  };
}

/** The second page: the first page's cursor is taken once, then only the second page is timed. */
function secondPage(name: string, filter: LogFilter): BenchCase {
  let cursor: string | undefined;
  return {
    name,
    kind: 'list',
    filter,
    async prepare({ db }) {
      cursor = (await listLogs(db, ALL_LABS, filter, { limit: PAGE })).nextCursor ?? undefined;
      if (!cursor) throw new Error(`${name}: the first page has no next page`);
    },
    run: async ({ db }) => (await listLogs(db, ALL_LABS, filter, { limit: PAGE, cursor })).items.length,
  };
}

function stats(name: string, filter: LogFilter, now: Date): BenchCase {
  return { name, kind: 'stats', filter, run: async ({ db }) => (await logStats(db, ALL_LABS, filter, { now })).total };
}

function get(name: string, id: string): BenchCase {
  return {
    name,
    kind: 'get',
    filter: {},
    async run({ logs }) {
      const doc = await logs.get(id);
      if (!doc) throw new Error(`${name}: log ${id} is not in the bench log store`);
      return 1;
    },
  };
}

/** `anchor` is the seed's newest time; `count` its size (the ids searched for are picked from it). */
export function benchCases(anchor: Date, count: number): BenchCase[] {
  const day = new Date(Math.floor((anchor.getTime() - 10 * DAY_MS) / DAY_MS) * DAY_MS);
  const oneDay = { from: day.toISOString(), to: new Date(day.getTime() + DAY_MS - 1).toISOString() };
  const midLab = FIRST_LAB_ID + 49;
  const smallestLab = FIRST_LAB_ID + LAB_COUNT - 1;
  const probe = Math.floor(count / 3);
  // A webhook log (API logs have no event id and no entity), searched for by each of its ids.
  let found = probe;
  while (generateLog(found, count, anchor.getTime()).type !== 'WEBHOOK') found += 1;
  const webhook = generateLog(found, count, anchor.getTime());
  const entity = `${webhook.retry_context?.entity_type}:${webhook.retry_context?.entity_id}`;
  const errors: LogFilter = { status: ['FAIL', 'QUEUED'] };
  return [
    list('first page, no filter', {}),
    list('Webhook tab', { type: 'WEBHOOK' }),
    list('Errors tab (FAIL,QUEUED)', errors),
    list(`lab (largest, ${FIRST_LAB_ID})`, { labId: FIRST_LAB_ID }),
    list(`lab (50th, ${midLab})`, { labId: midLab }),
    list(`lab (smallest, ${smallestLab})`, { labId: smallestLab }),
    list(`lab ${FIRST_LAB_ID} + status FAIL`, { labId: FIRST_LAB_ID, status: ['FAIL'] }),
    list('developer 2', { developerId: 2 }),
    list('action category 4', { actionCategoryId: 4 }),
    list('one day on inserted_at', oneDay),
    list('one day on activity_date', { ...oneDay, dateField: 'activity_date' }),
    list('search: log id', { q: seedLogId(probe) }),
    list('search: event id', { q: webhook.event_id ?? '' }),
    list(`search: entity ${entity}`, { q: entity }),
    secondPage('second page (Errors tab, cursor)', errors),
    secondPage('second page (no filter, cursor)', {}),
    stats('stats: no filter', {}, anchor),
    stats('stats: Errors tab', errors, anchor),
    stats(`stats: lab ${midLab}`, { labId: midLab }, anchor),
    stats(`stats: lab (largest, ${FIRST_LAB_ID})`, { labId: FIRST_LAB_ID }, anchor),
    stats('stats: one day', oneDay, anchor),
    get('get by id (FerretDB, full document)', seedLogId(probe)),
  ];
}
