/**
 * What /metrics costs: `npm run bench -- metrics` (Postgres: TEST_DATABASE_URL=postgres://...).
 *  1. The poll path's share: one device request recorded (SlateMetrics.observeRequest), per call.
 *  2. A scrape at fleet scale: BENCH_DEVICES enrolled devices (100,000), BENCH_HISTORY commands
 *     finished over the last day (1,000,000, spread evenly), BENCH_PENDING pending commands
 *     (10,000). Measured: the database reading of a first scrape (snapshot + filling the 24-hour
 *     window), of a later one (snapshot + window deltas), and counting the whole day in one query
 *     (what the window avoids). Results go to docs/benchmarks.md (## Metrics).
 */
import { randomUUID } from 'node:crypto';
import { valuesList } from '../../src/db/database';
import { silentLogger } from '../../src/log/logger';
import { FleetGauges } from '../../src/metrics/fleet-gauges';
import { SlateMetrics } from '../../src/metrics/slate-metrics';
import { testDialect } from '../helpers/test-db';
import { createTestSlate, type TestSlate } from '../helpers/test-slate';
import { seedAppleDevices } from './load/seed';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 1_000_000);
const PENDING = Number(process.env.BENCH_PENDING ?? 10_000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function observeCost(): void {
  const m = new SlateMetrics();
  const start = process.hrtime.bigint();
  const perCall = (path: string, status: number) => {
    for (let i = 0; i < 200_000; i++) m.observeRequest(path, status, start);
    const n = 2_000_000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) m.observeRequest(path, status, start);
    return Number(process.hrtime.bigint() - t) / n;
  };
  const t = process.hrtime.bigint();
  for (let i = 0; i < 2_000_000; i++) process.hrtime.bigint();
  const clock = Number(process.hrtime.bigint() - t) / 2_000_000;
  console.log(`observeRequest, a device poll (/mdm/connect 200): ${perCall('/mdm/connect', 200).toFixed(0)} ns per request (of it one clock read: ${clock.toFixed(0)} ns)`);
  console.log(`observeRequest, not a device endpoint (/healthz): ${perCall('/healthz', 200).toFixed(0)} ns per request`);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}`);
  observeCost();
  const slate = await createTestSlate({}, { importOrg: true }, silentLogger());
  try {
    const unit = async (code: string) => (await slate.stores.org.getByCode(slate.db, code))!.id;
    const place = { schoolId: await unit('gs-bildstock'), gradeId: await unit('gs-bildstock-3') };
    let t = performance.now();
    const ids = await seedAppleDevices(slate.db, DEVICES, place);
    await seedDay(slate, ids, HISTORY);
    for (let off = 0; off < PENDING; off += 500) {
      const rows = Math.min(500, PENDING - off);
      const now = new Date();
      const params = Array.from({ length: rows }, (_, i) => [randomUUID(), ids[(off + i) % ids.length], i % 3 ? 'DeviceInformation' : 'DeviceLock', 0, 'queued', '<plist/>', false, now]).flat();
      await slate.db.run(`INSERT INTO command_queue (command_uuid, device_id, request_type, priority, status, body, body_sealed, enqueued_at) VALUES ${valuesList(rows, 8)}`, params);
    }
    await slate.db.maintenance('ANALYZE');
    console.log(`${testDialect}: seeded ${DEVICES} devices, ${HISTORY} commands finished today, ${PENDING} pending in ${Math.round((performance.now() - t) / 1000)} s`);

    // A first scrape (empty cache, empty window), then later ones (cache expired: deltas only).
    const gauges = gaugesWithoutCache(slate);
    t = performance.now();
    await gauges.render();
    const first = performance.now() - t;
    const later: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      t = performance.now();
      await gauges.render();
      later.push(performance.now() - t);
    }
    const parts: Record<string, number[]> = { pending: [], outbox: [], devices: [] };
    const queries = {
      pending: 'SELECT status, request_type, COUNT(*) AS n FROM command_queue GROUP BY status, request_type',
      outbox: 'SELECT COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM push_outbox',
      devices: 'SELECT platform, state, COUNT(*) AS n FROM devices GROUP BY platform, state',
    };
    for (let i = 0; i < 5; i++) {
      for (const [k, sql] of Object.entries(queries)) {
        t = performance.now();
        await slate.db.rows(sql);
        parts[k]!.push(performance.now() - t);
      }
    }
    const whole: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      await slate.db.rows('SELECT status, COUNT(*) AS n FROM command_history WHERE finished_at >= ? GROUP BY status', [new Date(Date.now() - 86_400_000)]);
      whole.push(performance.now() - t);
    }
    console.log(`${testDialect}: /metrics render, first scrape (snapshot + 24-hour window filled hour by hour): ${first.toFixed(0)} ms`);
    console.log(`${testDialect}: /metrics render, later scrapes (snapshot + window deltas): median ${median(later).toFixed(1)} ms (${later.map((x) => x.toFixed(1)).join(', ')})`);
    console.log(`${testDialect}: of it, median per query: ${Object.entries(parts).map(([k, xs]) => `${k} ${median(xs).toFixed(1)} ms`).join(', ')}`);
    console.log(`${testDialect}: [compare] the day counted in one query: median ${median(whole).toFixed(0)} ms (${whole.map((x) => x.toFixed(0)).join(', ')})`);
  } finally {
    await slate.dispose();
  }
}

/** Commands finished over the last 24 hours, evenly spread, as multi-row INSERTs. */
async function seedDay(slate: TestSlate, deviceIds: readonly string[], total: number): Promise<void> {
  const end = Date.now();
  for (let off = 0; off < total; off += 1000) {
    const rows = Math.min(1000, total - off);
    const params: unknown[] = [];
    for (let i = 0; i < rows; i++) {
      const n = off + i;
      const at = new Date(end - Math.floor((n / total) * 86_400_000));
      params.push(1_000_000_000 + n, randomUUID(), deviceIds[n % deviceIds.length], 'DeviceInformation', 0, n % 50 ? 'acknowledged' : 'error', 0, 1, at, at, at, 'Acknowledged');
    }
    await slate.db.run(
      `INSERT INTO command_history (id, command_uuid, device_id, request_type, priority, status, not_now_count, attempts, enqueued_at, sent_at, finished_at, result_status) VALUES ${valuesList(rows, 12)}`,
      params);
  }
}

/** FleetGauges on Slate's database without the scrape cache (ttl 0): every render reads. */
function gaugesWithoutCache(slate: TestSlate): SlateMetrics {
  const m = new SlateMetrics();
  new FleetGauges({
    registry: m.registry, db: slate.db, store: slate.stores.metrics, logger: silentLogger(), ttlMs: 0,
    apnsCertificate: () => null, caNotAfter: () => slate.services.pki.caSummary().notAfter,
  });
  return m;
}

void main();
