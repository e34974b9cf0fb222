import type { Catalog, CompiledApp } from '../catalog/compiled-catalog';
import { entryIdOfIdentifier } from '../render/profile-identity';
import type { VersionResolver } from '../render/version-resolver';
import type { ScopeMatcher } from '../scope/scope-matcher';
import type { ActionKind, DeviceState, PolicyFailure, ReportedProfile } from './device-state';

/**
 * What one desired or installed item of a device is, compared with the catalog:
 * - installed / configured: the device reports exactly the expected version;
 * - pending: the very command that would fix it is enqueued and not yet confirmed;
 * - failed: the device refused it and the backoff has not run out (`failure`);
 * - missing / outdated / unconfigured / extra: needs a command (install, update, configure, remove);
 * - unresolved: a variable has no value for this device (no asset tag, secret not configured);
 * - needs_supervision: a supervised-only entry on an iPad reporting IsSupervised false.
 */
export type ItemState = 'installed' | 'pending' | 'failed' | 'missing' | 'outdated' | 'unconfigured' | 'extra' | 'unresolved' | 'needs_supervision';

export interface ItemOutcome {
  item: 'profile' | 'app';
  /** Entry the item belongs to; null for an installed Slate item whose entry left the catalog. */
  entryId: string | null;
  /** Profile identifier or bundle id. */
  target: string;
  state: ItemState;
  /** The command that fixes it, for missing/outdated/unconfigured/extra. */
  action?: ActionKind;
  expected?: string | null;
  reported?: string | null;
  app?: CompiledApp;
  failure?: PolicyFailure;
  missing?: readonly string[];
}

export interface EvaluatorParts {
  catalog: Catalog;
  matcher: ScopeMatcher;
  versions: VersionResolver;
}

/**
 * Compares one device's desired state (entries its unit matches) with what it reported, calling
 * `visit` once per item. O(entries of the unit + items reported); allocates one small index of
 * the reported profiles and nothing per catalog entry. Released apps (Slate-managed, gone from
 * the device and out of scope) go to `released`.
 */
export function evaluateDevice(parts: EvaluatorParts, state: DeviceState, now: number, visit: (o: ItemOutcome) => void, released?: (bundleId: string) => void): void {
  const { catalog, matcher, versions } = parts;
  const entries = matcher.entriesFor(state.unitId);
  const reported = indexProfiles(state.profiles);
  const unsupervised = state.device.supervised === false;
  const desired = new Set<number>();

  for (const idx of entries) {
    const e = catalog.entries[idx]!;
    const spec = e.profile;
    if (!spec) continue;
    const id = e.entry.id;
    if (unsupervised && e.entry.apple!.supervisedOnly) {
      visit({ item: 'profile', entryId: id, target: spec.identifier, state: 'needs_supervision' });
      continue;
    }
    desired.add(idx);
    const v = versions.profile(idx, state.unitId, state.device);
    if (!v.ok) {
      visit({ item: 'profile', entryId: id, target: spec.identifier, state: 'unresolved', missing: v.missing });
      continue;
    }
    const r = reported?.get(spec.identifier);
    const have = r?.uuid?.toUpperCase() ?? null;
    if (have === v.uuid) {
      visit({ item: 'profile', entryId: id, target: spec.identifier, state: 'installed', expected: v.uuid, reported: have });
      continue;
    }
    const gate = gateOf(state, 'installProfile', spec.identifier, v.uuid, now);
    visit({ item: 'profile', entryId: id, target: spec.identifier, state: gate?.state ?? (r ? 'outdated' : 'missing'), action: gate ? undefined : 'installProfile', expected: v.uuid, reported: have, failure: gate?.failure });
  }

  for (const r of state.profiles ?? []) {
    const entryId = entryIdOfIdentifier(catalog.policyPrefix, r.identifier);
    // Only what Slate's policy installed: never the enrolment profile or a user's own profiles.
    if (entryId === undefined || r.isManaged === false) continue;
    const e = catalog.byId.get(entryId);
    if (e && desired.has(e.index)) continue;
    const gate = gateOf(state, 'removeProfile', r.identifier, null, now);
    visit({ item: 'profile', entryId: e ? entryId : null, target: r.identifier, state: gate?.state ?? 'extra', action: gate ? undefined : 'removeProfile', reported: r.uuid ?? null, failure: gate?.failure });
  }

  evaluateApps(parts, state, entries, now, visit, released);
}

function evaluateApps(parts: EvaluatorParts, state: DeviceState, entries: readonly number[], now: number, visit: (o: ItemOutcome) => void, released?: (bundleId: string) => void): void {
  const { catalog, versions } = parts;
  const onDevice = state.apps ? new Set(state.apps.map((a) => a.identifier)) : null;
  const managed = new Map(state.managedApps.map((m) => [m.bundleId, m]));
  const wanted = new Set<string>();
  for (const idx of entries) {
    const e = catalog.entries[idx]!;
    for (const app of e.apps) {
      if (wanted.has(app.bundleId)) continue;
      wanted.add(app.bundleId);
      const id = e.entry.id;
      const cfg = versions.appConfig(app, state.unitId, state.device);
      if (cfg && !cfg.ok) {
        visit({ item: 'app', entryId: id, target: app.bundleId, state: 'unresolved', missing: cfg.missing, app });
        continue;
      }
      const expected = cfg ? cfg.uuid : null;
      const m = managed.get(app.bundleId);
      const present = onDevice === null ? m !== undefined : onDevice.has(app.bundleId);
      if (!m || !present) {
        // Present but not installed by Slate (the pupil got it elsewhere): installing takes it over.
        const gate = gateOf(state, 'installApp', app.bundleId, expected, now);
        visit({ item: 'app', entryId: id, target: app.bundleId, state: gate?.state ?? 'missing', action: gate ? undefined : 'installApp', expected, app, failure: gate?.failure });
      } else if (expected !== null && (m.configVersion ?? null) !== expected) {
        const gate = gateOf(state, 'configureApp', app.bundleId, expected, now);
        visit({ item: 'app', entryId: id, target: app.bundleId, state: gate?.state ?? 'unconfigured', action: gate ? undefined : 'configureApp', expected, reported: m.configVersion ?? null, app, failure: gate?.failure });
      } else {
        visit({ item: 'app', entryId: id, target: app.bundleId, state: 'installed', expected, reported: m.configVersion ?? null, app });
      }
    }
  }
  for (const m of state.managedApps) {
    if (wanted.has(m.bundleId)) continue;
    if (onDevice !== null && !onDevice.has(m.bundleId)) {
      released?.(m.bundleId);
      continue;
    }
    const gate = gateOf(state, 'removeApp', m.bundleId, null, now);
    visit({ item: 'app', entryId: null, target: m.bundleId, state: gate?.state ?? 'extra', action: gate ? undefined : 'removeApp', failure: gate?.failure });
  }
}

/** Whether a needed command is already pending, or held back after a refusal. */
function gateOf(state: DeviceState, kind: ActionKind, target: string, version: string | null, now: number): { state: 'pending' | 'failed'; failure?: PolicyFailure } | undefined {
  for (const p of state.pending) if (p.kind === kind && p.target === target && (p.version ?? null) === version) return { state: 'pending' };
  for (const f of state.failures) {
    if (f.kind === kind && f.target === target && (f.version ?? null) === version && f.retryAt > now) return { state: 'failed', failure: f };
  }
  return undefined;
}

/** Small lists are scanned; an index pays off only for devices with many profiles. */
function indexProfiles(list: readonly ReportedProfile[] | null): { get(id: string): ReportedProfile | undefined } | null {
  if (list === null) return null;
  if (list.length <= 16) return { get: (id) => list.find((p) => p.identifier === id) };
  const map = new Map(list.map((p) => [p.identifier, p]));
  return map;
}
