import type { SecretBox } from '../../crypto/secret-box';
import type { Db } from '../../db/database';
import type { OutboxItem, WebhookEvent, WebhookSourceStore, WebhookStore } from '../../db/stores';
import type { Logger } from '../../log/logger';
import { signWebhook } from './webhook-signature';

/** Attempts before an event is given up (the last retry then waits hours). */
export const MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 6 * 3_600_000;
const TIMEOUT_MS = 10_000;
/** Sources read their window again from this far back: a fact committed late (a long transaction) is still found. */
const OVERLAP_MS = 5 * 60_000;
const FIRST_LOOK_BACK_MS = 60 * 60_000;

/** 30 s, 1 min, 2 min ... capped at 6 h, with ±20 % jitter so a receiver that was down is not hit by everyone at once. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Webhooks out of a durable outbox: events found by their sources are queued in the database,
 * claimed with a lease (so several Slate processes share the work), POSTed with an HMAC signature,
 * retried with backoff, and every attempt lands in the delivery log.
 */
export class WebhookDispatcher {
  constructor(
    private readonly deps: {
      db: Db; hooks: WebhookStore; sources: WebhookSourceStore; secrets: SecretBox; logger: Logger;
      pushCertificateExpiry: () => { notAfter: Date; fingerprint: string } | null;
      fetch?: typeof fetch; now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Reads every source from its watermark to now and queues what it finds; returns how many deliveries were queued. */
  async collect(): Promise<number> {
    const { db, hooks, sources } = this.deps;
    const now = this.now();
    let queued = 0;
    const windowed: [string, (from: Date, to: Date) => Promise<WebhookEvent[]>][] = [
      ['commands', (f, t) => sources.commandEvents(db, f, t)],
      ['enrolments', (f, t) => sources.enrolments(db, f, t)],
      ['check-outs', (f, t) => sources.checkOuts(db, f, t)],
    ];
    for (const [name, read] of windowed) {
      const mark = await hooks.sourceMark(db, name);
      const from = new Date((mark?.getTime() ?? now.getTime() - FIRST_LOOK_BACK_MS + OVERLAP_MS) - OVERLAP_MS);
      for (const e of await read(from, now)) queued += await hooks.enqueue(db, e);
      await hooks.setSourceMark(db, name, now);
    }
    const soon = new Date(now.getTime() + 30 * 86_400_000);
    for (const e of await sources.expiringCertificates(db, now, soon)) queued += await hooks.enqueue(db, e);
    const push = this.deps.pushCertificateExpiry();
    if (push && push.notAfter < soon) {
      queued += await hooks.enqueue(db, {
        id: `push_certificate.expiring:${push.fingerprint}`, type: 'push_certificate.expiring', scopePath: null, at: now,
        data: { fingerprint: push.fingerprint, notAfter: push.notAfter.toISOString() },
      });
    }
    return queued;
  }

  /** Delivers what is due; returns how many attempts were made. */
  async deliver(limit = 50): Promise<number> {
    const items = await this.deps.hooks.claimDue(this.deps.db, this.now(), TIMEOUT_MS * 3, limit);
    await Promise.all(items.map((i) => this.attempt(i)));
    return items.length;
  }

  private async attempt(item: OutboxItem): Promise<void> {
    const started = this.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const secret = this.deps.secrets.open('api', item.secretSealed).toString('utf8');
      const res = await (this.deps.fetch ?? fetch)(item.url, {
        method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS), body: item.payload,
        headers: { 'content-type': 'application/json', 'user-agent': 'Slate-Webhooks/1', 'x-slate-event': item.event, 'x-slate-delivery': item.eventId, 'x-slate-signature': signWebhook(secret, item.payload, started) },
      });
      statusCode = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? 'timeout' : ((err as Error).message || 'error').slice(0, 200);
    }
    const attempt = item.attempts + 1;
    const outcome = error === null ? 'delivered' : attempt >= MAX_ATTEMPTS ? 'gave_up' : 'retry';
    const at = this.now();
    const nextAt = outcome === 'retry' ? new Date(at.getTime() + backoffMs(item.attempts)) : null;
    if (outcome === 'gave_up') this.deps.logger.warn({ webhookId: item.webhookId, eventId: item.eventId, error }, 'webhook delivery given up');
    await this.deps.db.transaction((tx) => this.deps.hooks.finish(tx, item, {
      webhookId: item.webhookId, eventId: item.eventId, event: item.event, attempt, statusCode, error, durationMs: Math.round(at.getTime() - started.getTime()), outcome, at,
    }, nextAt));
  }
}
