import type { Catalog } from '../catalog/compiled-catalog';
import { VersionResolver, type VersionDeps } from '../render/version-resolver';
import { ScopeMatcher } from '../scope/scope-matcher';
import type { ActionKind, DeviceState, PolicyFailure } from './device-state';
import { DeviceEvaluator, type ItemOutcome, type ItemState } from './device-evaluator';

export type PolicyAction =
  /** Install, or update when `replaces` names the version the device has now. */
  | { kind: 'installProfile'; entryId: string; identifier: string; version: string; replaces: string | null }
  | { kind: 'removeProfile'; entryId: string | null; identifier: string }
  | { kind: 'installApp'; entryId: string; bundleId: string; adamId: number; configVersion: string | null }
  | { kind: 'configureApp'; entryId: string; bundleId: string; configVersion: string }
  | { kind: 'removeApp'; bundleId: string };

export interface HeldItem {
  kind: ActionKind;
  target: string;
  entryId: string | null;
  failure: PolicyFailure;
}

export interface PlanNote {
  entryId: string | null;
  target: string;
  state: Extract<ItemState, 'unresolved' | 'needs_supervision'>;
  message: string;
}

export interface DevicePlan {
  deviceId: string;
  schoolCode: string | null;
  actions: PolicyAction[];
  /** Refused by the device, waiting out the backoff: visible, not retried now. */
  held: HeldItem[];
  notes: PlanNote[];
  /** Apps Slate managed that left the device and the scope: drop the record, release the licence. */
  released: string[];
}

export interface PlanTotals {
  devices: number;
  upToDate: number;
  installProfile: number;
  updateProfile: number;
  removeProfile: number;
  installApp: number;
  configureApp: number;
  removeApp: number;
  held: number;
  notes: number;
}

export interface FleetPlan {
  catalogHash: string;
  /** Only devices with something to do, held or noted. */
  devices: DevicePlan[];
  /** By school code (`-` for devices placed in no school). */
  totals: Record<string, PlanTotals>;
  overall: PlanTotals;
}

/**
 * The pure reconciler core: desired(device) from the catalog and the device's place in the tree,
 * reported(device) from its last inventory, pending and failed commands from the queue; the
 * result is the difference. Build one per catalog version and organisation tree; it caches
 * scope lists per unit and versions per (entry, unit), so planning a fleet costs one lookup per
 * device and one comparison per (device, entry).
 */
export class PolicyPlanner {
  readonly matcher: ScopeMatcher;
  readonly versions: VersionResolver;
  private readonly evaluator: DeviceEvaluator;
  /** The plan being filled; bound callbacks below avoid two closures per device. */
  private current: DevicePlan | undefined;
  private readonly collect = (o: ItemOutcome) => collect(this.current!, o);
  private readonly release = (bundleId: string) => {
    const plan = this.current!;
    (plan.released === NONE ? (plan.released = []) : plan.released).push(bundleId);
  };

  constructor(readonly catalog: Catalog, private readonly deps: VersionDeps) {
    this.matcher = new ScopeMatcher(catalog.entries.map((e) => e.entry.scope), deps.org);
    this.versions = new VersionResolver(catalog, deps);
    this.evaluator = new DeviceEvaluator(catalog, this.matcher, this.versions);
  }

  planDevice(state: DeviceState, now: number): DevicePlan {
    const plan: DevicePlan = { deviceId: state.device.id, schoolCode: this.schoolCodeOf(state.unitId), actions: [], held: NONE, notes: NONE, released: NONE };
    this.current = plan;
    this.evaluator.evaluate(state, now, this.collect, false, this.release);
    this.current = undefined;
    return plan;
  }

  planFleet(states: Iterable<DeviceState>, now: number): FleetPlan {
    const totals: Record<string, PlanTotals> = {};
    const overall = emptyTotals();
    const devices: DevicePlan[] = [];
    for (const state of states) {
      const plan = this.planDevice(state, now);
      const school = plan.schoolCode ?? '-';
      const t = (totals[school] ??= emptyTotals());
      for (const target of [t, overall]) addTo(target, plan);
      if (plan.actions.length || plan.held.length || plan.notes.length || plan.released.length) devices.push(plan);
    }
    return { catalogHash: this.catalog.hash, devices, totals, overall };
  }

  /** Every item of one device with its state: what `slate profiles status --device` shows. */
  status(state: DeviceState, now: number): ItemOutcome[] {
    const out: ItemOutcome[] = [];
    this.evaluator.evaluate(state, now, (o) => out.push(o), true);
    return out;
  }

  /**
   * Per entry, how many devices are in each state: what `slate profiles status --entry` shows,
   * so staff see drift (devices pending for days, failed, unresolved) at a glance.
   */
  statusByEntry(states: Iterable<DeviceState>, now: number): Record<string, Partial<Record<ItemState, number>>> {
    const out: Record<string, Partial<Record<ItemState, number>>> = {};
    for (const state of states) {
      this.evaluator.evaluate(state, now, (o) => {
        const counts = (out[o.entryId ?? '(removed from catalog)'] ??= {});
        counts[o.state] = (counts[o.state] ?? 0) + 1;
      }, true);
    }
    return out;
  }

  private schoolCodeOf(unitId: string | null): string | null {
    return unitId === null ? null : (this.deps.org.placementOf(unitId).school?.code ?? null);
  }
}

/** Shared empty list: most devices hold nothing back and have no notes. */
const NONE: never[] = [];

function collect(plan: DevicePlan, o: ItemOutcome): void {
  if (o.state === 'failed') return void (plan.held === NONE ? (plan.held = []) : plan.held).push({ kind: o.failure!.kind, target: o.target, entryId: o.entryId, failure: o.failure! });
  if (o.state === 'unresolved' || o.state === 'needs_supervision') {
    const message = o.state === 'unresolved' ? `no value for ${o.missing!.map((n) => `{{${n}}}`).join(', ')}` : 'entry is for supervised iPads; this one reports IsSupervised false';
    return void (plan.notes === NONE ? (plan.notes = []) : plan.notes).push({ entryId: o.entryId, target: o.target, state: o.state, message });
  }
  switch (o.action) {
    case 'installProfile':
      return void plan.actions.push({ kind: 'installProfile', entryId: o.entryId!, identifier: o.target, version: o.expected!, replaces: o.reported ?? null });
    case 'removeProfile':
      return void plan.actions.push({ kind: 'removeProfile', entryId: o.entryId, identifier: o.target });
    case 'installApp':
      return void plan.actions.push({ kind: 'installApp', entryId: o.entryId!, bundleId: o.target, adamId: o.app!.adamId, configVersion: o.expected ?? null });
    case 'configureApp':
      return void plan.actions.push({ kind: 'configureApp', entryId: o.entryId!, bundleId: o.target, configVersion: o.expected! });
    case 'removeApp':
      return void plan.actions.push({ kind: 'removeApp', bundleId: o.target });
  }
}

function emptyTotals(): PlanTotals {
  return { devices: 0, upToDate: 0, installProfile: 0, updateProfile: 0, removeProfile: 0, installApp: 0, configureApp: 0, removeApp: 0, held: 0, notes: 0 };
}

function addTo(t: PlanTotals, plan: DevicePlan): void {
  t.devices++;
  if (plan.actions.length === 0) t.upToDate++;
  for (const a of plan.actions) {
    if (a.kind === 'installProfile') t[a.replaces === null ? 'installProfile' : 'updateProfile']++;
    else t[a.kind]++;
  }
  t.held += plan.held.length;
  t.notes += plan.notes.length;
}
