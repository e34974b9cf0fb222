import type { AuditEventSink } from '../audit/audit-events';
import type { AuditActor } from '../audit/audit-log';
import type { Db } from '../db/database';
import type { CatalogVersion, PolicyCatalogStore, PolicyDeviceRow, PolicyDeviceStore, Scope } from '../db/stores';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { readCatalogDir, type CatalogReport, type CatalogSource, type CompiledEntry, type DevicePlan, type FleetPlan, type ItemState, type PlanTotals } from '../policy';
import { toDeviceState } from './device-states';
import type { PolicyContext, PolicyContexts } from './policy-context';
import type { DeviceReconcile, EnqueuedCommand, PolicyReconciler, ReconcileCause } from './policy-reconciler';

/** Devices per keyset page when the whole fleet is read (one query for devices, one for items). */
const PAGE = 5000;
/** Devices per transaction when a plan is carried out: short locks, bounded retries. */
const BATCH = 100;

export interface PlannedDevice extends DevicePlan {
  serialNumber: string | null;
}

export interface PlanResult {
  report: CatalogReport;
  /** The catalog that was planned (null when invalid) and the one currently applied. */
  catalogHash: string | null;
  appliedVersion: { id: number; hash: string } | null;
  /** Devices with something to do, held or noted. */
  devices: PlannedDevice[];
  totals: Record<string, PlanTotals>;
  overall: PlanTotals | null;
}

/** Who applies: a name (`cli`), or a member of staff or token of the admin API with role and scope. */
export type PolicyActor = string | AuditActor;

export interface ApplyResult {
  version: { id: number; hash: string };
  /** False when the catalog equals the applied one (no new version; devices still reconciled). */
  changed: boolean;
  plan: PlanResult;
  /** Commands enqueued, and devices they went to. */
  enqueued: number;
  devices: number;
  commands: (EnqueuedCommand & { deviceId: string })[];
}

/** How far each device is from its desired set (failed before unreachable before pending). */
export interface ConvergenceCounts {
  /** Every item installed (or nothing wanted). */
  converged: number;
  /** Something missing, outdated or on its way. */
  pending: number;
  /** A refusal by the device (see the rows for Apple's ErrorChain). */
  failed: number;
  /** Cannot be done as the device is: an unresolved variable, or an unsupervised device. */
  blocked: number;
}

export interface StatusResult {
  appliedVersion: number;
  rows: StatusRow[];
  byEntry: Record<string, Partial<Record<ItemState, number>>>;
  devices: ConvergenceCounts;
}

export interface StatusRow {
  deviceId: string;
  entryId: string | null;
  item: 'profile' | 'app';
  target: string;
  state: ItemState;
  expected: string | null;
  reported: string | null;
  attempts?: number;
  retryAt?: Date | null;
  reason?: string;
  errorChain?: unknown[] | null;
}

export interface PolicyServiceDeps {
  db: Db;
  catalogs: PolicyCatalogStore;
  devices: PolicyDeviceStore;
  audit: AuditEventSink;
  contexts: PolicyContexts;
  reconciler: PolicyReconciler;
  /** School ids at or under an organisation code (plan --school). */
  schoolIdsUnder(code: string): Promise<string[]>;
  /** A device by id, UDID or serial (status --device). */
  resolveDevice(id: string): Promise<{ id: string }>;
  catalogDir: string;
  logger: Logger;
  now?: () => Date;
}

/**
 * The policy catalog as staff use it (CLI now, admin API later): validate files, plan (dry run),
 * apply (store the version, then enqueue exactly the difference), status, and the retry sweep.
 */
export class PolicyService {
  constructor(private readonly deps: PolicyServiceDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The catalog files of a directory (default POLICY_CATALOG_DIR). */
  read(dir = this.deps.catalogDir): CatalogSource[] {
    try {
      return readCatalogDir(dir);
    } catch (err) {
      throw new AppError('catalog_invalid', `cannot read the catalog directory ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  async validate(sources = this.read()): Promise<CatalogReport> {
    return (await this.deps.contexts.load(this.deps.db, sources)).report;
  }

  /** What applying these files would enqueue, per device and per school (or a subtree); changes nothing. */
  async plan(opts: { sources?: readonly CatalogSource[]; schoolCode?: string; scope?: Scope } = {}): Promise<PlanResult> {
    const loaded = await this.deps.contexts.load(this.deps.db, opts.sources ?? this.read());
    const applied = await this.deps.catalogs.current(this.deps.db);
    const appliedVersion = applied && { id: applied.id, hash: applied.hash };
    if (!loaded.context) return { report: loaded.report, catalogHash: null, appliedVersion, devices: [], totals: {}, overall: null };
    const schoolIds = opts.schoolCode !== undefined ? await this.deps.schoolIdsUnder(opts.schoolCode) : undefined;
    const fleet = await this.planFleet(loaded.context, { schoolIds, scope: opts.scope });
    return { report: loaded.report, catalogHash: loaded.context.catalog.hash, appliedVersion, ...fleet };
  }

  /** What converging the devices of a subtree with the applied catalog would enqueue (see converge). */
  async planApplied(opts: { scope: Scope }): Promise<PlanResult> {
    const ctx = await this.appliedContext();
    const version = { id: ctx.version!.id, hash: ctx.version!.hash };
    return { report: ctx.catalog.report, catalogHash: ctx.catalog.hash, appliedVersion: version, ...(await this.planFleet(ctx, { scope: opts.scope })) };
  }

  /**
   * Validates, stores the catalog as the new version (with its audit record), then enqueues the
   * difference for every device, a batch of devices per transaction. Nothing is stored or
   * enqueued when anything is invalid.
   */
  async apply(opts: { sources?: readonly CatalogSource[]; by: PolicyActor; ip?: string | null }): Promise<ApplyResult> {
    const { db, catalogs, contexts } = this.deps;
    const sources = opts.sources ?? this.read();
    const loaded = await contexts.load(db, sources);
    if (!loaded.context) throw new AppError('catalog_invalid', `the catalog has ${loaded.report.errors.length} error(s); nothing was applied`, { details: loaded.report });
    const built = loaded.context;
    const now = this.now();
    const { version, changed } = await db.transaction(async (tx) => {
      const current = await catalogs.current(tx);
      const changed = current?.hash !== built.catalog.hash;
      const version = changed
        ? await catalogs.insert(tx, {
          hash: built.catalog.hash, appliedBy: typeof opts.by === 'string' ? opts.by : opts.by.label, at: now, warnings: loaded.report.warnings, files: sources,
          entries: built.catalog.entries.map((e) => ({ entryId: e.entry.id, definitionHash: e.definitionHash, contentHash: e.contentHash, file: e.file })),
        })
        : current!;
      await this.deps.audit.append(tx, [{ actor: opts.by, action: 'policy.apply', target: `catalog:${version.id}`, at: now, ip: opts.ip, details: { hash: version.hash, changed, entries: built.catalog.entries.length, warnings: loaded.report.warnings.length } }]);
      return { version, changed };
    });
    const ctx = await contexts.adopt(db, built, version);
    // Devices with items are reconciled too: a queued command for a version no longer wanted is
    // cancelled even where nothing new is planned.
    const withItems: string[] = [];
    const plan = { report: loaded.report, catalogHash: ctx.catalog.hash, appliedVersion: { id: version.id, hash: version.hash }, ...(await this.planFleet(ctx, {}, withItems)) };
    const done = await this.carryOut(ctx, plan.devices.map((d) => d.deviceId).concat(withItems), 'apply', opts.by, opts.ip);
    return { version: { id: version.id, hash: version.hash }, changed, plan, ...summary(done) };
  }

  /**
   * Converges the devices of a subtree with the applied catalog, storing no new version: a new
   * version is policy for every school, so staff of one part of the tree converge their part with
   * what is in force. The audit record names the subtree; every device's enqueue has its own.
   */
  async converge(opts: { scope: Scope; scopeCode: string; by: PolicyActor; ip?: string | null }): Promise<ApplyResult> {
    const ctx = await this.appliedContext();
    const version = ctx.version!;
    await this.deps.db.transaction((tx) => this.deps.audit.append(tx, [{
      actor: opts.by, action: 'policy.apply', target: `catalog:${version.id}`, at: this.now(), ip: opts.ip,
      details: { hash: version.hash, changed: false, unit: opts.scopeCode, entries: ctx.catalog.entries.length },
    }]));
    const withItems: string[] = [];
    const plan = { report: ctx.catalog.report, catalogHash: ctx.catalog.hash, appliedVersion: { id: version.id, hash: version.hash }, ...(await this.planFleet(ctx, { scope: opts.scope }, withItems)) };
    const done = await this.carryOut(ctx, plan.devices.map((d) => d.deviceId).concat(withItems), 'apply', opts.by, opts.ip);
    return { version: { id: version.id, hash: version.hash }, changed: false, plan, ...summary(done) };
  }

  /** The applied version and its entries; with `unitIds`, only entries in force at one of these units (null: unplaced devices). */
  async entries(unitIds?: readonly (string | null)[]): Promise<{ version: CatalogVersion; entries: CompiledEntry[] }> {
    const ctx = await this.appliedContext();
    if (unitIds === undefined) return { version: ctx.version!, entries: [...ctx.catalog.entries] };
    const wanted = new Set<number>();
    for (const id of unitIds) for (const i of ctx.planner.matcher.entriesFor(id)) wanted.add(i);
    return { version: ctx.version!, entries: ctx.catalog.entries.filter((e) => wanted.has(e.index)) };
  }

  private async appliedContext(): Promise<PolicyContext> {
    const ctx = await this.deps.contexts.current(this.deps.db);
    if (!ctx) throw new AppError('not_found', 'no policy catalog has been applied (slate profiles apply)');
    return ctx;
  }

  /** Reconciles these devices now with the applied catalog (staff "sync now"; the admin API). */
  async reconcile(deviceIds: readonly string[], actor: string): Promise<DeviceReconcile[]> {
    const ctx = await this.deps.contexts.current(this.deps.db);
    if (!ctx) throw new AppError('not_found', 'no policy catalog has been applied (slate profiles apply)');
    return this.carryOut(ctx, deviceIds, 'request', actor);
  }

  /** Devices whose refusal has waited out its backoff: reconcile them (periodic task). */
  async retryDue(limit = 1000): Promise<number> {
    const ids = await this.deps.devices.dueRetries(this.deps.db, this.now(), limit);
    if (ids.length === 0) return 0;
    const ctx = await this.deps.contexts.current(this.deps.db);
    if (!ctx) return 0;
    return (await this.carryOut(ctx, ids, 'retry', 'slate')).reduce((n, d) => n + d.enqueued.length, 0);
  }

  /** Per item of one device, or of one entry across the fleet, or counts per entry. */
  async status(opts: { device?: string; entry?: string; scope?: Scope } = {}): Promise<StatusResult> {
    const ctx = await this.appliedContext();
    if (opts.entry !== undefined && !ctx.catalog.byId.has(opts.entry)) throw new AppError('not_found', `no entry ${opts.entry} in the applied catalog`);
    const now = this.now().getTime();
    const rows: StatusRow[] = [];
    const byEntry: Record<string, Partial<Record<ItemState, number>>> = {};
    const devices: ConvergenceCounts = { converged: 0, pending: 0, failed: 0, blocked: 0 };
    const ids = opts.device !== undefined ? [(await this.deps.resolveDevice(opts.device)).id] : undefined;
    for await (const page of this.pages({ ...(ids ? { ids } : {}), scope: opts.scope })) {
      for (const row of page) {
        const outcomes = ctx.planner.status(toDeviceState(row, ctx.catalog.policyPrefix), now);
        devices[convergenceOf(outcomes.map((o) => o.state))]++;
        for (const o of outcomes) {
          const entry = o.entryId ?? '(removed from catalog)';
          const counts = (byEntry[entry] ??= {});
          counts[o.state] = (counts[o.state] ?? 0) + 1;
          if (opts.entry !== undefined && o.entryId !== opts.entry) continue;
          if (ids === undefined && (opts.entry === undefined || o.state === 'installed')) continue;
          const item = row.items.find((i) => i.target === o.target && i.item === o.item);
          rows.push({
            deviceId: row.id, entryId: o.entryId, item: o.item, target: o.target, state: o.state, expected: o.expected ?? null, reported: o.reported ?? null,
            ...(item ? { attempts: item.attempts, retryAt: item.retryAt, reason: item.lastError?.reason, errorChain: item.lastError?.errorChain } : {}),
          });
        }
      }
    }
    return { appliedVersion: ctx.version!.id, rows, byEntry, devices };
  }

  /** Plans every device (of these schools, in this subtree); `withItems` collects devices that have items. */
  private async planFleet(ctx: PolicyContext, filter: { schoolIds?: readonly string[]; scope?: Scope }, withItems?: string[]): Promise<Omit<PlanResult, 'report' | 'catalogHash' | 'appliedVersion'>> {
    const now = this.now().getTime();
    const parts: FleetPlan[] = [];
    const serials = new Map<string, string | null>();
    for await (const page of this.pages(filter)) {
      if (withItems) for (const r of page) if (r.items.length) withItems.push(r.id);
      const plan = ctx.planner.planFleet(page.map((r) => toDeviceState(r, ctx.catalog.policyPrefix)), now);
      const bySerial = plan.devices.length ? new Map(page.map((r) => [r.id, r.serialNumber])) : undefined;
      for (const d of plan.devices) serials.set(d.deviceId, bySerial!.get(d.deviceId) ?? null);
      parts.push(plan);
    }
    return mergePlans(parts, serials);
  }

  /** Carries out the plan for these devices, BATCH devices per transaction (each re-planned under its lock). */
  private async carryOut(ctx: PolicyContext, deviceIds: readonly string[], cause: ReconcileCause, actor: PolicyActor, ip?: string | null): Promise<DeviceReconcile[]> {
    const ids = [...new Set(deviceIds)].sort();
    const out: DeviceReconcile[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const part = ids.slice(i, i + BATCH);
      out.push(...(await this.deps.db.transaction((tx) => this.deps.reconciler.reconcileIn(tx, ctx, part, cause, actor, undefined, ip), { retries: 3 })));
    }
    return out;
  }

  /** Keyset pages; the next page is asked for while the caller works on this one (Postgres overlaps them). */
  private async *pages(q: { schoolIds?: readonly string[]; ids?: readonly string[]; scope?: Scope }): AsyncGenerator<PolicyDeviceRow[]> {
    const load = (afterId?: string) => {
      const p = this.deps.devices.fleetPage(this.deps.db, { ...q, afterId, limit: PAGE });
      p.catch(() => undefined); // awaited below; this only keeps an abandoned prefetch from crashing the process
      return p;
    };
    let next = load();
    for (;;) {
      const page = await next;
      if (page.length === PAGE) next = load(page[page.length - 1]!.id);
      if (page.length) yield page;
      if (page.length < PAGE) return;
    }
  }
}

function summary(done: readonly DeviceReconcile[]): Pick<ApplyResult, 'enqueued' | 'devices' | 'commands'> {
  const commands = done.flatMap((d) => d.enqueued.map((c) => ({ deviceId: d.deviceId, ...c })));
  return { enqueued: commands.length, devices: done.filter((d) => d.enqueued.length).length, commands };
}

const BLOCKED: readonly ItemState[] = ['unresolved', 'needs_supervision'];

function convergenceOf(states: readonly ItemState[]): keyof ConvergenceCounts {
  if (states.includes('failed')) return 'failed';
  if (states.some((st) => BLOCKED.includes(st))) return 'blocked';
  return states.every((st) => st === 'installed') ? 'converged' : 'pending';
}

function mergePlans(parts: readonly FleetPlan[], serials: ReadonlyMap<string, string | null>): Omit<PlanResult, 'report' | 'catalogHash' | 'appliedVersion'> {
  const totals: Record<string, PlanTotals> = {};
  let overall: PlanTotals = { devices: 0, upToDate: 0, installProfile: 0, updateProfile: 0, removeProfile: 0, installApp: 0, configureApp: 0, removeApp: 0, held: 0, notes: 0 };
  const devices: PlannedDevice[] = [];
  for (const p of parts) {
    for (const d of p.devices) devices.push({ ...d, serialNumber: serials.get(d.deviceId) ?? null });
    for (const [school, t] of Object.entries(p.totals)) totals[school] = totals[school] ? add(totals[school], t) : { ...t };
    overall = add(overall, p.overall);
  }
  return { devices, totals, overall };
}

function add(a: PlanTotals, b: PlanTotals): PlanTotals {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof PlanTotals)[]) out[k] += b[k];
  return out;
}
