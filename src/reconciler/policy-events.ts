import type { AuditEvent, AuditEventSink } from '../audit/audit-events';
import type { AppleCommand, DeviceReport } from '../apple/protocol';
import { describeErrorChain, parseInstalledApplicationList, parseProfileList } from '../apple/protocol';
import type { EnqueueOptions, EnqueueResult } from '../apple/command.service';
import type { Tx } from '../db/database';
import type { CommandRecord, PolicyDeviceStore, PolicyItem } from '../db/stores';
import type { Logger } from '../log/logger';
import { recordFailure, type ActionKind, type LicenceProvider } from '../policy';
import { compactProfiles, missingApps } from './device-states';
import type { PolicyContexts } from './policy-context';
import type { PolicyReconciler, ReconcileCause } from './policy-reconciler';

/** The policy commands by RequestType; a Settings answer is policy's only when an item names it. */
export const POLICY_REQUEST_TYPES: Readonly<Record<string, ActionKind>> = {
  InstallProfile: 'installProfile', RemoveProfile: 'removeProfile', InstallApplication: 'installApp', Settings: 'configureApp', RemoveApplication: 'removeApp',
};
export const POLICY_INVENTORY = ['ProfileList', 'InstalledApplicationList'] as const;

export interface PolicyEventDeps {
  devices: PolicyDeviceStore;
  audit: AuditEventSink;
  contexts: PolicyContexts;
  reconciler: PolicyReconciler;
  commands: { enqueueIn(tx: Tx, deviceIds: readonly string[], command: AppleCommand, opts?: EnqueueOptions): Promise<EnqueueResult> };
  build(requestType: string, params: Record<string, unknown>): AppleCommand;
  licences: LicenceProvider;
  logger: Logger;
  /** Refusals of one version after which it is no longer retried on its own. */
  maxAttempts: number;
  now?: () => Date;
}

/**
 * What moves a device towards its policy, each inside the transaction of the event: an answer to a
 * policy command, an inventory report, an enrolment, a move to another place in the tree.
 */
export class PolicyEvents {
  constructor(private readonly deps: PolicyEventDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** A device became enrolled (again): it starts from what it reports, with nothing pending. */
  async enrolled(tx: Tx, deviceId: string): Promise<void> {
    await this.deps.devices.lock(tx, [deviceId]);
    await this.deps.devices.reset(tx, deviceId);
    await this.reconcile(tx, deviceId, 'enrolment');
  }

  /** Staff moved the device to another school, grade or class. */
  async moved(tx: Tx, deviceId: string, actor: string): Promise<void> {
    await this.reconcile(tx, deviceId, 'move', actor);
  }

  /** ProfileList / InstalledApplicationList answered: keep the compact list, then reconcile. */
  async inventoryReported(tx: Tx, deviceId: string, requestType: string, body: Record<string, unknown>): Promise<void> {
    const { devices, contexts } = this.deps;
    const now = this.now();
    const ctx = await contexts.current(tx);
    // Locked and read once, then updated in memory: a report costs few round trips (Postgres).
    const [row] = await devices.load(tx, { ids: [deviceId], limit: 1, lock: true });
    const item = requestType === 'ProfileList' ? 'profile' : 'app';
    if (item === 'profile') {
      const profiles = compactProfiles(parseProfileList(body), contexts.policyPrefix);
      await devices.putProfiles(tx, deviceId, profiles, now);
      if (row) row.profiles = profiles;
    } else {
      const managed = (row?.managedApps ?? (await devices.managedApps(tx, deviceId))).map(([b]) => b);
      const missing = missingApps(parseInstalledApplicationList(body), managed);
      await devices.putMissingApps(tx, deviceId, missing, now);
      if (row) row.missingApps = missing;
    }
    // The report shows what the device did with the commands it acknowledged before it.
    if (!row || row.items.some((i) => i.item === item && i.state === 'acknowledged')) {
      await devices.clearAcknowledged(tx, deviceId, item);
      if (row) row.items = row.items.filter((i) => !(i.item === item && i.state === 'acknowledged'));
    }
    if (ctx && row) await this.deps.reconciler.reconcileIn(tx, ctx, [deviceId], 'inventory', 'slate', [row]);
  }

  /** A policy command was answered: acknowledged (await the inventory that shows it) or refused. */
  async answered(tx: Tx, deviceId: string, command: CommandRecord, report: DeviceReport): Promise<void> {
    const { devices } = this.deps;
    await devices.lock(tx, [deviceId]);
    const item = await devices.itemByCommand(tx, deviceId, command.commandUuid);
    if (!item) return; // a staff command, or a version policy has since replaced
    const now = this.now();
    if (report.status === 'Acknowledged') return this.acknowledged(tx, item, command, now);
    if (report.status === 'Error' || report.status === 'CommandFormatError') return this.refused(tx, item, report, now);
  }

  private async acknowledged(tx: Tx, item: PolicyItem, command: CommandRecord, now: Date): Promise<void> {
    const { devices } = this.deps;
    const { deviceId } = item;
    if (item.action === 'installProfile' || item.action === 'removeProfile') {
      await devices.upsertItems(tx, [{ ...item, state: 'acknowledged', retryAt: null, updatedAt: now }]);
      return this.query(tx, deviceId, 'ProfileList', {});
    }
    const all = await devices.managedApps(tx, deviceId);
    const own = all.find(([b]) => b === item.target);
    const managed = all.filter(([b]) => b !== item.target);
    if (item.action === 'installApp') {
      const adamId = Number(command.params?.iTunesStoreID ?? 0);
      await devices.putManagedApps(tx, deviceId, [...managed, [item.target, adamId, item.expectedVersion]], now);
      await devices.upsertItems(tx, [{ ...item, state: 'acknowledged', retryAt: null, updatedAt: now }]);
      return this.query(tx, deviceId, 'InstalledApplicationList', { ManagedAppsOnly: true });
    }
    if (item.action === 'configureApp') {
      if (own) await devices.putManagedApps(tx, deviceId, [...managed, [item.target, own[1], item.expectedVersion]], now);
    } else if (item.action === 'removeApp') {
      await devices.putManagedApps(tx, deviceId, managed, now);
      tx.afterCommit(() => void this.deps.licences.release({ adamId: own?.[1] ?? 0, bundleId: item.target, deviceId, serialNumber: null })
        .catch((err: unknown) => this.deps.logger.warn({ deviceId, bundleId: item.target, err }, 'policy: licence not released')));
    }
    await devices.deleteItem(tx, item);
  }

  /**
   * The device refused: backoff (15 minutes doubling to a day), an alert at the third refusal of
   * the same version, and no more automatic retries after maxAttempts.
   */
  private async refused(tx: Tx, item: PolicyItem, report: DeviceReport, now: Date): Promise<void> {
    const reason = describeErrorChain(report.errorChain) ?? report.status;
    const kind = item.action as ActionKind;
    const previous = item.attempts > 0 ? { kind, target: item.target, version: item.expectedVersion, attempts: item.attempts, retryAt: 0 } : undefined;
    const f = recordFailure(previous, { kind, target: item.target, version: item.expectedVersion, reason }, now.getTime());
    const givenUp = f.attempts >= this.deps.maxAttempts;
    const alert = (f.alert || givenUp) && item.alertedAt === null;
    await this.deps.devices.upsertItems(tx, [{
      ...item, state: 'failed', attempts: f.attempts, retryAt: givenUp ? null : new Date(f.retryAt), lastError: { reason, errorChain: report.errorChain ?? null },
      alertedAt: alert ? now : item.alertedAt, updatedAt: now,
    }]);
    if (!alert) return;
    const details = { item: item.item, target: item.target, entryId: item.entryId, version: item.expectedVersion, attempts: f.attempts, reason, retrying: !givenUp };
    this.deps.logger.warn({ alert: 'policy-refused', deviceId: item.deviceId, ...details }, 'a device keeps refusing a policy item');
    await this.deps.audit.append(tx, [{ actor: 'slate', action: 'policy.alert', target: item.deviceId, details, at: now }]);
  }

  private async reconcile(tx: Tx, deviceId: string, cause: ReconcileCause, actor?: string): Promise<void> {
    const ctx = await this.deps.contexts.current(tx);
    if (ctx) await this.deps.reconciler.reconcileIn(tx, ctx, [deviceId], cause, actor);
  }

  /** Asks for the inventory that will show the device's new state, once however many commands it acknowledges. */
  private async query(tx: Tx, deviceId: string, requestType: 'ProfileList' | 'InstalledApplicationList', params: Record<string, unknown>): Promise<void> {
    if (await this.deps.devices.hasPending(tx, deviceId, requestType)) return;
    await this.deps.commands.enqueueIn(tx, [deviceId], this.deps.build(requestType, params), { createdBy: 'policy' });
  }
}
