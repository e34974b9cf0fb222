import type { Catalog, CompiledApp } from '../catalog/compiled-catalog';
import { entryIdOfIdentifier } from '../render/profile-identity';
import type { VersionResolver } from '../render/version-resolver';
import type { ScopeMatcher } from '../scope/scope-matcher';
import type { ActionKind, DeviceState, PolicyFailure } from './device-state';

/**
 * What one desired or installed item of a device is, compared with the catalog:
 * - installed: the device reports exactly the expected version (and configuration);
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

export type Visit = (o: ItemOutcome) => void;

/**
 * Compares one device's desired state (the entries its unit matches) with what it reported.
 * Runs once per device for a whole fleet, so it allocates nothing per catalog entry or reported
 * item: reported profiles and apps are marked in scratch arrays indexed by entry/app slot and
 * stamped with a per-device epoch (no clearing between devices), and items that are as they
 * should be are visited only when `withInstalled` asks for them (status, not planning).
 * One evaluator per planner; not re-entrant (planning is synchronous).
 */
export class DeviceEvaluator {
  private readonly profileIndex = new Map<string, number>();
  private readonly appSlots = new Map<string, number>();
  private readonly entrySlots: Int32Array[];
  private readonly reportedMark: Uint32Array;
  private readonly reportedUuid: (string | null)[];
  private readonly desiredMark: Uint32Array;
  private readonly appPresent: Uint32Array;
  private readonly appManaged: Uint32Array;
  private readonly appWanted: Uint32Array;
  private readonly managedVersion: (string | null)[];
  private epoch = 0;

  constructor(private readonly catalog: Catalog, private readonly matcher: ScopeMatcher, private readonly versions: VersionResolver) {
    catalog.entries.forEach((e, i) => e.profile && this.profileIndex.set(e.profile.identifier, i));
    this.entrySlots = catalog.entries.map((e) => Int32Array.from(e.apps, (a) => this.slotOf(a.bundleId)));
    const n = catalog.entries.length;
    this.reportedMark = new Uint32Array(n);
    this.reportedUuid = new Array<string | null>(n).fill(null);
    this.desiredMark = new Uint32Array(n);
    const slots = this.appSlots.size;
    this.appPresent = new Uint32Array(slots);
    this.appManaged = new Uint32Array(slots);
    this.appWanted = new Uint32Array(slots);
    this.managedVersion = new Array<string | null>(slots).fill(null);
  }

  evaluate(state: DeviceState, now: number, visit: Visit, withInstalled: boolean, released?: (bundleId: string) => void): void {
    const ep = this.nextEpoch();
    const { catalog, versions } = this;
    const entries = this.matcher.entriesFor(state.unitId);
    for (const r of state.profiles ?? []) {
      const idx = this.profileIndex.get(r.identifier);
      if (idx === undefined) continue;
      this.reportedMark[idx] = ep;
      this.reportedUuid[idx] = r.uuid ?? null;
    }
    const row = versions.row(state.unitId);
    const unsupervised = state.device.supervised === false;
    for (const idx of entries) {
      const e = catalog.entries[idx]!;
      const spec = e.profile;
      if (!spec) continue;
      const id = e.entry.id;
      if (unsupervised && e.entry.apple!.supervisedOnly) {
        visit({ item: 'profile', entryId: id, target: spec.identifier, state: 'needs_supervision' });
        continue;
      }
      this.desiredMark[idx] = ep;
      const v = versions.profileIn(row, idx, state.unitId, state.device);
      if (!v.ok) {
        visit({ item: 'profile', entryId: id, target: spec.identifier, state: 'unresolved', missing: v.missing });
        continue;
      }
      const reported = this.reportedMark[idx] === ep;
      const have = reported ? this.reportedUuid[idx]! : null;
      if (have === v.uuid || (have !== null && have.length === v.uuid.length && have.toUpperCase() === v.uuid)) {
        if (withInstalled) visit({ item: 'profile', entryId: id, target: spec.identifier, state: 'installed', expected: v.uuid, reported: have });
        continue;
      }
      const gate = gateOf(state, 'installProfile', spec.identifier, v.uuid, now);
      visit({ item: 'profile', entryId: id, target: spec.identifier, state: gate?.state ?? (reported ? 'outdated' : 'missing'), action: gate ? undefined : 'installProfile', expected: v.uuid, reported: have, failure: gate?.failure });
    }
    for (const r of state.profiles ?? []) {
      // Only what Slate's policy installed: never the enrolment profile or a user's own profiles.
      if (r.isManaged === false) continue;
      const idx = this.profileIndex.get(r.identifier);
      let entryId: string | null;
      if (idx !== undefined) {
        if (this.desiredMark[idx] === ep) continue;
        entryId = catalog.entries[idx]!.entry.id;
      } else if (r.identifier.startsWith(catalog.policyPrefix) && entryIdOfIdentifier(catalog.policyPrefix, r.identifier) !== undefined) {
        entryId = null; // its entry left the catalog
      } else continue;
      const gate = gateOf(state, 'removeProfile', r.identifier, null, now);
      visit({ item: 'profile', entryId, target: r.identifier, state: gate?.state ?? 'extra', action: gate ? undefined : 'removeProfile', reported: r.uuid ?? null, failure: gate?.failure });
    }
    this.evaluateApps(state, entries, ep, now, visit, withInstalled, released);
  }

  private evaluateApps(state: DeviceState, entries: readonly number[], ep: number, now: number, visit: Visit, withInstalled: boolean, released?: (bundleId: string) => void): void {
    for (const a of state.apps ?? []) {
      const slot = this.appSlots.get(a.identifier);
      if (slot !== undefined) this.appPresent[slot] = ep;
    }
    for (const m of state.managedApps) {
      const slot = this.appSlots.get(m.bundleId);
      if (slot === undefined) continue;
      this.appManaged[slot] = ep;
      this.managedVersion[slot] = m.configVersion ?? null;
    }
    const known = state.apps !== null;
    for (const idx of entries) {
      const e = this.catalog.entries[idx]!;
      const slots = this.entrySlots[idx]!;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        if (this.appWanted[slot] === ep) continue;
        this.appWanted[slot] = ep;
        const app = e.apps[i]!;
        const id = e.entry.id;
        const cfg = this.versions.appConfig(app, state.unitId, state.device);
        if (cfg && !cfg.ok) {
          visit({ item: 'app', entryId: id, target: app.bundleId, state: 'unresolved', missing: cfg.missing, app });
          continue;
        }
        const expected = cfg ? cfg.uuid : null;
        const managed = this.appManaged[slot] === ep;
        const present = known ? this.appPresent[slot] === ep : managed;
        const have = managed ? this.managedVersion[slot]! : null;
        if (!managed || !present) {
          // Present but not installed by Slate (the pupil got it elsewhere): installing takes it over.
          const gate = gateOf(state, 'installApp', app.bundleId, expected, now);
          visit({ item: 'app', entryId: id, target: app.bundleId, state: gate?.state ?? 'missing', action: gate ? undefined : 'installApp', expected, app, failure: gate?.failure });
        } else if (expected !== null && have !== expected) {
          const gate = gateOf(state, 'configureApp', app.bundleId, expected, now);
          visit({ item: 'app', entryId: id, target: app.bundleId, state: gate?.state ?? 'unconfigured', action: gate ? undefined : 'configureApp', expected, reported: have, app, failure: gate?.failure });
        } else if (withInstalled) {
          visit({ item: 'app', entryId: id, target: app.bundleId, state: 'installed', expected, reported: have, app });
        }
      }
    }
    for (const m of state.managedApps) {
      const slot = this.appSlots.get(m.bundleId);
      if (slot !== undefined && this.appWanted[slot] === ep) continue;
      const present = !known || (slot !== undefined ? this.appPresent[slot] === ep : state.apps!.some((a) => a.identifier === m.bundleId));
      if (!present) {
        released?.(m.bundleId);
        continue;
      }
      const gate = gateOf(state, 'removeApp', m.bundleId, null, now);
      visit({ item: 'app', entryId: null, target: m.bundleId, state: gate?.state ?? 'extra', action: gate ? undefined : 'removeApp', failure: gate?.failure });
    }
  }

  private slotOf(bundleId: string): number {
    let slot = this.appSlots.get(bundleId);
    if (slot === undefined) this.appSlots.set(bundleId, (slot = this.appSlots.size));
    return slot;
  }

  private nextEpoch(): number {
    if (this.epoch === 0xffffffff) {
      for (const a of [this.reportedMark, this.desiredMark, this.appPresent, this.appManaged, this.appWanted]) a.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
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
