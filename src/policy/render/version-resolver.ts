import type { Catalog, CompiledApp } from '../catalog/compiled-catalog';
import type { OrgIndex, Placement } from '../org/org-index';
import { resolveVariable, type DeviceFacts, type SecretSource } from '../variables/variable-context';
import type { VariableLevel } from '../variables/variable-names';
import { deviceVersionUuid, unitDigest, versionUuid } from './profile-identity';

export type Version = { ok: true; uuid: string } | { ok: false; missing: string[] };

export interface VersionDeps {
  org: OrgIndex;
  secrets: SecretSource;
  /** HMAC key for versions (derive it from SECRET_KEY with policyHashKey; never the key itself). */
  hashKey: Buffer;
}

/**
 * The version each device should have of each entry. Versions that do not depend on the device
 * are computed once per (entry, unit at the entry's variable level) — an entry using school
 * variables once per school however many iPads it has — and each unit keeps a row of them by
 * entry index, so a device costs one lookup per entry. Only device-level entries (Classroom with
 * the serial number) cost one HMAC per device.
 */
export class VersionResolver {
  private readonly byLevel: Map<string, Version>[];
  private readonly rows = new Map<string, (Version | undefined)[]>();
  private readonly appCache = new Map<string, Map<string, Version>>();

  constructor(private readonly catalog: Catalog, private readonly deps: VersionDeps) {
    this.byLevel = catalog.entries.map(() => new Map());
  }

  /** Expected top-level PayloadUUID of an entry's profile for a device in `unitId`. */
  profile(entryIndex: number, unitId: string | null, device: DeviceFacts | undefined): Version {
    return this.profileIn(this.row(unitId), entryIndex, unitId, device);
  }

  /** The unit's row of versions; pass it to profileIn for every entry of one device. */
  row(unitId: string | null): (Version | undefined)[] {
    const key = unitId ?? '';
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = new Array(this.catalog.entries.length)));
    return row;
  }

  profileIn(row: (Version | undefined)[], entryIndex: number, unitId: string | null, device: DeviceFacts | undefined): Version {
    const hit = row[entryIndex];
    if (hit) return hit;
    const e = this.catalog.entries[entryIndex]!;
    const spec = e.profile;
    if (!spec) throw new Error(`entry ${e.entry.id} has no profile`);
    const placement = unitId === null ? {} : this.deps.org.placementOf(unitId);
    if (spec.level === 'device') return this.forDevice(this.byLevel[entryIndex]!, spec.variables, e.contentHash, placement, unitId, device);
    return (row[entryIndex] = this.shared(this.byLevel[entryIndex]!, spec.level, spec.variables, e.contentHash, placement, unitId));
  }

  /** Expected configuration version of an app; null when the app has no configuration. */
  appConfig(app: CompiledApp, unitId: string | null, device: DeviceFacts | undefined): Version | null {
    if (app.configHash === null) return null;
    const placement = unitId === null ? {} : this.deps.org.placementOf(unitId);
    let cache = this.appCache.get(app.configHash);
    if (!cache) this.appCache.set(app.configHash, (cache = new Map()));
    if (app.level === 'device') return this.forDevice(cache, app.variables, app.configHash, placement, unitId, device);
    return this.shared(cache, app.level, app.variables, app.configHash, placement, unitId);
  }

  private shared(cache: Map<string, Version>, level: VariableLevel, names: readonly string[], hash: string, placement: Placement, unitId: string | null): Version {
    const key = level === 'catalog' ? '' : (placement[level as Exclude<VariableLevel, 'catalog' | 'device'>]?.id ?? `@${unitId}`);
    let v = cache.get(key);
    if (!v) cache.set(key, (v = this.compute(names, hash, placement, undefined)));
    return v;
  }

  /**
   * Device-level versions: the keyed digest of the non-device values is cached per unit (it may
   * cover secrets); each device adds only its own values with a plain hash.
   */
  private forDevice(cache: Map<string, Version>, names: readonly string[], hash: string, placement: Placement, unitId: string | null, device: DeviceFacts | undefined): Version {
    const split = splitNames(names);
    const key = `u:${unitId}`;
    let unit = cache.get(key);
    if (!unit) {
      const b = bindValues(split.other, placement, undefined, this.deps.secrets);
      // Stored as a Version whose `uuid` is the unit digest (hex), under a key no UUID uses.
      cache.set(key, (unit = b.ok ? { ok: true, uuid: unitDigest(this.deps.hashKey, hash, b.ordered) } : b));
    }
    const own = bindValues(split.device, placement, device, this.deps.secrets);
    if (!unit.ok || !own.ok) return { ok: false, missing: [...(unit.ok ? [] : unit.missing), ...(own.ok ? [] : own.missing)] };
    return { ok: true, uuid: deviceVersionUuid(unit.uuid, own.ordered) };
  }

  private compute(names: readonly string[], hash: string, placement: Placement, device: DeviceFacts | undefined): Version {
    const b = bindValues(names, placement, device, this.deps.secrets);
    return b.ok ? { ok: true, uuid: versionUuid(this.deps.hashKey, hash, b.ordered) } : b;
  }

  /** The values behind a version, for rendering (planning needs only the UUID). */
  values(names: readonly string[], unitId: string | null, device: DeviceFacts | undefined): Binding {
    return bindValues(names, unitId === null ? {} : this.deps.org.placementOf(unitId), device, this.deps.secrets);
  }
}

const splits = new WeakMap<readonly string[], { device: string[]; other: string[] }>();

function splitNames(names: readonly string[]): { device: string[]; other: string[] } {
  let s = splits.get(names);
  if (!s) splits.set(names, (s = { device: names.filter((n) => n.startsWith('device.')), other: names.filter((n) => !n.startsWith('device.')) }));
  return s;
}

export type Binding = { ok: true; ordered: string[]; get(name: string): string } | { ok: false; missing: string[] };

/** Values of `names` (sorted) for a placement and device; lists what is missing instead of guessing. */
export function bindValues(names: readonly string[], placement: Placement, device: DeviceFacts | undefined, secrets: SecretSource): Binding {
  const ordered: string[] = [];
  let missing: string[] | undefined;
  for (const name of names) {
    const v = resolveVariable(name, placement, device, secrets);
    if (v === undefined) (missing ??= []).push(name);
    else ordered.push(v);
  }
  if (missing) return { ok: false, missing };
  return {
    ok: true,
    ordered,
    get: (name) => {
      const i = names.indexOf(name);
      if (i < 0) throw new Error(`variable ${name} was not bound`);
      return ordered[i]!;
    },
  };
}
