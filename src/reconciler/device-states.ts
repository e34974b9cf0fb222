import type { InstalledAppRecord, ProfileRecord } from '../apple/protocol';
import type { CompactProfile, LoadedItem, PolicyDeviceRow } from '../db/stores';
import { placementUnitId, type Catalog, type DeviceState, type PendingAction, type PolicyFailure } from '../policy';

/** retry_at NULL: refused too often; not retried until the version changes or staff retry it. */
const NEVER = Number.MAX_SAFE_INTEGER;

/** The planner's view of one stored device. */
export function toDeviceState(row: PolicyDeviceRow): DeviceState {
  const pending: PendingAction[] = [];
  const failures: PolicyFailure[] = [];
  for (const i of row.items) {
    const kind = i.action as PendingAction['kind'];
    if (isPending(i)) pending.push({ kind, target: i.target, version: i.expectedVersion });
    else if (i.state === 'failed') {
      failures.push({ kind, target: i.target, version: i.expectedVersion, attempts: i.attempts, retryAt: i.retryAt?.getTime() ?? NEVER, reason: i.lastError?.reason });
    }
  }
  return {
    device: { id: row.id, serialNumber: row.serialNumber, assetTag: row.assetTag, udid: row.udid, supervised: row.supervised },
    unitId: placementUnitId(row),
    profiles: row.profiles?.map(([identifier, uuid, managed]) => ({ identifier, uuid: uuid ?? undefined, isManaged: managed === 1 })) ?? null,
    apps: row.apps?.map((identifier) => ({ identifier })) ?? null,
    managedApps: row.managedApps.map(([bundleId, , configVersion]) => ({ bundleId, configVersion })),
    pending,
    failures,
  };
}

/**
 * Queued while its command is still in the queue, or acknowledged and not yet shown by an
 * inventory report: either way the device will have it without another command.
 */
export function isPending(i: LoadedItem): boolean {
  return (i.state === 'queued' && i.live) || i.state === 'acknowledged';
}

/**
 * What policy keeps of a ProfileList: only Slate's policy profiles (identifier, version, managed).
 * Nothing else can be planned on, and 100,000 devices' lists must load in a fraction of a second.
 */
export function compactProfiles(records: readonly ProfileRecord[], policyPrefix: string): CompactProfile[] {
  return records.filter((p) => p.identifier.startsWith(policyPrefix)).map((p) => [p.identifier, p.uuid ?? null, p.isManaged === false ? 0 : 1] as const);
}

/**
 * What policy keeps of an InstalledApplicationList: the apps the catalog names or Slate manages.
 * Whether any other app is present changes no plan (an app Slate does not manage is never removed,
 * and a catalog app Slate does not manage is installed, taking it over, whether present or not).
 */
export function compactApps(records: readonly InstalledAppRecord[], catalog: Catalog | null, managed: readonly string[]): string[] {
  const keep = new Set(managed);
  for (const e of catalog?.entries ?? []) for (const a of e.apps) keep.add(a.bundleId);
  return [...new Set(records.filter((a) => keep.has(a.identifier)).map((a) => a.identifier))];
}
