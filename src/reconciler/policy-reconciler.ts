import type { AuditEvent, AuditEventSink } from '../audit/audit-events';
import type { AuditActor } from '../audit/audit-log';
import type { EnqueueOptions, EnqueueResult } from '../apple/command.service';
import type { AppleCommand } from '../apple/protocol';
import type { Tx } from '../db/database';
import type { CommandQueueStore, PolicyDeviceRow, PolicyDeviceStore, PolicyItem } from '../db/stores';
import type { Logger } from '../log/logger';
import type { LicenceProvider, PolicyAction } from '../policy';
import { buildAction, type BuiltAction } from './action-commands';
import { isPending, toDeviceState } from './device-states';
import type { PolicyContext } from './policy-context';

/** Why a reconcile ran: recorded with what it enqueued. */
export type ReconcileCause = 'apply' | 'inventory' | 'enrolment' | 'move' | 'retry' | 'request';

export interface EnqueuedCommand {
  kind: PolicyAction['kind'];
  target: string;
  version: string | null;
  commandUuid: string;
}

export interface DeviceReconcile {
  deviceId: string;
  actions: PolicyAction[];
  enqueued: EnqueuedCommand[];
  /** Commands for versions or items no longer wanted, cancelled before the device ran them. */
  cancelled: string[];
  /** Held back: no licence, or the device's actions could not be built (logged). */
  held: { target: string; reason: string }[];
  released: string[];
}

export interface ReconcilerDeps {
  devices: PolicyDeviceStore;
  audit: AuditEventSink;
  queue: Pick<CommandQueueStore, 'cancel'>;
  commands: { enqueueIn(tx: Tx, deviceIds: readonly string[], command: AppleCommand, opts?: EnqueueOptions): Promise<EnqueueResult> };
  licences: LicenceProvider;
  logger: Logger;
  now?: () => Date;
}

/**
 * Enqueues exactly the difference between what devices should have and what they have, in the
 * caller's transaction together with the items that remember it and one audit record per device.
 *
 * Idempotent, also across processes: the devices' rows are locked first, and their state (inventory,
 * items) is read only after that, so a second reconcile of the same device waits for the first and
 * then sees its commands as pending. Items that no longer match the plan (an entry's new version, a
 * device moved out of scope) have their queued commands cancelled.
 */
export class PolicyReconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /**
   * `locked`: the caller already locked and read these devices in this transaction (an inventory
   * report does, to store the report first), so they are not read again.
   */
  async reconcileIn(tx: Tx, ctx: PolicyContext, deviceIds: readonly string[], cause: ReconcileCause, actor: string | AuditActor = 'slate', locked?: PolicyDeviceRow[], ip?: string | null): Promise<DeviceReconcile[]> {
    if (deviceIds.length === 0) return [];
    const { devices } = this.deps;
    const now = this.deps.now?.() ?? new Date();
    const rows = locked ?? (await devices.load(tx, { ids: deviceIds, limit: deviceIds.length, lock: true }));
    const results: DeviceReconcile[] = [];
    const work: { row: PolicyDeviceRow; result: DeviceReconcile; built: BuiltAction[] }[] = [];
    for (const row of rows) {
      const r = await this.prepare(tx, ctx, row, now);
      if (!r) continue;
      results.push(r.result);
      work.push({ row, ...r });
    }
    const uuids = await this.enqueue(tx, work, cause);
    const items: PolicyItem[] = [];
    const events: AuditEvent[] = [];
    for (const { row, result, built } of work) {
      for (const b of built) {
        const uuid = b.command ? uuids.get(`${row.id}|${b.key}`) : undefined;
        if (uuid) result.enqueued.push({ kind: b.action.kind, target: b.target, version: b.version, commandUuid: uuid });
        items.push(itemFor(row, b, uuid ?? null, now));
      }
      if (result.released.length) {
        await devices.putManagedApps(tx, row.id, row.managedApps.filter(([bundleId]) => !result.released.includes(bundleId)), now);
        this.releaseAfterCommit(tx, row, result.released);
      }
      if (result.enqueued.length || result.cancelled.length || result.held.length || result.released.length) {
        events.push({
          actor, action: 'policy.enqueue', target: row.id, at: now, ip,
          details: {
            cause, catalogVersion: ctx.version?.id ?? null, commands: result.enqueued.map((c) => `${c.kind} ${c.target}${c.version ? ` ${c.version}` : ''}`),
            cancelled: result.cancelled, held: result.held, released: result.released,
          },
        });
      }
    }
    await devices.upsertItems(tx, items);
    await this.deps.audit.append(tx, events);
    return results;
  }

  /** Plans one device, builds its commands and settles items the plan no longer explains. */
  private async prepare(tx: Tx, ctx: PolicyContext, row: PolicyDeviceRow, now: Date): Promise<{ result: DeviceReconcile; built: BuiltAction[] } | undefined> {
    const state = toDeviceState(row, ctx.catalog.policyPrefix);
    const plan = ctx.planner.planDevice(state, now.getTime());
    const result: DeviceReconcile = { deviceId: row.id, actions: plan.actions, enqueued: [], cancelled: [], held: [], released: plan.released };
    const built: BuiltAction[] = [];
    try {
      for (const a of plan.actions) built.push(await buildAction(ctx, this.deps.licences, state, a));
    } catch (err) {
      // Rendering or licences, not the database: this device waits, the others go on.
      this.deps.logger.error({ deviceId: row.id, err }, 'policy: could not build the commands for a device; it is left as it is');
      return { result: { ...result, actions: [], held: [{ target: '*', reason: (err as Error).message }], released: [] }, built: [] };
    }
    for (const b of built) if (b.unavailable) result.held.push({ target: b.target, reason: b.unavailable.reason });
    if (row.items.length === 0) return { result, built };
    const planned = new Set(built.map((b) => `${b.item}|${b.target}`));
    const outcomes = new Map(ctx.planner.status(state, now.getTime()).map((o) => [`${o.item}|${o.target}`, o.state]));
    for (const i of row.items) {
      const key = `${i.item}|${i.target}`;
      const live = i.state === 'queued' && i.live && i.commandUuid !== null;
      if (!planned.has(key)) {
        const o = outcomes.get(key);
        if ((o === 'pending' && isPending(i)) || (o === 'failed' && i.state === 'failed')) continue;
        await this.deps.devices.deleteItem(tx, i);
      }
      if (live && (await this.deps.queue.cancel(tx, i.commandUuid!, now, 'policy: no longer wanted'))) result.cancelled.push(i.commandUuid!);
    }
    return { result, built };
  }

  /** One enqueue per distinct command (a school's Wi-Fi profile for all its devices at once). */
  private async enqueue(tx: Tx, work: readonly { row: PolicyDeviceRow; built: BuiltAction[] }[], cause: ReconcileCause): Promise<Map<string, string>> {
    const groups = new Map<string, { command: AppleCommand; deviceIds: string[] }>();
    for (const { row, built } of work) {
      for (const b of built) {
        if (!b.command) continue;
        const g = groups.get(b.key);
        if (g) g.deviceIds.push(row.id);
        else groups.set(b.key, { command: b.command, deviceIds: [row.id] });
      }
    }
    const uuids = new Map<string, string>();
    for (const [key, g] of groups) {
      const r = await this.deps.commands.enqueueIn(tx, g.deviceIds, g.command, { createdBy: `policy:${cause}` });
      for (const c of r.commands) uuids.set(`${c.deviceId}|${key}`, c.commandUuid);
    }
    return uuids;
  }

  private releaseAfterCommit(tx: Tx, row: PolicyDeviceRow, bundleIds: readonly string[]): void {
    const adamIds = new Map(row.managedApps.map(([b, adamId]) => [b, adamId]));
    tx.afterCommit(() => {
      for (const bundleId of bundleIds) {
        this.deps.licences.release({ adamId: adamIds.get(bundleId) ?? 0, bundleId, deviceId: row.id, serialNumber: row.serialNumber })
          .catch((err: unknown) => this.deps.logger.warn({ deviceId: row.id, bundleId, err }, 'policy: licence not released'));
      }
    });
  }
}

/** The item that remembers a built action; a refusal's count carries over while the version stays. */
function itemFor(row: PolicyDeviceRow, b: BuiltAction, commandUuid: string | null, now: Date): PolicyItem {
  const prev = row.items.find((i) => i.item === b.item && i.target === b.target);
  const same = prev !== undefined && prev.action === b.action.kind && prev.expectedVersion === b.version;
  const base = {
    deviceId: row.id, item: b.item, target: b.target, action: b.action.kind, entryId: b.entryId, expectedVersion: b.version,
    attempts: same ? prev.attempts : 0, alertedAt: same ? prev.alertedAt : null, updatedAt: now,
  };
  if (b.unavailable) {
    return { ...base, state: 'failed', commandUuid: null, retryAt: new Date(now.getTime() + b.unavailable.retryAfterMs), lastError: { reason: b.unavailable.reason, errorChain: null } };
  }
  return { ...base, state: 'queued', commandUuid, retryAt: null, lastError: same ? prev.lastError : null };
}
