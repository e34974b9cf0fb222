import type { Db, Tx } from '../../db/database';
import type { AppleDeviceStore, OutboxClaim, PushOutboxEntry, PushOutboxStore, PushTarget } from '../../db/stores';
import type { Logger } from '../../log/logger';
import type { PushWaker } from '../command.service';
import type { ApnsClient, PushCredentials } from './apns-client';
import { backoffMs, type ApnsOutcome } from './apns-response';
import { RateLimiter } from './rate-limiter';

export interface PushServiceDeps {
  db: Db;
  outbox: PushOutboxStore;
  appleDevices: Pick<AppleDeviceStore, 'pushTargets' | 'markTokenInvalid'>;
  certificates: { credentials(): PushCredentials | null; refresh(): Promise<unknown> };
  client: ApnsClient;
  /** Records on the command queue that these devices were woken (timeline: "pushed"). */
  onPushed: (deviceIds: readonly string[], at: Date) => Promise<void>;
  logger: Logger;
  /** Pushes per second at most (APNS_RATE). */
  rate: number;
  /** apns-expiration = now + this (APNS_PUSH_TTL). */
  pushTtlMs: number;
  /** Background round interval (APNS_POLL_INTERVAL). */
  pollIntervalMs: number;
  /** Told each batch's outcomes (metrics). */
  onResults?: (r: PushResults) => void;
  /** Whether this process runs the current background round (one process per interval across the cluster). */
  claimRound?: () => Promise<boolean>;
  batchSize?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  now?: () => Date;
}

/** What became of one batch of claimed outbox rows: each row counts once. */
export interface PushResults {
  delivered: number;
  tokenInvalid: number;
  retry: number;
  dropped: number;
  /** Nothing to send: no token yet, token invalid, checked out, or another topic. */
  skipped: number;
  /** Held back because APNs refused the push certificate (retried after a pause). */
  certRejected: number;
  /** Not sent on purpose: the development push topic (development-push.ts). */
  withheld: number;
}

interface RoundTally {
  delivered: number;
  withheld: number;
  tokenInvalid: number;
  retry: number;
  dropped: number;
  skipped: number;
  certRejected: string | null;
}

/**
 * The push dispatcher. `wake` writes outbox rows in the caller's transaction (so queue and outbox
 * agree) and, once that commits, drains the outbox: claim due rows, resolve push targets, send at
 * most APNS_RATE pushes per second, delete what went out. A background round every
 * APNS_POLL_INTERVAL sends what is left: retries in backoff, rows of a process that crashed
 * between commit and send, rows written by other processes.
 */
export class PushService implements PushWaker {
  private readonly limiter: RateLimiter;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private warnedNoCertificate = false;

  constructor(private readonly deps: PushServiceDeps) {
    this.limiter = new RateLimiter(deps.rate);
    this.batchSize = deps.batchSize ?? 500;
    // A claim must outlive the slowest batch, or another dispatcher would push the same rows again.
    this.leaseMs = 60_000 + Math.ceil((this.batchSize / deps.rate) * 2000);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async wake(tx: Tx, deviceIds: readonly string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    await this.deps.outbox.add(tx, deviceIds, this.now());
    // Not before the commit: the dispatcher must see the rows, and push nothing for a rollback.
    tx.afterCommit(() => this.kick());
  }

  /** Starts draining now unless a drain is running (then it runs once more after). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.drain();
      } while (this.again && !this.stopped);
    })()
      .catch((err) => this.deps.logger.error({ err }, 'push dispatcher round failed'))
      .finally(() => (this.running = undefined));
  }

  /** Drains the outbox now and waits for it (the CLI before exiting; tests). */
  async flush(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      if (this.ticking || this.stopped) return;
      this.ticking = this.deps.certificates.refresh()
        .catch((err) => this.deps.logger.error({ err }, 'cannot load the APNs push certificate'))
        .then(() => this.deps.claimRound?.() ?? true)
        .then((mine) => {
          if (mine) this.kick();
        })
        .catch((err) => this.deps.logger.error({ err }, 'push dispatcher round failed'))
        .finally(() => (this.ticking = undefined));
    };
    this.timer = setInterval(tick, this.deps.pollIntervalMs);
    this.timer.unref();
    setImmediate(tick);
  }

  /** Stops the background round, waits for pushes in flight, closes the APNs sessions. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    while (this.running) await this.running;
    await this.deps.client.close();
  }

  private async drain(): Promise<void> {
    const creds = this.deps.certificates.credentials();
    if (!creds) {
      if (!this.warnedNoCertificate && (await this.deps.outbox.count(this.deps.db)) > 0) {
        this.warnedNoCertificate = true;
        this.deps.logger.warn('devices are waiting for a push, but no APNs push certificate is configured (slate apns set-cert); they stay queued');
      }
      return;
    }
    this.warnedNoCertificate = false;
    while (!this.stopped) {
      const now = this.now();
      const batch = await this.deps.outbox.claimDue(this.deps.db, now, this.batchSize, new Date(now.getTime() + this.leaseMs));
      if (batch.length === 0) return;
      const tally = await this.sendBatch(batch, creds);
      this.report(tally, creds);
      const { delivered, tokenInvalid, retry, dropped, skipped, withheld } = tally;
      // settle() counts every outcome except a refused certificate, which is all that remains.
      const certRejected = batch.length - delivered - tokenInvalid - retry - dropped - skipped - withheld;
      this.deps.onResults?.({ delivered, tokenInvalid, retry, dropped, skipped, certRejected, withheld });
      if (tally.certRejected || batch.length < this.batchSize) return;
    }
  }

  private async sendBatch(batch: PushOutboxEntry[], creds: PushCredentials): Promise<RoundTally> {
    const tally: RoundTally = { delivered: 0, withheld: 0, tokenInvalid: 0, retry: 0, dropped: 0, skipped: 0, certRejected: null };
    const targets = new Map((await this.deps.appleDevices.pushTargets(this.deps.db, batch.map((e) => e.deviceId))).map((t) => [t.deviceId, t]));
    const finished: OutboxClaim[] = [];
    const delivered: string[] = [];
    const sends: Promise<void>[] = [];
    const expiresAt = new Date(this.now().getTime() + this.deps.pushTtlMs);
    for (const entry of batch) {
      const target = targets.get(entry.deviceId);
      // No token yet, token invalid, checked out, or enrolled under another topic: nothing to send.
      if (!target || target.topic !== creds.topic) {
        tally.skipped++;
        finished.push(entry);
        continue;
      }
      sends.push((async () => {
        await this.limiter.take();
        const outcome = await this.deps.client.send(creds, { token: target.token, pushMagic: target.pushMagic, expiresAt });
        await this.settle(entry, target, outcome, tally, finished, delivered);
      })());
    }
    await Promise.all(sends);
    await this.deps.outbox.complete(this.deps.db, finished);
    if (delivered.length) await this.deps.onPushed(delivered, this.now());
    return tally;
  }

  private async settle(entry: PushOutboxEntry, target: PushTarget, outcome: ApnsOutcome, tally: RoundTally, finished: OutboxClaim[], delivered: string[]): Promise<void> {
    const now = this.now();
    switch (outcome.kind) {
      case 'delivered':
        tally.delivered++;
        finished.push(entry);
        delivered.push(entry.deviceId);
        return;
      case 'withheld':
        // Not "pushed" on the timeline: the device learns of the command only when it polls.
        tally.withheld++;
        finished.push(entry);
        return;
      case 'token_invalid':
        tally.tokenInvalid++;
        await this.deps.appleDevices.markTokenInvalid(this.deps.db, entry.deviceId, now, target.token);
        finished.push(entry);
        return;
      case 'dropped':
        tally.dropped++;
        this.deps.logger.warn({ deviceId: entry.deviceId, status: outcome.status, reason: outcome.reason }, 'APNs refused a push; not retried');
        finished.push(entry);
        return;
      case 'cert_rejected':
      case 'retry': {
        const wait = backoffMs(entry.attempts, this.deps.retryBaseMs ?? 5000, this.deps.retryCapMs ?? 15 * 60_000);
        if (outcome.kind === 'cert_rejected') tally.certRejected = `${outcome.status} ${outcome.reason}`;
        else tally.retry++;
        // A refused certificate will not heal in seconds: wait at least a minute.
        const delay = outcome.kind === 'cert_rejected' ? Math.max(wait, 60_000) : wait;
        await this.deps.outbox.retry(this.deps.db, entry.deviceId, new Date(now.getTime() + delay), `${outcome.status ?? 'network'} ${outcome.reason}`);
        return;
      }
    }
  }

  private report(t: RoundTally, creds: PushCredentials): void {
    if (t.certRejected) {
      this.deps.logger.error({ topic: creds.topic, answer: t.certRejected },
        'APNs refused the push certificate: check it is the current one for this topic and APNS_URL (production vs sandbox); pushes stay queued');
    }
    if (t.withheld) this.deps.logger.info({ topic: creds.topic, withheld: t.withheld }, 'development push topic: pushes not sent; devices see their commands when they poll');
    if (t.delivered + t.tokenInvalid + t.retry + t.dropped + t.skipped === 0) return;
    this.deps.logger.info({ delivered: t.delivered, tokenInvalid: t.tokenInvalid, retry: t.retry, dropped: t.dropped, skipped: t.skipped }, 'APNs pushes sent');
  }
}
