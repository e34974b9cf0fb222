import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/audit-log';
import type { SecretBox } from '../../crypto/secret-box';
import type { Db } from '../../db/database';
import type { ScopedFleetStore, Webhook, WebhookDelivery, WebhookEventType, WebhookStore } from '../../db/stores';
import { AppError } from '../../errors';
import { actorOf, requirePermission, type Principal } from '../auth/principal';

export { WEBHOOK_EVENTS } from '../../db/stores';
export type { Webhook, WebhookDelivery, WebhookEventType } from '../../db/stores';

export interface NewWebhook {
  url: string;
  events: WebhookEventType[];
  /** Unit code; default: the caller's scope. */
  scope?: string;
}

/** Webhook subscriptions per scope: made, listed and removed by staff, with their delivery log. */
export class WebhookService {
  constructor(private readonly deps: { db: Db; hooks: WebhookStore; fleet: ScopedFleetStore; secrets: SecretBox; audit: AuditLog; allowHttp: boolean }) {}

  async create(p: Principal, req: NewWebhook, ip: string | null): Promise<{ hook: Webhook; secret: string }> {
    requirePermission(p, 'webhooks.write');
    const url = new URL(req.url);
    // Plain http would carry events about pupils' tablets in clear; allowed only outside production.
    if (url.protocol !== 'https:' && !(this.deps.allowHttp && url.protocol === 'http:')) {
      throw new AppError('validation_failed', 'url: must be https', { details: { field: 'url', problem: 'must be https' } });
    }
    const { db, hooks, fleet, secrets, audit } = this.deps;
    const unit = await fleet.unit(db, p.scope, req.scope ?? p.scopeCode);
    if (!unit) throw new AppError('org_unit_unknown', `no unit '${req.scope}'`);
    const secret = randomBytes(32).toString('base64url');
    const hook: Webhook = {
      id: randomUUID(), url: url.toString(), secretSealed: secrets.seal('api', secret), events: [...new Set(req.events)], scopeUnitId: unit.id,
      createdBy: p.label, createdAt: new Date(), disabledAt: null,
    };
    await db.transaction(async (tx) => {
      await hooks.create(tx, hook);
      await audit.append(tx, { actor: actorOf(p), action: 'webhook.create', target: { type: 'webhook', id: hook.id, path: unit.path }, detail: { url: hook.url, events: hook.events }, ip });
    });
    return { hook, secret };
  }

  list(p: Principal): Promise<Webhook[]> {
    requirePermission(p, 'webhooks.read');
    return this.deps.hooks.list(this.deps.db, p.scope);
  }

  async remove(p: Principal, id: string, ip: string | null): Promise<void> {
    requirePermission(p, 'webhooks.write');
    await this.deps.db.transaction(async (tx) => {
      const hook = await this.deps.hooks.getInScope(tx, p.scope, id);
      if (!hook) throw new AppError('not_found', `no webhook ${id}`);
      await this.deps.hooks.disable(tx, id, new Date());
      await this.deps.audit.append(tx, { actor: actorOf(p), action: 'webhook.remove', target: { type: 'webhook', id, path: p.scope.path }, detail: { url: hook.url }, ip });
    });
  }

  async deliveries(p: Principal, id: string, limit: number): Promise<WebhookDelivery[]> {
    requirePermission(p, 'webhooks.read');
    const hook = await this.deps.hooks.getInScope(this.deps.db, p.scope, id);
    if (!hook) throw new AppError('not_found', `no webhook ${id}`);
    return this.deps.hooks.deliveries(this.deps.db, id, limit);
  }
}
