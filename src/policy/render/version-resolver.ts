import type { Catalog, CompiledApp } from '../catalog/compiled-catalog';
import type { OrgIndex, Placement } from '../org/org-index';
import { resolveVariable, type DeviceFacts, type SecretSource } from '../variables/variable-context';
import type { VariableLevel } from '../variables/variable-names';
import { bindingDigest, versionUuid } from './profile-identity';

export type Binding = { ok: true; values: ReadonlyMap<string, string>; digest: string } | { ok: false; missing: string[] };

/** Values of `names` for a placement and device; lists what is missing instead of guessing. */
export function bind(names: readonly string[], placement: Placement, device: DeviceFacts | undefined, secrets: SecretSource, key: Buffer): Binding {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const name of names) {
    const v = resolveVariable(name, placement, device, secrets);
    if (v === undefined) missing.push(name);
    else values.set(name, v);
  }
  return missing.length ? { ok: false, missing } : { ok: true, values, digest: bindingDigest(key, values) };
}

export type Version = { ok: true; uuid: string; values: ReadonlyMap<string, string> } | { ok: false; missing: string[] };

export interface VersionDeps {
  org: OrgIndex;
  secrets: SecretSource;
  /** HMAC key for binding digests (derive it from SECRET_KEY; never the key itself). */
  hashKey: Buffer;
}

/**
 * The version each device should have of each entry, computed once per (entry, unit at the
 * entry's variable level): an entry using school variables is computed once per school however
 * many devices the school has; only device-level entries cost a digest per device.
 */
export class VersionResolver {
  private readonly profileCache: Map<string, Version>[];
  private readonly appCache = new Map<string, Map<string, Version>>();

  constructor(private readonly catalog: Catalog, private readonly deps: VersionDeps) {
    this.profileCache = catalog.entries.map(() => new Map());
  }

  /** Expected top-level PayloadUUID of an entry's profile for a device in `unitId`. */
  profile(entryIndex: number, unitId: string | null, device: DeviceFacts | undefined): Version {
    const e = this.catalog.entries[entryIndex]!;
    const spec = e.profile;
    if (!spec) throw new Error(`entry ${e.entry.id} has no profile`);
    return this.cached(this.profileCache[entryIndex]!, spec.level, spec.variables, e.contentHash, unitId, device);
  }

  /** Expected configuration version of an app; null when the app has no configuration. */
  appConfig(app: CompiledApp, unitId: string | null, device: DeviceFacts | undefined): Version | null {
    if (app.configHash === null) return null;
    let cache = this.appCache.get(app.configHash);
    if (!cache) this.appCache.set(app.configHash, (cache = new Map()));
    return this.cached(cache, app.level, app.variables, app.configHash, unitId, device);
  }

  private cached(cache: Map<string, Version>, level: VariableLevel, names: readonly string[], hash: string, unitId: string | null, device: DeviceFacts | undefined): Version {
    const placement = unitId === null ? {} : this.deps.org.placementOf(unitId);
    if (level === 'device') return this.compute(names, hash, placement, device);
    const key = level === 'catalog' ? '' : (placement[level]?.id ?? `@${unitId}`);
    let v = cache.get(key);
    if (!v) cache.set(key, (v = this.compute(names, hash, placement, undefined)));
    return v;
  }

  private compute(names: readonly string[], hash: string, placement: Placement, device: DeviceFacts | undefined): Version {
    const b = bind(names, placement, device, this.deps.secrets, this.deps.hashKey);
    return b.ok ? { ok: true, uuid: versionUuid(hash, b.digest), values: b.values } : b;
  }
}
