/**
 * Pure policy planner at fleet scale: `npm run bench -- policy-plan`. 100,000 synthetic iPads in
 * a synthetic tree (40 municipalities × 10 schools × grades 3/4 × 4 classes), a catalog of 30
 * entries (Wi-Fi with per-school secrets, restrictions, passcode, web filter, a device-level
 * Classroom payload per grade, a school-level lock-screen message, app sets with configuration).
 * Measures: planning the whole fleet (fresh, mixed, converged), and one device after an inventory
 * report. No database: the 5 s budget includes loading state from SQLite/Postgres, which
 * the reconciler wiring will measure. Results go to docs/benchmarks.md (## Policy planner).
 */
import { AppleSchemas } from '../../src/apple/schema';
import { loadCatalog, OrgIndex, PolicyPlanner, policyHashKey, secretSource, type DevicePlan, type DeviceState, type FleetPlan } from '../../src/policy';
import { catalogYaml, tree } from './load/policy-fleet';

const DEVICES = 100_000;
const NOW = Date.parse('2026-12-01T08:00:00Z');

function applyPlan(state: DeviceState, plan: DevicePlan): DeviceState {
  const profiles = [...(state.profiles ?? [])];
  const apps = [...(state.apps ?? [])];
  const managed = [...state.managedApps];
  for (const a of plan.actions) {
    if (a.kind === 'installProfile') profiles.push({ identifier: a.identifier, uuid: a.version, isManaged: true });
    if (a.kind === 'installApp') {
      apps.push({ identifier: a.bundleId });
      managed.push({ bundleId: a.bundleId, configVersion: a.configVersion });
    }
  }
  return { ...state, profiles, apps, managedApps: managed };
}

/** Wall and CPU time: on a shared machine CPU time is the steadier figure. */
function time<T>(label: string, fn: () => T): T {
  (global as { gc?: () => void }).gc?.();
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const out = fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  console.log(`${label.padEnd(64)} ${ms.toFixed(0).padStart(6)} ms wall ${((used.user + used.system) / 1000).toFixed(0).padStart(6)} ms cpu`);
  return out;
}

function main(): void {
  const org = new OrgIndex(tree());
  const leaves = [...org.units()].filter((u) => u.kind === 'class');
  const settings = { identifierPrefix: 'de.example.mdm', organization: '{{municipality.name}}' };
  const secrets = secretSource({ WIFI: 'general' }, { 's0-0': { WIFI: 'own' } });
  const loaded = time('load + validate catalog (30 entries)', () => loadCatalog([{ path: 'catalog/bench.yaml', bytes: Buffer.from(catalogYaml()) }], { org, schemas: new AppleSchemas(), secrets, settings }));
  if (!loaded.catalog) throw new Error(loaded.report.errors.map((p) => `${p.line} ${p.key} ${p.message}`).join('\n'));
  const enrolment = { identifier: 'de.example.mdm.enroll', uuid: 'E', isManaged: true };
  const fresh: DeviceState[] = Array.from({ length: DEVICES }, (_, i) => ({
    device: { id: `d${i}`, serialNumber: `SER${i}`, supervised: true },
    unitId: leaves[i % leaves.length]!.id,
    profiles: [enrolment],
    apps: [],
    managedApps: [],
    pending: [],
    failures: [],
  }));
  const hashKey = policyHashKey(Buffer.alloc(32, 1));
  const planner = () => new PolicyPlanner(loaded.catalog!, { org, secrets, hashKey });
  console.log(`node ${process.version}; ${DEVICES} devices in ${leaves.length} classes; ${loaded.catalog.entries.length} entries`);

  let first: FleetPlan | null = time('planFleet, fresh fleet (every device needs its set), cold caches', () => planner().planFleet(fresh, NOW));
  console.log(`  → ${first.devices.length} devices with actions; ${first.overall.installProfile} profile installs, ${first.overall.installApp} app installs`);
  const converged = fresh.map((s, i) => applyPlan(s, first!.devices[i]!));
  first = null; // a server enqueues and forgets; keeping 2 million actions alive would only load the GC
  const warm = planner();
  const again = time('planFleet, converged fleet (second apply), cold caches', () => warm.planFleet(converged, NOW));
  console.log(`  → ${again.devices.length} devices with actions (must be 0)`);
  time('planFleet, converged fleet, warm caches', () => warm.planFleet(converged, NOW));
  const mixed = converged.map((s, i) => (i % 10 === 0 ? fresh[i]! : i % 5 === 1 ? { ...s, profiles: s.profiles!.slice(0, -2) } : s));
  const m = time('planFleet, mixed fleet (10% new, 20% missing two profiles)', () => planner().planFleet(mixed, NOW));
  console.log(`  → ${m.devices.length} devices with actions`);

  const one = planner();
  one.planFleet(converged.slice(0, 2000), NOW); // warm the per-unit caches as a running server has them
  const n = 20_000;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) one.planDevice(converged[i * 5]!, NOW);
  const us = Number(process.hrtime.bigint() - start) / 1e3 / n;
  const used = process.cpuUsage(cpu);
  console.log(`${'planDevice after one inventory report (per device, warm)'.padEnd(64)} ${us.toFixed(1).padStart(6)} µs wall ${((used.user + used.system) / n).toFixed(1).padStart(6)} µs cpu`);
  const mem = process.memoryUsage();
  console.log(`rss ${(mem.rss / 1e6).toFixed(0)} MB, heapUsed ${(mem.heapUsed / 1e6).toFixed(0)} MB`);
}

main();
