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
import { loadCatalog, OrgIndex, PolicyPlanner, policyHashKey, secretSource, type DevicePlan, type DeviceState, type FleetPlan, type OrgUnit } from '../../src/policy';

const MUNICIPALITIES = 40;
const SCHOOLS = 10;
const CLASSES = ['a', 'b', 'c', 'd'];
const DEVICES = 100_000;
const NOW = Date.parse('2026-12-01T08:00:00Z');

function tree(): OrgUnit[] {
  const units: OrgUnit[] = [{ id: 'a', code: 'a', kind: 'authority', name: 'Land', parentId: null, gradeLevel: null }];
  for (let m = 0; m < MUNICIPALITIES; m++) {
    units.push({ id: `m${m}`, code: `m${m}`, kind: 'municipality', name: `Gemeinde ${m}`, parentId: 'a', gradeLevel: null });
    for (let s = 0; s < SCHOOLS; s++) {
      const school = `s${m}-${s}`;
      units.push({ id: school, code: school, kind: 'school', name: `Grundschule ${m}/${s}`, parentId: `m${m}`, gradeLevel: null });
      for (const level of [3, 4]) {
        units.push({ id: `${school}-${level}`, code: `${school}-${level}`, kind: 'grade', name: `Klassenstufe ${level}`, parentId: school, gradeLevel: level });
        for (const c of CLASSES) units.push({ id: `${school}-${level}${c}`, code: `${school}-${level}${c}`, kind: 'class', name: `Klasse ${level}${c}`, parentId: `${school}-${level}`, gradeLevel: level });
      }
    }
  }
  return units;
}

function catalogYaml(): string {
  const e: string[] = [];
  const munis = (from: number, n: number) => `[${Array.from({ length: n }, (_, i) => `m${(from + i) % MUNICIPALITIES}`).join(', ')}]`;
  for (let i = 0; i < 10; i++) {
    e.push(`  - id: wifi-${i}\n    name: WLAN {{school.name}}\n    scope: { include: { municipalities: ${munis(i * 4, 8)} } }\n    apple:\n      payloads:\n        - { PayloadType: com.apple.wifi.managed, SSID_STR: Netz-${i}, EncryptionType: WPA2, AutoJoin: true, Password: "{{secret.WIFI}}" }`);
  }
  for (let i = 0; i < 8; i++) {
    const scope = i % 2 ? `{ include: { gradeLevels: [${3 + (i % 2)}] }, exclude: { municipalities: ${munis(i, 3)} } }` : `{ include: { all: true }, exclude: { schools: [s${i}-1] } }`;
    e.push(`  - id: restrictions-${i}\n    name: Einschränkungen ${i}\n    scope: ${scope}\n    apple:\n      supervisedOnly: true\n      payloads:\n        - { PayloadType: com.apple.applicationaccess, allowAppRemoval: false, allowUIAppInstallation: false, ratingApps: ${100 + i} }`);
  }
  for (let i = 0; i < 4; i++) {
    e.push(`  - id: passcode-${i}\n    name: Code\n    scope: { include: { municipalities: ${munis(i * 10, 10)} } }\n    apple:\n      payloads:\n        - { PayloadType: com.apple.mobiledevice.passwordpolicy, forcePIN: true, minLength: ${4 + i} }`);
  }
  e.push(`  - id: web-filter\n    name: Webfilter\n    scope: { include: { gradeLevels: [3, 4] } }\n    apple:\n      payloads:\n        - { PayloadType: com.apple.webcontent-filter, FilterType: BuiltIn, AutoFilterEnabled: true, PermittedURLs: [https://anton.app] }`);
  for (const level of [3, 4]) {
    e.push(`  - id: classroom-${level}\n    name: Classroom\n    scope: { include: { gradeLevels: [${level}] } }\n    apple:\n      payloads:\n        - { PayloadType: com.apple.education, OrganizationUUID: "{{school.uuid}}", OrganizationName: "{{school.name}}", UserIdentifier: "{{device.serial}}", Users: [{ Identifier: "{{device.serial}}", Name: "iPad" }], Groups: [{ BeaconID: ${level}, Name: "{{grade.name}}", MemberIdentifiers: ["{{device.serial}}"] }] }`);
  }
  e.push(`  - id: lock-screen\n    name: Sperrbildschirm\n    scope: { include: { all: true } }\n    apple:\n      supervisedOnly: true\n      payloads:\n        - { PayloadType: com.apple.shareddeviceconfiguration, LockScreenFootnote: "Eigentum der {{municipality.name}} – {{school.name}}" }`);
  for (let i = 0; i < 4; i++) {
    const apps = Array.from({ length: 5 }, (_, j) => `        - { adamId: ${1000 + i * 10 + j}, bundleId: de.example.app${i}x${j}${j === 0 ? ', configuration: { school: "{{school.code}}" }' : ''} }`).join('\n');
    e.push(`  - id: apps-${i}\n    name: Apps ${i}\n    scope: { include: { gradeLevels: [${3 + (i % 2)}] } }\n    apps:\n      appStore:\n${apps}`);
  }
  return `version: 1\nentries:\n${e.join('\n')}\n`;
}

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
