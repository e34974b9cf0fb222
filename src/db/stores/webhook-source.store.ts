import type { Queryable } from '../database';
import type { WebhookEvent } from './webhook.store';

/**
 * Where webhook events come from: facts Slate already keeps durably, read by time window. Each
 * event's id is derived from the fact (a CommandUUID, a check-in id, a serial), so reading a window
 * twice queues nothing twice.
 */
export interface WebhookSourceStore {
  /** Failed commands and acknowledged lost-mode changes finished in [from, to). */
  commandEvents(q: Queryable, from: Date, to: Date): Promise<WebhookEvent[]>;
  /** Devices enrolled in [from, to). */
  enrolments(q: Queryable, from: Date, to: Date): Promise<WebhookEvent[]>;
  /** CheckOut check-ins in [from, to). */
  checkOuts(q: Queryable, from: Date, to: Date): Promise<WebhookEvent[]>;
  /** Unrevoked device certificates that expire before `before`. */
  expiringCertificates(q: Queryable, now: Date, before: Date): Promise<WebhookEvent[]>;
}
