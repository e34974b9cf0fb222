import { Registry } from 'prom-client';
import type { PoolStats, Queryable } from '../../../src/db/database';
import type { FleetSnapshot, MetricsStore } from '../../../src/db/stores';
import { silentLogger } from '../../../src/log/logger';
import { FleetGauges, SharedLoad } from '../../../src/metrics/fleet-gauges';
import { parsePrometheusText, samplesOf, valueOf } from '../../helpers/prometheus-text';

const T0 = Date.parse('2026-12-01T08:00:00.000Z');

describe('SharedLoad', () => {
  it('loads once per TTL, counted from when the load finished', async () => {
    let now = T0;
    let loads = 0;
    const cache = new SharedLoad(async () => ++loads, 5000, () => now);
    expect(await cache.get()).toBe(1);
    now += 4999;
    expect(await cache.get()).toBe(1);
    now += 1;
    expect(await cache.get()).toBe(2);
    expect(loads).toBe(2);
  });

  it('gives every caller during a load the same load, however long it takes', async () => {
    let now = T0;
    let finish!: (n: number) => void;
    let loads = 0;
    const cache = new SharedLoad(() => (loads++, new Promise<number>((r) => (finish = r))), 5000, () => now);
    const first = cache.get();
    now += 60_000; // a database far slower than the TTL
    const second = cache.get();
    finish(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(loads).toBe(1);
    expect(await cache.get()).toBe(7);
  });
});

const snapshot = (over: Partial<FleetSnapshot> = {}): FleetSnapshot => ({
  pendingCommands: [{ status: 'queued', requestType: 'DeviceLock', count: 3 }, { status: 'sent', requestType: 'DeviceLock', count: 1 }],
  outbox: { depth: 4, oldestDueAt: new Date(T0 - 90_000) },
  devices: [{ platform: 'apple', state: 'enrolled', count: 2 }],
  ...over,
});

function setup() {
  let now = T0;
  const reads: Date[] = [];
  let next: () => Promise<FleetSnapshot> = async () => snapshot();
  // Ten acknowledged an hour ago, one error two days ago (outside the window).
  const history = [...Array.from({ length: 10 }, () => ({ status: 'acknowledged', at: T0 - 3_600_000 })), { status: 'error', at: T0 - 2 * 86_400_000 }];
  const store: MetricsStore = {
    snapshot: (_q, at) => {
      reads.push(at);
      return next();
    },
    finishedBetween: async (_q, from, to) => {
      const counts = new Map<string, number>();
      for (const h of history) if (h.at >= from.getTime() && h.at < to.getTime()) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
      return [...counts].map(([status, count]) => ({ status, count }));
    },
  };
  const registry = new Registry();
  const stats: PoolStats = { total: 10, idle: 7, waiting: 2 };
  let apns: { topic: string; notAfter: Date } | null = { topic: 'com.apple.mgmt.External.x', notAfter: new Date(T0 + 30 * 86_400_000) };
  new FleetGauges({
    registry, db: { stats: () => stats } as unknown as Queryable & { stats(): PoolStats }, store, logger: silentLogger(), ttlMs: 5000, now: () => now,
    apnsCertificate: () => apns, caNotAfter: () => new Date(T0 - 43_200_000),
  });
  return {
    reads,
    scrape: async () => parsePrometheusText(await registry.metrics()),
    advance: (ms: number) => (now += ms),
    failNext: () => (next = () => Promise.reject(new Error('connection refused'))),
    succeedNext: (s: FleetSnapshot) => (next = async () => s),
    dropApns: () => (apns = null),
  };
}

describe('FleetGauges', () => {
  it('turns one database reading into the gauges, zero-filling known statuses and states', async () => {
    const g = setup();
    const m = await g.scrape();
    expect(g.reads).toEqual([new Date(T0)]);
    expect(samplesOf(m, 'slate_commands_pending').map((s) => [s.labels.status, s.labels.request_type, s.value])).toEqual([['queued', 'DeviceLock', 3], ['sent', 'DeviceLock', 1]]);
    expect(samplesOf(m, 'slate_commands_finished_24h').map((s) => [s.labels.status, s.value])).toEqual([
      ['acknowledged', 10], ['error', 0], ['command_format_error', 0], ['cancelled', 0], ['expired', 0],
    ]);
    expect(valueOf(m, 'slate_push_outbox_depth')).toBe(4);
    expect(valueOf(m, 'slate_push_outbox_oldest_due_seconds')).toBe(90);
    expect(samplesOf(m, 'slate_devices')).toHaveLength(10);
    expect(valueOf(m, 'slate_devices', { platform: 'apple', state: 'enrolled' })).toBe(2);
    expect(valueOf(m, 'slate_devices', { platform: 'android', state: 'enrolled' })).toBe(0);
    expect(valueOf(m, 'slate_apns_certificate_expiry_days', { topic: 'com.apple.mgmt.External.x' })).toBe(30);
    expect(valueOf(m, 'slate_ca_certificate_expiry_days')).toBe(-0.5);
    expect([valueOf(m, 'slate_db_pool_connections'), valueOf(m, 'slate_db_pool_idle'), valueOf(m, 'slate_db_pool_waiting')]).toEqual([10, 7, 2]);
    expect(valueOf(m, 'slate_metrics_db_up')).toBe(1);
  });

  it('queries the database once for scrapes within the TTL, concurrent ones included, and again after it', async () => {
    const g = setup();
    await Promise.all([g.scrape(), g.scrape(), g.scrape()]);
    g.advance(4000);
    await g.scrape();
    expect(g.reads).toHaveLength(1);
    g.advance(1000);
    await g.scrape();
    expect(g.reads).toHaveLength(2);
  });

  it('drops series that are gone (a drained RequestType, a removed push certificate)', async () => {
    const g = setup();
    await g.scrape();
    g.succeedNext(snapshot({ pendingCommands: [] }));
    g.dropApns();
    g.advance(5000);
    const m = await g.scrape();
    expect(samplesOf(m, 'slate_commands_pending')).toEqual([]);
    expect(samplesOf(m, 'slate_apns_certificate_expiry_days')).toEqual([]);
  });

  it('when the database cannot be read: says so, keeps the last values, and does not retry within the TTL', async () => {
    const g = setup();
    await g.scrape();
    g.failNext();
    g.advance(5000);
    const m = await g.scrape();
    expect(valueOf(m, 'slate_metrics_db_up')).toBe(0);
    expect(valueOf(m, 'slate_push_outbox_depth')).toBe(4);
    expect(valueOf(m, 'slate_db_pool_waiting')).toBe(2);
    await g.scrape();
    expect(g.reads).toHaveLength(2);
    g.succeedNext(snapshot({ outbox: { depth: 0, oldestDueAt: null } }));
    g.advance(5000);
    const back = await g.scrape();
    expect(valueOf(back, 'slate_metrics_db_up')).toBe(1);
    expect(valueOf(back, 'slate_push_outbox_depth')).toBe(0);
    expect(valueOf(back, 'slate_push_outbox_oldest_due_seconds')).toBe(0);
  });
});
