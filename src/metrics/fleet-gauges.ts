import { Gauge, type Registry } from 'prom-client';
import type { PoolStats, Queryable } from '../db/database';
import { DEVICE_STATES, PLATFORMS } from '../db/entities';
import { FINAL_STATUSES, type FleetSnapshot, type MetricsStore } from '../db/stores';
import type { Logger } from '../log/logger';
import { FinishedWindow } from './finished-window';

const DAY_MS = 86_400_000;

/**
 * Shares one load among its callers: while a load runs every caller gets it, and its result is
 * reused until `ttlMs` after it finished. A scrape storm (several Prometheus servers, a dashboard
 * refreshing) then costs the database one set of queries per TTL, and a slow database never has
 * two loads running at once.
 */
export class SharedLoad<T> {
  private inFlight: Promise<T> | undefined;
  private last: { at: number; result: Promise<T> } | undefined;

  constructor(private readonly load: () => Promise<T>, private readonly ttlMs: number, private readonly clock: () => number = Date.now) {}

  get(): Promise<T> {
    if (this.inFlight) return this.inFlight;
    if (this.last && this.clock() - this.last.at < this.ttlMs) return this.last.result;
    const result = this.load();
    this.inFlight = result;
    const settled = () => {
      this.inFlight = undefined;
      this.last = { at: this.clock(), result };
    };
    result.then(settled, settled);
    return result;
  }
}

interface Reading {
  /** Undefined when the queries failed: the gauges keep their last values and slate_metrics_db_up says 0. */
  snapshot: (FleetSnapshot & { finished: ReadonlyMap<string, number> }) | undefined;
  at: Date;
  seconds: number;
}

export interface FleetGaugesDeps {
  registry: Registry;
  db: Queryable & { stats(): PoolStats };
  store: MetricsStore;
  /** The push certificate in use (cached by its service), or null. */
  apnsCertificate(): { topic: string; notAfter: Date } | null;
  caNotAfter(): Date;
  logger: Logger;
  /** How long one database reading serves scrapes. */
  ttlMs: number;
  now?: () => number;
}

/**
 * The gauges computed when Prometheus scrapes: fleet and queue state from the database (one
 * cached reading, see SharedLoad), certificate expiry and the connection pool from memory.
 *
 * The database gauges describe the whole fleet, so every Slate process on one database reports
 * the same values: aggregate them with max, not sum (README: Metrics).
 */
export class FleetGauges {
  private readonly reading: SharedLoad<Reading>;
  private readonly finished: FinishedWindow;

  constructor(private readonly deps: FleetGaugesDeps) {
    const clock = deps.now ?? Date.now;
    this.finished = new FinishedWindow((from, to) => deps.store.finishedBetween(deps.db, from, to));
    this.reading = new SharedLoad(() => this.read(), deps.ttlMs, clock);
    const registers = [deps.registry];
    const fromDb = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>, s: NonNullable<Reading['snapshot']>, at: Date) => void) => {
      const reading = this.reading;
      new Gauge<L>({
        name, help, labelNames, registers,
        async collect() {
          const r = await reading.get();
          if (!r.snapshot) return;
          this.reset();
          fill(this, r.snapshot, r.at);
        },
      });
    };

    fromDb('slate_commands_pending', 'Commands waiting in the queue, by status (queued, sent, not_now) and RequestType.', ['status', 'request_type'], (g, s) => {
      for (const c of s.pendingCommands) g.set({ status: c.status, request_type: c.requestType }, c.count);
    });
    fromDb('slate_commands_finished_24h', 'Commands finished in the last 24 hours, by final status.', ['status'], (g, s) => {
      for (const status of FINAL_STATUSES) g.set({ status }, 0);
      for (const [status, n] of s.finished) g.set({ status }, n);
    });
    fromDb('slate_push_outbox_depth', 'Devices waiting in the push outbox (due, leased or in backoff).', [], (g, s) => g.set(s.outbox.depth));
    fromDb('slate_push_outbox_oldest_due_seconds', 'How long the longest-waiting due outbox row has been due (0: none due).', [], (g, s, at) => {
      g.set(s.outbox.oldestDueAt ? Math.max(0, (at.getTime() - s.outbox.oldestDueAt.getTime()) / 1000) : 0);
    });
    fromDb('slate_devices', 'Devices by platform and lifecycle state.', ['platform', 'state'], (g, s) => {
      for (const platform of PLATFORMS) for (const state of DEVICE_STATES) g.set({ platform, state }, 0);
      for (const d of s.devices) g.set({ platform: d.platform, state: d.state }, d.count);
    });

    const reading = this.reading;
    new Gauge({
      name: 'slate_metrics_db_up', help: 'Whether the last database reading for these metrics succeeded (0: database gauges are stale).', registers,
      async collect() {
        this.set((await reading.get()).snapshot ? 1 : 0);
      },
    });
    new Gauge({
      name: 'slate_metrics_db_read_seconds', help: 'How long the last database reading for these metrics took.', registers,
      async collect() {
        this.set((await reading.get()).seconds);
      },
    });

    const days = (notAfter: Date) => (notAfter.getTime() - clock()) / DAY_MS;
    new Gauge({
      name: 'slate_apns_certificate_expiry_days', help: 'Days until the APNs push certificate expires (negative: expired); absent without one.',
      labelNames: ['topic'], registers,
      collect() {
        this.reset();
        const cert = deps.apnsCertificate();
        if (cert) this.set({ topic: cert.topic }, days(cert.notAfter));
      },
    });
    new Gauge({
      name: 'slate_ca_certificate_expiry_days', help: 'Days until the device CA certificate expires (negative: expired).', registers,
      collect() {
        this.set(days(deps.caNotAfter()));
      },
    });

    const pool = (name: string, help: string, pick: (s: PoolStats) => number) => new Gauge({
      name, help, registers,
      collect() {
        this.set(pick(deps.db.stats()));
      },
    });
    pool('slate_db_pool_connections', 'Open database connections of this process (SQLite: 1).', (s) => s.total);
    pool('slate_db_pool_idle', 'Open database connections no work is using.', (s) => s.idle);
    pool('slate_db_pool_waiting', 'Queries or transactions waiting for a connection (SQLite: queued behind the running one).', (s) => s.waiting);
  }

  private async read(): Promise<Reading> {
    const at = new Date((this.deps.now ?? Date.now)());
    const started = performance.now();
    try {
      const snapshot = await this.deps.store.snapshot(this.deps.db, at);
      const finished = await this.finished.update(at);
      return { snapshot: { ...snapshot, finished }, at, seconds: (performance.now() - started) / 1000 };
    } catch (err) {
      this.deps.logger.warn({ err }, 'metrics: cannot read fleet state from the database');
      return { snapshot: undefined, at, seconds: (performance.now() - started) / 1000 };
    }
  }
}
