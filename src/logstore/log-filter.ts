import type { Filter } from 'mongodb';
import { z } from 'zod';
import { positiveId } from '../validation';
import type { LogDocument } from './log-document';

const isoDate = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z' });

/** The dashboard's filters over logs (SPEC §7); bulk retry takes the same ones. */
export const logFilterSchema = z
  .object({
    type: z.enum(['WEBHOOK', 'API']).optional(),
    labId: positiveId.optional(),
    developerId: positiveId.optional(),
    actionCategoryId: positiveId.optional(),
    status: z.array(z.enum(['QUEUED', 'SUCCESS', 'FAIL', ''])).min(1).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict()
  .refine((f) => !f.from || !f.to || new Date(f.from) <= new Date(f.to), { path: ['to'], message: 'must not be before from' });

export type LogFilter = z.infer<typeof logFilterSchema>;

export function logFilterQuery(filter: LogFilter): Filter<LogDocument> {
  const query: Filter<LogDocument> = {};
  if (filter.type) query.type = filter.type;
  if (filter.labId !== undefined) query.lab_id = filter.labId;
  if (filter.developerId !== undefined) query.developer_id = filter.developerId;
  if (filter.actionCategoryId !== undefined) query.action_category_id = filter.actionCategoryId;
  if (filter.status) query.status = { $in: filter.status };
  if (filter.from || filter.to) {
    query.inserted_at = { ...(filter.from ? { $gte: new Date(filter.from) } : {}), ...(filter.to ? { $lte: new Date(filter.to) } : {}) };
  }
  return query;
}
