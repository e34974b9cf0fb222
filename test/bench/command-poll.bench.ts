/**
 * The Apple command endpoint under load, in one server process:
 *  1. round trips: N simulated iPads (each signing every request) work through queued commands
 *     (Acknowledged → next command) as fast as answers come: requests/s;
 *  2. latency at a paced 500 requests/s: p50/p95/p99;
 *  3. the next-command query with 0 and with 1,000,000 finished commands in the history;
 *  4. enqueuing a lock for 10,000 devices (validation, encoding, queue rows and push outbox).
 * The load generator runs in a worker thread so client signing does not share the server's loop.
 * `npm run bench -- command-poll` (TEST_DATABASE_URL=postgres://... for Postgres).
 * Knobs: BENCH_DEVICES (64), BENCH_SECONDS (10), BENCH_HISTORY (1000000), BENCH_BULK (10000),
 * BENCH_ONLY (comma list of closed,cycle,paced,history,bulk; all by default), BENCH_PROCESSES (1;
 * 2 on Postgres: a second `slate serve` on the same database takes every other device's polls),
 * BENCH_TRANSACTION_GUARD (false, production's default; true measures the guard's cost).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { silentLogger } from '../../src/log/logger';
import { startFakeApns } from '../helpers/fake-apns';
import { testDialect } from '../helpers/test-db';
import { createTestSlate, type TestSlate } from '../helpers/test-slate';
import { SimulatedIpad } from '../sim/ipad-simulator';
import type { PollDevice, PollJob, PollResult } from './load/poll-worker';
import { startSecondProcess, type SecondProcess } from './load/second-process';
import { seedAppleDevices, seedHistory } from './load/seed';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 1_000_000);
const BULK = Number(process.env.BENCH_BULK ?? 10_000);
const PUBLIC = 'https://mdm.bench.test';
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 1);
const GUARD = process.env.BENCH_TRANSACTION_GUARD === 'true';
process.env.TEST_DB_TRANSACTION_GUARD = String(GUARD);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'closed,cycle,paced,history,bulk').split(',').map((x) => x.trim()));

// Event-loop utilisation of the server thread during the last run: the load generator shares this
// machine's two cores, so requests/s divided by it shows what one server core sustains.
let elu: ReturnType<typeof performance.eventLoopUtilization>;
let lastElu = 1;
const capacity = (rps: number, requests: number) =>
  `server thread busy ${Math.round(lastElu * 100)}%; CPU per request ${(lastCpu.machine / requests).toFixed(2)} ms on the machine, ` +
  `${(lastCpu.node / requests).toFixed(2)} ms of it in this process (server + load generator; SQLite runs inside it), the rest in other processes (Postgres backends)`;

/** CPU time the whole machine spent busy, from /proc/stat (Linux), in ms. */
function machineCpuMs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0); // user nice system irq softirq steal
    return (busy * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}
let cpu0: { machine: number; node: NodeJS.CpuUsage };
let lastCpu = { machine: NaN, node: NaN };

/**
 * Empties the queue between runs. The bench's own bulk DELETE leaves thousands of dead rows at once;
 * reclaim them as the server's housekeeping does every 10 s (reclaim-command-queue in app.ts), so a
 * run does not start in the previous run's garbage.
 */
async function clearQueue(slate: TestSlate): Promise<void> {
  await slate.db.run('DELETE FROM command_queue');
  await slate.stores.commands.reclaim(slate.db);
}

function runWorker(job: PollJob): Promise<PollResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(join(__dirname, 'load', 'poll-worker.js'), { workerData: job });
    w.on('message', (m: PollResult | { ready: true }) => {
      if ('ready' in m) {
        profile.start();
        cpu0 = { machine: machineCpuMs(), node: process.cpuUsage() };
        elu = performance.eventLoopUtilization();
        w.postMessage('go');
        return;
      }
      lastElu = performance.eventLoopUtilization(elu).utilization;
      const n = process.cpuUsage(cpu0.node);
      lastCpu = { machine: machineCpuMs() - cpu0.machine, node: (n.user + n.system) / 1000 };
      void profile.stop().then(() => w.terminate()).then(() => resolve(m));
    });
    w.once('error', reject);
  });
}

/** BENCH_PROFILE=dir: CPU profile of the server thread during each measured run (not the set-up). */
const profile = (() => {
  const dir = process.env.BENCH_PROFILE;
  const session = dir ? new Session() : undefined;
  let n = 0;
  const post = (method: string, params?: object) => new Promise<unknown>((res, rej) => session!.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r))));
  return {
    start: () => {
      if (!session) return;
      session.connect();
      void post('Profiler.enable').then(() => post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_PROFILE_US ?? 1000) })).then(() => post('Profiler.start'));
    },
    stop: async () => {
      if (!session) return;
      const r = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(join(dir!, `server-${++n}.cpuprofile`), JSON.stringify(r.profile));
      session.disconnect();
    },
  };
})();

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function enrolDevices(slate: TestSlate, base: string): Promise<PollDevice[]> {
  // One link for every simulated iPad: more of them than a link's default number of uses.
  const link = await slate.services.enrollmentTokens.create({ schoolCode: 'gs-bildstock', gradeLevel: 3, createdBy: 'bench', maxUses: 0 });
  const out: PollDevice[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const ipad = new SimulatedIpad((u) => u.replace(PUBLIC, base));
    await ipad.enrol(link.url);
    const id = ipad.identityForBench();
    out.push({ udid: ipad.udid, keyPem: id.keyPem, certDer: id.certDer.toString('base64'), connectUrl: ipad.urls.connect });
  }
  return out;
}

/** Queues commands and tells each device which UUIDs it will get, in order (for presigning). */
async function queueCommands(slate: TestSlate, devices: PollDevice[], perDevice: number): Promise<PollDevice[]> {
  const ids = await Promise.all(devices.map(async (d) => (await slate.services.devices.require(d.udid)).id));
  const lock = slate.services.apple.protocol.buildCommand('DeviceLock', { Message: 'Benchmark' });
  for (let i = 0; i < perDevice; i++) await slate.services.apple.commands.enqueue(ids, lock, { createdBy: 'bench' });
  await slate.services.push.flush();
  const rows = await slate.db.rows<{ device_id: string; command_uuid: string }>('SELECT device_id, command_uuid FROM command_queue ORDER BY priority DESC, id ASC');
  return devices.map((d, i) => ({ ...d, commands: rows.filter((r) => r.device_id === ids[i]).map((r) => r.command_uuid) }));
}

/**
 * The next-command query for a device with nothing pending (the common poll): median of several
 * batches, so a checkpoint or autovacuum in the background does not decide the figure.
 */
async function nextQueryTiming(slate: TestSlate, deviceId: string, batches = 7, rounds = 500): Promise<number> {
  await slate.db.run('DELETE FROM command_queue WHERE device_id = ?', [deviceId]);
  const now = new Date();
  for (let i = 0; i < 200; i++) await slate.stores.commands.next(slate.db, deviceId, now, { skipNotNow: false }); // warm-up
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) await slate.stores.commands.next(slate.db, deviceId, now, { skipNotNow: false });
    per.push((performance.now() - t0) / rounds);
  }
  return per.sort((a, b) => a - b)[Math.floor(batches / 2)]!;
}

async function main(): Promise<void> {
  const apns = await startFakeApns();
  let handler: Parameters<typeof createServer>[1] = (_q, r) => r.end();
  const server = createServer({ keepAliveTimeout: 60_000 }, (q, r) => handler!(q, r));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const slate = await createTestSlate({ PUBLIC_URL: PUBLIC, APNS_URL: apns.url, APNS_CA_FILE: apns.caFile, APNS_RATE: '100000' }, { importOrg: true }, silentLogger());
  handler = slate.http;
  const line = (s: string) => console.log(`${testDialect}${PROCESSES > 1 ? `, ${PROCESSES} processes` : ''}${GUARD ? ', transaction guard' : ''}: ${s}`);
  let second: SecondProcess | undefined;
  // The server's queue housekeeping runs during the runs, as in production (app.ts housekeeping).
  const reclaim = setInterval(() => void slate.stores.commands.reclaim(slate.db).catch(() => undefined), 10_000);
  try {
    await slate.services.apnsCertificates.set({ data: Buffer.from(apns.pushCert.certPem + apns.pushCert.keyPem) });
    let t = performance.now();
    let devices = await enrolDevices(slate, base);
    line(`enrolled ${DEVICES} simulated iPads (profile, SCEP, Authenticate, TokenUpdate) in ${Math.round(performance.now() - t)} ms`);
    if (PROCESSES === 2) {
      second = await startSecondProcess(slate, { APNS_URL: apns.url, APNS_CA_FILE: apns.caFile, APNS_RATE: '100000', DATABASE_TRANSACTION_GUARD: String(GUARD) });
      // Every other device polls the second process, as a load balancer would spread them.
      devices = devices.map((d, i) => (i % 2 ? { ...d, connectUrl: d.connectUrl.replace(base, second!.url) } : d));
    }
    // Warm-up, not measured: Idle polls with nothing queued open the database pool's connections
    // and compile the hot paths. Without it the first 0.3 s of whichever run comes first (20 new
    // Postgres connections) decide its p99.
    await runWorker({ devices, mode: 'closed', durationMs: 2000 });

    // 1a. Every request answers a command and gets the next one (the heaviest request there is).
    if (ONLY.has('closed')) {
      const closed = await runWorker({ devices: await queueCommands(slate, devices, Math.ceil((2500 * SECONDS) / DEVICES)), mode: 'closed', durationMs: SECONDS * 1000 });
      const cs = [...closed.latenciesMs].sort((a, b) => a - b);
      const closedRps = closed.requests / (closed.elapsedMs / 1000);
      line(`round trips, ${DEVICES} devices as fast as answered: ${Math.round(closedRps)} requests/s, ${capacity(closedRps, closed.requests)} ` +
        `(${closed.commands} commands handed out, ${closed.errors} errors; p50 ${ms(pct(cs, 50))}, p99 ${ms(pct(cs, 99))}; requests presigned in ${Math.round(closed.presignMs / 1000)} s)`);
      await clearQueue(slate); // what a run left: start the next one clean
    }

    if (ONLY.has('cycle')) {
      const cycle = await runWorker({ devices: await queueCommands(slate, devices, Math.ceil((1500 * SECONDS) / DEVICES)), mode: 'closed', cycle: true, durationMs: SECONDS * 1000 });
      const ys = [...cycle.latenciesMs].sort((a, b) => a - b);
      const cycleRps = cycle.requests / (cycle.elapsedMs / 1000);
      line(`round trips Idle → command → Acknowledged → Idle …, as fast as answered: ${Math.round(cycleRps)} requests/s, ${capacity(cycleRps, cycle.requests)} ` +
        `(${cycle.commands} commands handed out, ${cycle.errors} errors; p50 ${ms(pct(ys, 50))}, p99 ${ms(pct(ys, 99))})`);
      await clearQueue(slate);
    }

    if (ONLY.has('paced')) {
      const open = await runWorker({ devices: await queueCommands(slate, devices, Math.ceil((300 * SECONDS) / DEVICES)), mode: 'open', rate: 500, durationMs: SECONDS * 1000 });
      const os = [...open.latenciesMs].sort((a, b) => a - b);
      line(`paced at 500 requests/s: ${Math.round(open.requests / (open.elapsedMs / 1000))} requests/s done, ${open.errors} errors; ` +
        `p50 ${ms(pct(os, 50))}, p95 ${ms(pct(os, 95))}, p99 ${ms(pct(os, 99))}, max ${ms(os[os.length - 1] ?? NaN)}`);
    }

    if (ONLY.has('history')) {
      const deviceIds = await Promise.all(devices.map(async (d) => (await slate.services.devices.require(d.udid)).id));
      const before = await nextQueryTiming(slate, deviceIds[0]!);
      const historyBefore = Number((await slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM command_history'))!.n);
      t = performance.now();
      await seedHistory(slate.db, deviceIds, HISTORY);
      const seeded = performance.now() - t;
      if (testDialect === 'postgres') {
        await slate.db.maintenance('ANALYZE command_history');
        await slate.db.maintenance('CHECKPOINT');
      }
      const after = await nextQueryTiming(slate, deviceIds[0]!);
      line(`next-command query: ${ms(before)} with ${historyBefore} finished commands, ${ms(after)} with ${historyBefore + HISTORY} (seeded in ${Math.round(seeded / 1000)} s)`);
      const again = await runWorker({ devices, mode: 'closed', durationMs: Math.min(5, SECONDS) * 1000 });
      const idleRps = again.requests / (again.elapsedMs / 1000);
      line(`round trips (Idle) with ${historyBefore + HISTORY} finished commands in the history: ${Math.round(idleRps)} requests/s, ${capacity(idleRps, again.requests)}`);
    }

    if (ONLY.has('bulk')) {
      const school = await slate.services.org.requireByCode('gs-bildstock');
      const grade = await slate.services.org.requireByCode('gs-bildstock-3');
      await seedAppleDevices(slate.db, BULK, { schoolId: school.id, gradeId: grade.id });
      const all = await slate.services.devices.list({ underCode: 'gs-bildstock', limit: 1_000_000 });
      t = performance.now();
      const r = await slate.services.apple.staff.send({ devices: all, requestType: 'DeviceLock', params: { Message: 'Bitte abgeben' }, by: 'bench', bulkTarget: 'school:gs-bildstock' });
      const took = performance.now() - t;
      line(`enqueue DeviceLock for ${r.commands.length} devices (one bulk job, push outbox in the same transaction): ${Math.round(took)} ms`);
    }
  } finally {
    await second?.stop();
    clearInterval(reclaim);
    await slate.dispose();
    await new Promise((r) => server.close(r));
    await apns.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
