import type { InstalledAppRecord, ProfileRecord } from '../apple/protocol';
import type { CompactProfiles, LoadedItem, PolicyDeviceRow } from '../db/stores';
import { placementUnitId, type DeviceState, type PendingAction, type PolicyFailure, type ReportedApp, type ReportedProfile } from '../policy';

/** retry_at NULL: refused too often; not retried until the version changes or staff retry it. */
const NEVER = Number.MAX_SAFE_INTEGER;

/** The planner's view of one stored device; `policyPrefix` restores the profiles' identifiers. */
export function toDeviceState(row: PolicyDeviceRow, policyPrefix: string): DeviceState {
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
    profiles: row.profiles && reported(row.profiles, policyPrefix),
    apps: row.missingApps && presentApps(row),
    managedApps: row.managedApps.map(([bundleId, , configVersion]) => ({ bundleId, configVersion })),
    pending,
    failures,
  };
}

/** The managed apps the last report showed: all the planner needs to know of the device's apps. */
function presentApps(row: PolicyDeviceRow): ReportedApp[] {
  const missing = row.missingApps!;
  const out: ReportedApp[] = [];
  for (const [identifier] of row.managedApps) if (!missing.includes(identifier)) out.push({ identifier });
  return out;
}

function reported(profiles: CompactProfiles, prefix: string): ReportedProfile[] {
  const out: ReportedProfile[] = [];
  for (const id in profiles) out.push({ identifier: prefix + id, uuid: profiles[id], isManaged: true });
  return out;
}

/**
 * Queued while its command is still in the queue, or acknowledged and not yet shown by an
 * inventory report: either way the device will have it without another command.
 */
export function isPending(i: LoadedItem): boolean {
  return (i.state === 'queued' && i.live) || i.state === 'acknowledged';
}

/**
 * What policy keeps of a ProfileList: Slate's managed policy profiles (identifier after the prefix,
 * version). Nothing else can be planned on (a profile the device does not report as managed is
 * never removed), and 100,000 devices' lists must load in a fraction of the plan's budget.
 */
export function compactProfiles(records: readonly ProfileRecord[], policyPrefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of records) if (p.isManaged !== false && p.identifier.startsWith(policyPrefix)) out[p.identifier.slice(policyPrefix.length)] = p.uuid ?? '';
  return out;
}

/**
 * What policy keeps of an InstalledApplicationList: the apps Slate installed that it does not show.
 * Usually none, so a converged device stores an empty list, not its apps (pupils' data minimal, and
 * 100,000 devices load fast).
 */
export function missingApps(records: readonly InstalledAppRecord[], managed: readonly string[]): string[] {
  const present = new Set(records.map((a) => a.identifier));
  return managed.filter((b) => !present.has(b));
}
