// The dashboard's common reads, as the bench runs them through listLogs and logStats.
import type { Collection } from 'mongodb';
import type { LogDocument } from '../../src/logstore/log-document';
import type { LogFilter } from '../../src/logstore/log-filter';
import { listLogs, logStats } from '../../src/logstore/log-query';
import { FIRST_LAB_ID, generateLog, seedLogId } from './generate';

export interface BenchCase {
  name: string;
  kind: 'list' | 'stats';
  filter: LogFilter;
  /** Resolves to the rows (list) or logs counted (stats); a LogQueryTimeoutError past maxTimeMS. */
  run(collection: Collection<LogDocument>, maxTimeMS: number): Promise<number>;
}

const DAY_MS = 86_400_000;

function list(name: string, filter: LogFilter, page: 1 | 2 = 1): BenchCase {
  return {
    name,
    kind: 'list',
    filter,
    async run(collection, maxTimeMS) {
      let result = await listLogs(collection, filter, { limit: 50, maxTimeMS });
      if (page === 2 && result.nextCursor) result = await listLogs(collection, filter, { limit: 50, cursor: result.nextCursor, maxTimeMS });
      return result.items.length;
    },
  };
}

function stats(name: string, filter: LogFilter): BenchCase {
  return { name, kind: 'stats', filter, run: async (collection, maxTimeMS) => (await logStats(collection, filter, { maxTimeMS })).total };
}

/** `anchor` is the seed's newest time; `count` its size (the ids searched for are picked from it). */
export function benchCases(anchor: Date, count: number): BenchCase[] {
  const day = new Date(Math.floor((anchor.getTime() - 10 * DAY_MS) / DAY_MS) * DAY_MS);
  const oneDay = { from: day.toISOString(), to: new Date(day.getTime() + DAY_MS - 1).toISOString() };
  const midLab = FIRST_LAB_ID + 49;
  const probe = Math.floor(count / 3);
  // A webhook log (API logs have no event id and no entity), searched for by each of its ids.
  let found = probe;
  while (generateLog(found, count, anchor.getTime()).type !== 'WEBHOOK') found += 1;
  const webhook = generateLog(found, count, anchor.getTime());
  const entity = `${webhook.retry_context?.entity_type}:${webhook.retry_context?.entity_id}`;
  return [
    list('first page, no filter', {}),
    list('Webhook tab', { type: 'WEBHOOK' }),
    list('Errors tab (FAIL,QUEUED)', { status: ['FAIL', 'QUEUED'] }),
    list(`lab (largest, ${FIRST_LAB_ID})`, { labId: FIRST_LAB_ID }),
    list(`lab (50th, ${midLab})`, { labId: midLab }),
    list('lab + status FAIL', { labId: FIRST_LAB_ID, status: ['FAIL'] }),
    list('developer', { developerId: 2 }),
    list('action category', { actionCategoryId: 4 }),
    list('date range: one day', oneDay),
    list('search: log id', { q: seedLogId(probe) }),
    list('search: event id', { q: webhook.event_id ?? '' }),
    list(`search: entity ${entity}`, { q: entity }),
    list('second page (Errors tab, cursor)', { status: ['FAIL', 'QUEUED'] }, 2),
    stats('stats: no filter', {}),
    stats('stats: Errors tab', { status: ['FAIL', 'QUEUED'] }),
    stats(`stats: lab ${midLab}`, { labId: midLab }),
    stats('stats: one day', oneDay),
  ];
}
