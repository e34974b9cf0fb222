/**
 * The reconciler against a database: `npm run bench -- policy-reconcile` (SQLite), with
 * TEST_DATABASE_URL=postgres://... for Postgres. 100,000 enrolled iPads (BENCH_DEVICES) in the
 * synthetic tree of policy-plan (3,200 classes), catalog of 30 entries, every device converged
 * (its compact ProfileList, app list and managed apps as they are after the catalog was applied).
 * Measures, through PolicyService as `slate profiles ...` runs it:
 *  1. plan: validate the catalog, load every device's state in keyset pages, plan: < 5 s budget;
 *  2. apply with no change: nothing enqueued;
 *  3. apply of a new entry scoped to one grade of one school: commands only for that grade;
 *  4. one inventory report: the reconcile (compact list, items, plan, nothing to enqueue) in its
 *     own transaction, and the whole answer poll of a ProfileList: < 2 ms budget.
 * Results go to docs/benchmarks.md (## Policy reconciler).
 */
import { auditEventSink } from '../../src/audit/audit-events';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppleSchemas } from '../../src/apple/schema';
import { loadSecretKey } from '../../src/config';
import { valuesList } from '../../src/db/database';
import type { ManagedAppRecord } from '../../src/db/stores';
import { loadCatalog, OrgIndex, PolicyPlanner, policyHashKey, policyIdentifierPrefix, reverseDnsOfUrl, secretSourceFromEnv } from '../../src/policy';
import { createPolicy } from '../../src/reconciler/policy.factory';
import { testDialect } from '../helpers/test-db';
import { createTestSlate, type TestSlate } from '../helpers/test-slate';
import { catalogYaml, orgYaml } from './load/policy-fleet';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const REPORTS = Number(process.env.BENCH_REPORTS ?? 1000);
const PUBLIC = 'https://mdm.bench.test';

function secretsEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'slate-bench-secrets-'));
  writeFileSync(join(dir, 'wifi'), 'general');
  writeFileSync(join(dir, 'wifi-own'), 'own');
  return { POLICY_SECRET_WIFI_FILE: join(dir, 'wifi'), POLICY_SECRET_WIFI__S0_0_FILE: join(dir, 'wifi-own') };
}

/** BENCH_PROFILE=dir: a CPU profile of each measured step (not the set-up), named by its number. */
const PROFILE_DIR = process.env.BENCH_PROFILE;
let step = 0;
async function profiled<T>(fn: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return fn();
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((res, rej) => session.post(method, (err, r) => (err ? rej(err) : res(r))));
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const r = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(join(PROFILE_DIR, `policy-${++step}.cpuprofile`), JSON.stringify(r.profile));
    session.disconnect();
  }
}

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const fn = () => profiled(run);
  (global as { gc?: () => void }).gc?.();
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const out = await fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  console.log(`${label.padEnd(72)} ${ms.toFixed(0).padStart(6)} ms wall ${((used.user + used.system) / 1000).toFixed(0).padStart(6)} ms cpu (this process)`);
  return out;
}

interface Seeded {
  id: string;
  /** Identifier → version, as the device reports them. */
  profiles: [string, string][];
}

const PREFIX = policyIdentifierPrefix(reverseDnsOfUrl(PUBLIC));

/**
 * Devices placed round-robin in the classes, converged: their state is what the catalog makes of
 * them. Returns only every 97th device (the inventory-report sample): a server holds no fleet in
 * memory, and a bench that did would measure its own garbage collection.
 */
async function seed(slate: TestSlate, env: Record<string, string>): Promise<Seeded[]> {
  const units = await slate.services.org.list();
  const org = new OrgIndex(units);
  const classes = units.filter((u) => u.kind === 'class');
  const schoolCodes = units.filter((u) => u.kind === 'school').map((u) => u.code);
  const secrets = secretSourceFromEnv(env, (p) => readFileSync(p, 'utf8'), schoolCodes);
  const settings = { identifierPrefix: reverseDnsOfUrl(PUBLIC), organization: slate.config.policy.organization };
  const { catalog } = loadCatalog([{ path: 'catalog/bench.yaml', bytes: Buffer.from(catalogYaml()) }], { org, schemas: new AppleSchemas(), secrets, settings });
  const planner = new PolicyPlanner(catalog!, { org, secrets, hashKey: policyHashKey(loadSecretKey(slate.config)) });
  const now = new Date();
  const out: Seeded[] = [];
  for (let off = 0; off < DEVICES; off += 500) {
    const n = Math.min(500, DEVICES - off);
    const devices: unknown[] = [];
    const apple: unknown[] = [];
    const states: unknown[] = [];
    for (let i = off; i < off + n; i++) {
      const id = randomUUID();
      const udid = `BENCH-${randomBytes(12).toString('hex').toUpperCase()}`;
      const cls = classes[i % classes.length]!;
      const grade = org.byId(cls.parentId!)!;
      const plan = planner.planDevice({ device: { id, serialNumber: `B${i}` }, unitId: cls.id, profiles: [], apps: [], managedApps: [], pending: [], failures: [] }, now.getTime());
      const profiles: [string, string][] = [];
      const managed: ManagedAppRecord[] = [];
      for (const a of plan.actions) {
        if (a.kind === 'installProfile') profiles.push([a.identifier, a.version]);
        if (a.kind === 'installApp') managed.push([a.bundleId, a.adamId, a.configVersion]);
      }
      if (i % 97 === 0 && out.length < REPORTS) out.push({ id, profiles });
      devices.push(id, 'apple', udid, `B${i}`, 'enrolled', grade.parentId, grade.id, cls.id, now, now, now, now);
      apple.push(id, udid, randomBytes(32).toString('hex'), 'com.apple.mgmt.External.bench', randomUUID(), 'profile', false, now);
      states.push(id, JSON.stringify(Object.fromEntries(profiles.map(([k, v]) => [k.slice(PREFIX.length), v]))), '[]', managed.length ? JSON.stringify(managed) : null, now, now);
    }
    await slate.db.transaction(async (tx) => {
      await tx.run(`INSERT INTO devices (id, platform, udid, serial_number, state, school_id, grade_id, class_id, enrolled_at, last_seen_at, created_at, updated_at) VALUES ${valuesList(n, 12)}`, devices);
      await tx.run(`INSERT INTO apple_devices (device_id, udid, push_token, topic, push_magic, enrolled_via, awaiting_configuration, token_updated_at) VALUES ${valuesList(n, 8)}`, apple);
      await tx.run(`INSERT INTO device_policy_state (device_id, profiles, missing_apps, managed_apps, inventory_at, updated_at) VALUES ${valuesList(n, 6)}`, states);
    });
  }
  if (testDialect === 'postgres') await slate.db.maintenance('VACUUM ANALYZE');
  return out;
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2);
  return `mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2)} ms, p50 ${q(0.5)}, p99 ${q(0.99)}`;
}

async function main(): Promise<void> {
  const env = secretsEnv();
  const slate = await createTestSlate({ PUBLIC_URL: PUBLIC, ...env });
  try {
    console.log(`node ${process.version}; ${testDialect}; ${DEVICES} devices; catalog of 30 entries`);
    await slate.services.org.importText(orgYaml());
    const sources = [{ path: 'catalog/bench.yaml', bytes: Buffer.from(catalogYaml()) }];
    await timed('apply to an empty fleet (stores catalog version 1)', () => slate.services.policy.apply({ sources, by: 'bench' }));
    const seeded = await seed(slate, env);
    console.log(`seeded ${DEVICES} converged devices`);

    await timed('validate the catalog (30 entries, Apple schemas, 3,200 classes)', () => slate.services.policy.validate(sources));
    await timed('load every device\'s policy state (keyset pages of 5,000)', async () => {
      let n = 0;
      let afterId: string | undefined;
      for (;;) {
        const page = await slate.stores.policyDevices.load(slate.db, { afterId, limit: 5000 });
        n += page.length;
        if (page.length < 5000) return n;
        afterId = page[page.length - 1]!.id;
      }
    });
    const plan = await timed('slate profiles plan: validate + load + plan, converged fleet', () => slate.services.policy.plan({ sources }));
    console.log(`  → ${plan.devices.length} devices with actions (must be 0); ${plan.overall?.devices} planned`);
    const again = await timed('slate profiles apply, no change (second apply)', () => slate.services.policy.apply({ sources, by: 'bench' }));
    console.log(`  → ${again.enqueued} commands enqueued (must be 0)`);

    const grade = (await slate.services.org.requireByCode('s7-3-4')).id;
    const oneGrade = [...sources, { path: 'catalog/one-grade.yaml', bytes: Buffer.from('version: 1\nentries:\n  - id: notice-s7-3-4\n    name: Hinweis\n    scope: { include: { grades: [s7-3-4] } }\n    apple:\n      payloads:\n        - { PayloadType: com.apple.webcontent-filter, FilterType: BuiltIn, AutoFilterEnabled: true, PermittedURLs: [https://anton.app] }\n') }];
    const change = await timed('slate profiles apply: a new entry for one grade of one school', () => slate.services.policy.apply({ sources: oneGrade, by: 'bench' }));
    const inGrade = await slate.db.one<{ n: number | string }>(`SELECT COUNT(*) AS n FROM command_queue q JOIN devices d ON d.id = q.device_id WHERE d.grade_id = ?`, [grade]);
    const total = await slate.db.one<{ n: number | string }>(`SELECT COUNT(*) AS n FROM command_queue`);
    console.log(`  → ${change.enqueued} commands for ${change.devices} devices; ${Number(inGrade!.n)} of ${Number(total!.n)} queued commands are in grade s7-3-4`);

    // 4. One inventory report: a converged device reports its ProfileList.
    const policy = createPolicy({
      config: slate.config, db: slate.db, stores: slate.stores, audit: auditEventSink(slate.services.audit), schemas: new AppleSchemas(), secretKey: loadSecretKey(slate.config), signer: (b) => b,
      commands: slate.services.apple.commands, build: (t, p) => slate.services.apple.protocol.buildCommand(t, p),
      schoolIdsUnder: (c) => slate.services.org.schoolIdsUnder(c), resolveDevice: (x) => slate.services.devices.require(x), logger: slate.logger,
    });
    const sample = seeded;
    const body = (d: Seeded) => ({ ProfileList: [{ PayloadIdentifier: 'bench.enroll', PayloadUUID: 'E', IsManaged: true }, ...d.profiles.map(([PayloadIdentifier, PayloadUUID]) => ({ PayloadIdentifier, PayloadUUID, IsManaged: true }))] });
    await policy.contexts.current(slate.db); // a running server has its context
    const reconcile: number[] = [];
    let cpu = process.cpuUsage();
    for (const d of sample) {
      const t = process.hrtime.bigint();
      await slate.db.transaction((tx) => policy.events.inventoryReported(tx, d.id, 'ProfileList', body(d)));
      reconcile.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    let used = process.cpuUsage(cpu);
    console.log(`${'reconcile after one ProfileList (own transaction; nothing to enqueue)'.padEnd(72)} ${stats(reconcile)}; ${((used.user + used.system) / 1000 / REPORTS).toFixed(2)} ms cpu each (this process)`);

    const queued = await slate.services.apple.commands.enqueue(sample.map((d) => d.id), slate.services.apple.protocol.buildCommand('ProfileList', {}), { createdBy: 'bench' });
    const polls: number[] = [];
    cpu = process.cpuUsage();
    for (const c of queued.commands) {
      const d = sample.find((x) => x.id === c.deviceId)!;
      const report = { status: 'Acknowledged' as const, commandUuid: c.commandUuid, body: { Status: 'Acknowledged', CommandUUID: c.commandUuid, ...body(d) } };
      const t = process.hrtime.bigint();
      await slate.services.apple.commands.poll(c.deviceId, report, Buffer.alloc(0));
      polls.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    used = process.cpuUsage(cpu);
    console.log(`${'whole answer poll of a ProfileList (record, inventory, reconcile, next)'.padEnd(72)} ${stats(polls)}; ${((used.user + used.system) / 1000 / polls.length).toFixed(2)} ms cpu each (this process)`);
    const mem = process.memoryUsage();
    console.log(`rss ${(mem.rss / 1e6).toFixed(0)} MB, heapUsed ${(mem.heapUsed / 1e6).toFixed(0)} MB`);
  } finally {
    await slate.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
