/**
 * The synthetic fleet of the policy benchmarks (policy-plan, policy-reconcile): 40 municipalities ×
 * 10 schools × grades 3/4 × 4 classes (3,200 classes) and a catalog of 30 entries.
 */
import type { OrgUnit } from '../../../src/policy';

export const MUNICIPALITIES = 40;
export const SCHOOLS = 10;
export const CLASSES = ['a', 'b', 'c', 'd'];

export function tree(): OrgUnit[] {
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

export function catalogYaml(): string {
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

/** The same tree as an organisation file (`slate org import`). */
export function orgYaml(): string {
  const lines = ['version: 1', 'authority:', '  code: a', '  name: Land', '  municipalities:'];
  for (let m = 0; m < MUNICIPALITIES; m++) {
    lines.push(`    - code: m${m}`, `      name: Gemeinde ${m}`, '      schools:');
    for (let s = 0; s < SCHOOLS; s++) {
      const grades = [3, 4].map((l) => `{ level: ${l}, classes: [${CLASSES.map((c) => `${l}${c}`).join(', ')}] }`).join(', ');
      lines.push(`        - { code: s${m}-${s}, name: Grundschule ${m}/${s}, grades: [${grades}] }`);
    }
  }
  return `${lines.join('\n')}\n`;
}
