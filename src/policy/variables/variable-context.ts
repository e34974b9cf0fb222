import { uuidV5 } from '../render/canonical';
import type { Placement } from '../org/org-index';
import { secretNameOf } from './variable-names';

/** What a device contributes to variables and to planning (from DeviceRow and inventory). */
export interface DeviceFacts {
  id: string;
  serialNumber?: string | null;
  assetTag?: string | null;
  udid?: string | null;
  /** DeviceInformation IsSupervised; undefined while unknown. */
  supervised?: boolean | null;
}

/**
 * Secrets for `{{secret.NAME}}`: read from configuration, never from git. A school may have its
 * own value (its own Wi-Fi password); otherwise the general one applies.
 */
export interface SecretSource {
  has(name: string): boolean;
  get(name: string, schoolCode: string | null): string | undefined;
}

export function secretSource(general: Readonly<Record<string, string>>, perSchool: Readonly<Record<string, Readonly<Record<string, string>>>> = {}): SecretSource {
  const names = new Set([...Object.keys(general), ...Object.values(perSchool).flatMap((m) => Object.keys(m))]);
  return {
    has: (name) => names.has(name),
    get: (name, schoolCode) => (schoolCode !== null ? perSchool[schoolCode]?.[name] : undefined) ?? general[name],
  };
}

const SECRET_ENV = /^POLICY_SECRET_([A-Z][A-Z0-9_]*?)(?:__([A-Z0-9_]+))?_FILE$/;

/**
 * Secrets from the environment, `*_FILE` only (Docker/Kubernetes secrets), so a value never sits
 * in the environment or in git: `POLICY_SECRET_SCHOOL_WIFI_PASSWORD_FILE` is the general value,
 * `POLICY_SECRET_SCHOOL_WIFI_PASSWORD__GS_HOLZ_FILE` the one for school `gs-holz` (code upper-cased,
 * `-` and `.` as `_`). `schoolCodes` maps those spellings back to codes.
 */
export function secretSourceFromEnv(env: Readonly<Record<string, string | undefined>>, readFile: (path: string) => string, schoolCodes: Iterable<string>): SecretSource {
  const bySpelling = new Map([...schoolCodes].map((c) => [c.toUpperCase().replace(/[-.]/g, '_'), c]));
  const general: Record<string, string> = {};
  const perSchool: Record<string, Record<string, string>> = {};
  for (const [key, path] of Object.entries(env)) {
    const m = SECRET_ENV.exec(key);
    if (!m || !path) continue;
    const value = readFile(path).replace(/\r?\n$/, '');
    if (m[2] === undefined) general[m[1]!] = value;
    else {
      const school = bySpelling.get(m[2]);
      if (school === undefined) throw new Error(`${key}: no school with code spelled ${m[2]}`);
      (perSchool[school] ??= {})[m[1]!] = value;
    }
  }
  return secretSource(general, perSchool);
}

/** Deterministic per school code (one SHA-1, about a microsecond): no cache needed, none kept. */
function schoolUuid(code: string): string {
  return uuidV5(`school:${code}`);
}

/**
 * The value of one variable for a placement and (for device variables) a device; undefined when
 * the placement or device lacks it (a device without asset tag, a school without the secret).
 */
export function resolveVariable(name: string, placement: Placement, device: DeviceFacts | undefined, secrets: SecretSource): string | undefined {
  const secret = secretNameOf(name);
  if (secret !== undefined) return secrets.get(secret, placement.school?.code ?? null);
  const { municipality: m, school: s, grade: g, class: c } = placement;
  switch (name) {
    case 'municipality.code': return m?.code;
    case 'municipality.name': return m?.name;
    case 'school.code': return s?.code;
    case 'school.name': return s?.name;
    case 'school.uuid': return s ? schoolUuid(s.code) : undefined;
    case 'grade.code': return g?.code;
    case 'grade.name': return g?.name;
    case 'grade.level': return g?.gradeLevel != null ? String(g.gradeLevel) : undefined;
    case 'class.code': return c?.code;
    case 'class.name': return c?.name;
    case 'device.serial': return device?.serialNumber ?? undefined;
    case 'device.assetTag': return device?.assetTag ?? undefined;
    case 'device.udid': return device?.udid ?? undefined;
    default: return undefined;
  }
}
