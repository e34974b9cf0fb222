import type { Atomic, Db, Queryable, Tx } from '../database';
import type { Scope } from './scope';

export const WEBHOOK_EVENTS = [
  'device.enrolled', 'device.checked_out', 'command.failed', 'device.lost_mode_entered', 'device.lost_mode_left',
  'certificate.expiring', 'push_certificate.expiring',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  id: string;
  url: string;
  /** SecretBox('api'): the HMAC key, shown once when the webhook is made. */
  secretSealed: string;
  events: WebhookEventType[];
  scopeUnitId: string;
  createdBy: string | null;
  createdAt: Date;
  disabledAt: Date | null;
}

/** An event with an id that stays the same however often its source finds it. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** Org path of what it is about (null: Slate itself; only root-scoped webhooks hear it). */
  scopePath: string | null;
  at: Date;
  data: Record<string, unknown>;
}

export interface OutboxItem {
  id: number;
  webhookId: string;
  eventId: string;
  event: string;
  payload: string;
  attempts: number;
  url: string;
  secretSealed: string;
}

export interface WebhookDelivery {
  id: number;
  webhookId: string;
  eventId: string;
  event: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  outcome: 'delivered' | 'retry' | 'gave_up';
  at: Date;
}

/** Subscriptions, the durable outbox and the delivery log. */
export interface WebhookStore {
  create(tx: Tx, hook: Webhook): Promise<void>;
  list(q: Queryable, scope: Scope): Promise<Webhook[]>;
  getInScope(q: Queryable, scope: Scope, id: string): Promise<Webhook | null>;
  disable(tx: Tx, id: string, at: Date): Promise<void>;
  /** Queues the event for every active webhook that subscribes to its type and whose scope holds it; returns how many. */
  enqueue(w: Atomic, e: WebhookEvent): Promise<number>;
  /** Leases up to `limit` due items (Postgres: SKIP LOCKED, so several processes share the outbox). */
  claimDue(db: Db, now: Date, leaseMs: number, limit: number): Promise<OutboxItem[]>;
  /** Records an attempt; 'retry' keeps the item for `nextAt`, the others remove it. */
  finish(w: Atomic, item: OutboxItem, d: Omit<WebhookDelivery, 'id'>, nextAt: Date | null): Promise<void>;
  deliveries(q: Queryable, webhookId: string, limit: number): Promise<WebhookDelivery[]>;
  sourceMark(q: Queryable, name: string): Promise<Date | null>;
  setSourceMark(w: Atomic, name: string, at: Date): Promise<void>;
}
