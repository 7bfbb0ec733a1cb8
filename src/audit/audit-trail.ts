import { and, desc, eq, gte, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { ConfigDb } from '../db/config-store';
import { auditEvents } from '../db/schema';
import type { AuditAction, AuditActor, AuditNote, AuditTargetType } from './audit-actions';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import type { AuditFilter } from './audit-filter';

/** One row of the trail as the API answers it (and as each line of the export reads). */
export interface AuditEntry {
  id: number;
  /** ISO 8601, UTC. */
  at: string;
  actor: { type: AuditActor['type']; userId: number | null; name: string };
  action: AuditAction;
  target: { type: AuditTargetType; id: string } | null;
  detail: Record<string, unknown>;
  clientAddress: string | null;
}

/** Details are a few facts; a bigger one is a bug in the caller (a body or a list that should be cut). */
export const MAX_DETAIL_BYTES = 8_192;

const t = auditEvents;
type Row = typeof auditEvents.$inferSelect;

const toEntry = (row: Row): AuditEntry => ({
  id: row.id,
  at: row.at.toISOString(),
  actor: { type: row.actorType, userId: row.actorUserId, name: row.actorName },
  action: row.action as AuditAction,
  target: row.targetType === null || row.targetId === null ? null : { type: row.targetType as AuditTargetType, id: row.targetId },
  detail: row.detail,
  clientAddress: row.clientAddress,
});

function conditions(filter: AuditFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.actor !== undefined) where.push(sql`lower(${t.actorName}) = lower(${filter.actor})`);
  if (filter.action) where.push(filter.action.length === 1 ? eq(t.action, filter.action[0]!) : inArray(t.action, filter.action));
  if (filter.targetType !== undefined) where.push(eq(t.targetType, filter.targetType));
  if (filter.targetId !== undefined) where.push(eq(t.targetId, filter.targetId));
  if (filter.from) where.push(gte(t.at, new Date(filter.from)));
  if (filter.to) where.push(lte(t.at, new Date(filter.to)));
  return where;
}

/**
 * The audit trail's one owner (the `audit_events` table): append, and read newest first. There
 * is deliberately no update or delete here; the database refuses them too.
 */
export class AuditTrail {
  constructor(private readonly db: ConfigDb) {}

  async record(actor: AuditActor, clientAddress: string | null, note: AuditNote): Promise<void> {
    const detail = note.detail ?? {};
    const size = Buffer.byteLength(JSON.stringify(detail));
    if (size > MAX_DETAIL_BYTES) throw new Error(`audit detail of ${note.action} is ${size} bytes; at most ${MAX_DETAIL_BYTES}`);
    await this.db.insert(auditEvents).values({
      actorType: actor.type,
      actorUserId: actor.type === 'user' ? actor.userId : null,
      actorName: actor.name,
      action: note.action,
      targetType: note.target?.type ?? null,
      targetId: note.target === undefined ? null : String(note.target.id),
      detail,
      clientAddress,
    });
  }

  /** One page, newest first (by id: the order rows were written); nextCursor is null on the last. */
  async page(filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const below = page.cursor === undefined ? undefined : decodeAuditCursor(page.cursor, filter);
    const rows = await this.rowsBelow(filter, below, page.limit + 1);
    const items = rows.slice(0, page.limit).map(toEntry);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > page.limit && last ? encodeAuditCursor(last.id, filter) : null };
  }

  /** Every matching row, newest first, a batch at a time (for the JSON-lines export). */
  async *all(filter: AuditFilter, batchSize = 500): AsyncGenerator<AuditEntry[]> {
    let below: number | undefined;
    for (;;) {
      const rows = await this.rowsBelow(filter, below, batchSize);
      if (rows.length === 0) return;
      yield rows.map(toEntry);
      if (rows.length < batchSize) return;
      below = rows.at(-1)!.id;
    }
  }

  private rowsBelow(filter: AuditFilter, belowId: number | undefined, limit: number): Promise<Row[]> {
    const where = conditions(filter);
    if (belowId !== undefined) where.push(lt(t.id, belowId));
    return this.db
      .select()
      .from(t)
      .where(and(...where))
      .orderBy(desc(t.id))
      .limit(limit);
  }
}
