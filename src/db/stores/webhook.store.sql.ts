import { readDate } from '../columns';
import { placeholders, type Atomic, type Db, type Queryable, type Tx } from '../database';
import { pathPrefix, type Scope } from './scope';
import type { OutboxItem, Webhook, WebhookDelivery, WebhookEvent, WebhookEventType, WebhookStore } from './webhook.store';

const HOOK = 'id, url, secret_sealed, events, scope_unit_id, created_by, created_at, disabled_at';
const inScope = (scope: Scope) => scope.root
  ? { sql: '', params: [] as unknown[] }
  : { sql: ' AND scope_unit_id IN (SELECT id FROM org_units WHERE path LIKE ?)', params: [pathPrefix(scope)] };

export class SqlWebhookStore implements WebhookStore {
  async create(tx: Tx, h: Webhook): Promise<void> {
    await tx.run(`INSERT INTO webhooks (${HOOK}) VALUES (${placeholders(8)})`,
      [h.id, h.url, h.secretSealed, `,${h.events.join(',')},`, h.scopeUnitId, h.createdBy, h.createdAt, h.disabledAt]);
  }

  async list(q: Queryable, scope: Scope): Promise<Webhook[]> {
    const s = inScope(scope);
    return (await q.rows(`SELECT ${HOOK} FROM webhooks WHERE disabled_at IS NULL${s.sql} ORDER BY created_at`, s.params)).map(toHook);
  }

  async getInScope(q: Queryable, scope: Scope, id: string): Promise<Webhook | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const s = inScope(scope);
    const r = await q.one(`SELECT ${HOOK} FROM webhooks WHERE id = ? AND disabled_at IS NULL${s.sql}`, [id.toLowerCase(), ...s.params]);
    return r ? toHook(r) : null;
  }

  async disable(tx: Tx, id: string, at: Date): Promise<void> {
    await tx.run('UPDATE webhooks SET disabled_at = ? WHERE id = ?', [at, id]);
    await tx.run('DELETE FROM webhook_outbox WHERE webhook_id = ?', [id]);
  }

  async enqueue(w: Atomic, e: WebhookEvent): Promise<number> {
    const payload = JSON.stringify({ id: e.id, type: e.type, at: e.at.toISOString(), data: e.data });
    // A webhook hears events at or under its scope unit; events of Slate itself only reach the root's.
    const r = await w.run(
      `INSERT INTO webhook_outbox (webhook_id, event_id, event, payload, attempts, next_attempt_at, created_at)
       SELECT h.id, ?, ?, ?, 0, ?, ? FROM webhooks h JOIN org_units u ON u.id = h.scope_unit_id
        WHERE h.disabled_at IS NULL AND h.events LIKE ? AND (u.parent_id IS NULL OR ? LIKE u.path || '%')
       ON CONFLICT (webhook_id, event_id) DO NOTHING`,
      [e.id, e.type, payload, e.at, e.at, `%,${e.type},%`, e.scopePath ?? '']);
    return r.affected;
  }

  async claimDue(db: Db, now: Date, leaseMs: number, limit: number): Promise<OutboxItem[]> {
    const lock = db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const n = Math.max(1, Math.floor(limit));
    const claimed = await db.rows<Record<string, unknown>>(
      `UPDATE webhook_outbox SET lease_until = ? WHERE id IN (SELECT id FROM webhook_outbox
         WHERE next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ${n}${lock})
       RETURNING id, webhook_id, event_id, event, payload, attempts`,
      [new Date(now.getTime() + leaseMs), now, now]);
    if (claimed.length === 0) return [];
    const ids = [...new Set(claimed.map((r) => String(r.webhook_id)))];
    const hooks = new Map((await db.rows<{ id: string; url: string; secret_sealed: string }>(
      `SELECT id, url, secret_sealed FROM webhooks WHERE id IN (${placeholders(ids.length)})`, ids)).map((h) => [String(h.id), h]));
    return claimed.flatMap((r) => {
      const h = hooks.get(String(r.webhook_id));
      return h ? [{
        id: Number(r.id), webhookId: String(r.webhook_id), eventId: String(r.event_id), event: String(r.event), payload: String(r.payload),
        attempts: Number(r.attempts), url: h.url, secretSealed: h.secret_sealed,
      }] : [];
    });
  }

  async finish(w: Atomic, item: OutboxItem, d: Omit<WebhookDelivery, 'id'>, nextAt: Date | null): Promise<void> {
    await w.run(`INSERT INTO webhook_deliveries (webhook_id, event_id, event, attempt, status_code, error, duration_ms, outcome, at) VALUES (${placeholders(9)})`,
      [d.webhookId, d.eventId, d.event, d.attempt, d.statusCode, d.error, d.durationMs, d.outcome, d.at]);
    if (nextAt) await w.run('UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL WHERE id = ?', [nextAt, item.id]);
    else await w.run('DELETE FROM webhook_outbox WHERE id = ?', [item.id]);
  }

  async deliveries(q: Queryable, webhookId: string, limit: number): Promise<WebhookDelivery[]> {
    const rows = await q.rows(`SELECT id, webhook_id, event_id, event, attempt, status_code, error, duration_ms, outcome, at FROM webhook_deliveries
      WHERE webhook_id = ? ORDER BY id DESC LIMIT ${Math.max(1, Math.floor(limit))}`, [webhookId]);
    return rows.map((r) => ({
      id: Number(r.id), webhookId: String(r.webhook_id), eventId: String(r.event_id), event: String(r.event), attempt: Number(r.attempt),
      statusCode: r.status_code === null || r.status_code === undefined ? null : Number(r.status_code), error: (r.error as string | null) ?? null,
      durationMs: Number(r.duration_ms), outcome: r.outcome as WebhookDelivery['outcome'], at: readDate(r.at)!,
    }));
  }

  async sourceMark(q: Queryable, name: string): Promise<Date | null> {
    const r = await q.one('SELECT scanned_until FROM webhook_sources WHERE name = ?', [name]);
    return r ? readDate(r.scanned_until) : null;
  }

  async setSourceMark(w: Atomic, name: string, at: Date): Promise<void> {
    await w.run('INSERT INTO webhook_sources (name, scanned_until) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET scanned_until = excluded.scanned_until', [name, at]);
  }
}

function toHook(r: Record<string, unknown>): Webhook {
  return {
    id: String(r.id), url: String(r.url), secretSealed: String(r.secret_sealed),
    events: String(r.events).split(',').filter(Boolean) as WebhookEventType[], scopeUnitId: String(r.scope_unit_id),
    createdBy: (r.created_by as string | null) ?? null, createdAt: readDate(r.created_at)!, disabledAt: readDate(r.disabled_at),
  };
}

