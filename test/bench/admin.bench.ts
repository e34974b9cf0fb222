/**
 * The admin API under the sizes of issue #13, through its real HTTP stack (token auth, scope,
 * validation, response schema) on a local server:
 *  1. device search over BENCH_DEVICES (100,000) devices in BENCH_SCHOOLS (200) schools: filter by
 *     school and last contact, first page: p50/p95/p99 of sequential requests, as a school's IT
 *     (scoped token) and as the authority; plus a serial-number search over the whole fleet;
 *  2. a bulk lock of BENCH_BULK (10,000) devices: time until the job id is returned;
 *  3. the progress endpoint of that job while it runs (all commands pending, then half answered).
 * `npm run bench -- admin` (TEST_DATABASE_URL=postgres://... for Postgres).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { valuesList } from '../../src/db/database';
import { silentLogger } from '../../src/log/logger';
import { testDialect } from '../helpers/test-db';
import { createTestSlate, type TestSlate } from '../helpers/test-slate';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const SCHOOLS = Number(process.env.BENCH_SCHOOLS ?? 200);
const BULK = Number(process.env.BENCH_BULK ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const DAY = 86_400_000;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const f = (n: number) => n.toFixed(2);

/** An authority with SCHOOLS schools (grades 3 and 4) in 20 municipalities, as the org file format has it. */
function orgYaml(): string {
  const lines = ['version: 1', 'units:', '  - { code: land, kind: authority, name: Land }'];
  for (let m = 0; m < 20; m++) lines.push(`  - { code: m${m}, kind: municipality, name: M${m}, parent: land }`);
  for (let s = 0; s < SCHOOLS; s++) {
    lines.push(`  - { code: s${s}, kind: school, name: S${s}, parent: m${s % 20} }`);
    for (const g of [3, 4]) lines.push(`  - { code: s${s}-${g}, kind: grade, name: G${g}, parent: s${s}, level: ${g} }`);
  }
  return lines.join('\n');
}

async function seed(slate: TestSlate, n: number, schools: { school: string; grade: string }[], extra = 0): Promise<void> {
  const now = Date.now();
  for (let off = 0; off < n; off += 500) {
    const rows = Math.min(500, n - off);
    const params: unknown[] = [];
    for (let i = 0; i < rows; i++) {
      const at = schools[(off + i) % schools.length]!;
      // Last contact spread over 60 days: about half the fleet was not seen in the last 30.
      const seen = new Date(now - Math.floor(Math.random() * 60 * DAY));
      params.push(randomUUID(), 'apple', `BENCH-${randomBytes(12).toString('hex').toUpperCase()}`, `B${extra}X${off + i}`, `iPad ${off + i}`, 'enrolled',
        at.school, at.grade, seen, seen, seen, seen);
    }
    await slate.db.run(`INSERT INTO devices (id, platform, udid, serial_number, name, state, school_id, grade_id, enrolled_at, last_seen_at, created_at, updated_at) VALUES ${valuesList(rows, 12)}`, params);
  }
  if (testDialect === 'postgres') await slate.db.maintenance('ANALYZE devices');
}

async function timed(base: string, token: string, path: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

function report(what: string, ms: number[]): void {
  console.log(`${testDialect}: ${what}: p50 ${f(pct(ms, 50))} ms, p95 ${f(pct(ms, 95))} ms, p99 ${f(pct(ms, 99))} ms (${ms.length} requests)`);
}

async function main(): Promise<void> {
  const slate = await createTestSlate({ ORG_IMPORT_ON_START: 'false' }, {}, silentLogger());
  const server: Server = createServer(slate.http);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await slate.services.org.importText(orgYaml());
    const units = new Map((await slate.services.org.list()).map((u) => [u.code, u.id]));
    const places = Array.from({ length: SCHOOLS }, (_, s) => ({ school: units.get(`s${s}`)!, grade: units.get(`s${s}-${3 + (s % 2)}`)! }));
    const t0 = performance.now();
    await seed(slate, DEVICES, places);
    console.log(`${testDialect}: seeded ${DEVICES} devices in ${SCHOOLS} schools in ${Math.round(performance.now() - t0)} ms`);

    const admin = (await slate.services.admin.tokens.create(null, { name: 'bench', role: 'authority_admin', ttlMs: DAY })).token;
    const schoolIt = (await slate.services.admin.tokens.create(null, { name: 'bench-s7', role: 'school_it', scope: 's7', ttlMs: DAY })).token;
    const since = new Date(Date.now() - 30 * DAY).toISOString();
    const search = `/api/v1/devices?school=s7&lastSeenBefore=${since}&limit=50`;
    await timed(base, admin, search, 50); // warm-up
    report(`device search, school + last seen, first page of 50, school IT token`, await timed(base, schoolIt, search, REQUESTS));
    report(`device search, school + last seen, first page of 50, authority token`, await timed(base, admin, search, REQUESTS));
    report(`device search, municipality (${SCHOOLS / 20} schools) + last seen, first page`, await timed(base, admin, `/api/v1/devices?municipality=m3&lastSeenBefore=${since}&limit=50`, REQUESTS));
    report(`device search by serial over all ${DEVICES}`, await timed(base, admin, `/api/v1/devices?q=B0X${Math.floor(DEVICES / 2)}`, REQUESTS));

    // Bulk: one school of BULK devices.
    await slate.services.org.importText(`version: 1\nunits:\n  - { code: big, kind: school, name: Big, parent: m0 }\n  - { code: big-3, kind: grade, name: G3, parent: big, level: 3 }`);
    const big = { school: (await slate.services.org.requireByCode('big')).id, grade: (await slate.services.org.requireByCode('big-3')).id };
    await seed(slate, BULK, [big], 1);
    const b0 = performance.now();
    const res = await fetch(`${base}/api/v1/bulk-jobs`, {
      method: 'POST', headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ action: 'lock', unit: 'big' }),
    });
    const job = (await res.json()) as { id: string; total: number };
    const took = performance.now() - b0;
    if (res.status !== 202 || job.total !== BULK) throw new Error(`bulk: HTTP ${res.status} ${JSON.stringify(job)}`);
    console.log(`${testDialect}: bulk lock of ${BULK} devices: job id returned after ${Math.round(took)} ms`);
    report(`bulk progress endpoint, ${BULK} commands pending`, await timed(base, admin, `/api/v1/bulk-jobs/${job.id}`, REQUESTS));
    report(`bulk progress count (the query behind the 1 s cache), ${BULK} pending`, await counted(slate, job.id));
    await answerHalf(slate, job.id);
    report(`bulk progress endpoint, half answered`, await timed(base, admin, `/api/v1/bulk-jobs/${job.id}`, REQUESTS));
    report(`bulk progress count, half answered`, await counted(slate, job.id));
  } finally {
    await new Promise((r) => server.close(r));
    await slate.dispose();
  }
}

/** The uncached count: what one progress request costs when the cached one is older than a second. */
async function counted(slate: TestSlate, jobId: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < Math.min(REQUESTS, 200); i++) {
    const t0 = performance.now();
    await slate.stores.commands.bulkProgress(slate.db, jobId);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

/** Moves half of the job's commands to the history as acknowledged, as devices answering would. */
async function answerHalf(slate: TestSlate, jobId: string): Promise<void> {
  const now = new Date();
  await slate.db.transaction(async (tx) => {
    const half = `SELECT id FROM command_queue WHERE bulk_job_id = ? ORDER BY id LIMIT ${Math.floor(BULK / 2)}`;
    await tx.run(`INSERT INTO command_history (id, command_uuid, device_id, request_type, priority, status, params, not_now_count, attempts, bulk_job_id, created_by,
        enqueued_at, pushed_at, sent_at, expires_at, finished_at, result_status)
      SELECT id, command_uuid, device_id, request_type, priority, 'acknowledged', params, not_now_count, attempts, bulk_job_id, created_by,
        enqueued_at, pushed_at, sent_at, expires_at, ?, 'Acknowledged' FROM command_queue WHERE id IN (${half})`, [now, jobId]);
    await tx.run(`DELETE FROM command_queue WHERE id IN (SELECT id FROM command_history WHERE bulk_job_id = ?)`, [jobId]);
  });
  if (testDialect === 'postgres') await slate.db.maintenance('VACUUM ANALYZE command_queue');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
