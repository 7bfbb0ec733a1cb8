import type { AuditTrail } from '../audit/audit-trail';
import { auditExportQuerySchema, auditListQuerySchema } from '../audit/audit-filter';
import { defineRoute, type ApiRoute } from './route';
import { writeWhenRead } from './write-when-read';

/** The admin's view of the audit trail: pages newest first, and all of it as JSON lines. */
export function auditRoutes(trail: AuditTrail): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/audit',
      access: 'admin',
      tag: 'Audit',
      summary: 'Who did what and when, newest first, one page at a time (pass nextCursor as cursor for the next)',
      query: auditListQuerySchema,
      responses: { 200: '{ items: [{ id, at, actor: { type, userId, name }, action, target: { type, id } | null, detail, clientAddress }], nextCursor }' },
      async handle({ query }) {
        return trail.page(query.filter, { limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/audit/export',
      access: 'admin',
      tag: 'Audit',
      summary: 'Every row of the filter as JSON lines (one entry per line, newest first), streamed; the export itself is recorded',
      query: auditExportQuerySchema,
      produces: 'application/x-ndjson',
      responses: { 200: 'JSON lines, one audit entry each' },
      async handle({ query, res, audit }) {
        // Recorded first: a copy of the trail leaves as soon as the first line does.
        await audit({ action: 'audit.export', detail: { filter: { ...query } } });
        res.status(200);
        res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
        res.setHeader('content-disposition', `attachment; filename="labwire-audit-${new Date().toISOString().slice(0, 10)}.jsonl"`);
        res.setHeader('cache-control', 'no-store');
        res.flushHeaders();
        for await (const batch of trail.all(query)) {
          for (const entry of batch) {
            // The client went away: stop reading.
            if (res.destroyed) return undefined;
            await writeWhenRead(res, `${JSON.stringify(entry)}\n`);
          }
        }
        res.end();
        return undefined;
      },
    }),
  ];
}
