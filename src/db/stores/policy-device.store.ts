import type { Db, Queryable, Tx } from '../database';
import type { Scope } from './scope';

/**
 * Slate's managed policy profiles of the device's last ProfileList, as policy keeps them: identifier
 * without the `<prefix>.slate.policy.` part → PayloadUUID. An object, not a list of tuples: a fleet
 * plan parses 100,000 of them, and this form parses in half the time.
 */
export type CompactProfiles = Readonly<Record<string, string>>;

/** An app Slate installed: [bundle id, adamId, configuration version it last sent]. */
export type ManagedAppRecord = readonly [bundleId: string, adamId: number, configVersion: string | null];

export const POLICY_ITEM_STATES = ['queued', 'acknowledged', 'failed'] as const;
/**
 * queued: the command is in the queue (pending while it is); acknowledged: the device said yes and
 * the next inventory report will show it (still pending); failed: refused, retried after retry_at.
 */
export type PolicyItemState = (typeof POLICY_ITEM_STATES)[number];

export interface PolicyItemKey {
  deviceId: string;
  item: 'profile' | 'app';
  /** Profile identifier or bundle id. */
  target: string;
}

/** What Slate is doing about one profile or app of one device (device_policy_items). */
export interface PolicyItem extends PolicyItemKey {
  /** The planner's action kind (installProfile, removeApp, …). */
  action: string;
  entryId: string | null;
  expectedVersion: string | null;
  state: PolicyItemState;
  commandUuid: string | null;
  attempts: number;
  retryAt: Date | null;
  /** The device's refusal: a summary and Apple's ErrorChain. */
  lastError: { reason: string; errorChain: unknown[] | null } | null;
  alertedAt: Date | null;
  updatedAt: Date;
}

export interface LoadedItem extends PolicyItem {
  /** For queued items: whether the command is still in the queue (not cancelled, expired or lost). */
  live: boolean;
}

/** One device as the planner needs it: placement, facts for variables, compact inventory, items. */
export interface PolicyDeviceRow {
  id: string;
  serialNumber: string | null;
  assetTag: string | null;
  udid: string | null;
  supervised: boolean | null;
  schoolId: string | null;
  gradeId: string | null;
  classId: string | null;
  /** Null until the device has reported a ProfileList. */
  profiles: CompactProfiles | null;
  /**
   * Apps Slate installed that the last InstalledApplicationList did not show; null until the device
   * has reported one. Which other apps a device has changes no plan (an app Slate does not manage is
   * never removed, a catalog app it does not manage is installed, taking it over, either way).
   */
  missingApps: string[] | null;
  managedApps: ManagedAppRecord[];
  items: LoadedItem[];
}

export interface PolicyDeviceQuery {
  /** Keyset paging: devices with an id greater than this. */
  afterId?: string;
  limit: number;
  schoolIds?: readonly string[];
  /** Only devices inside this subtree (staff of a municipality, school, grade or class). */
  scope?: Scope;
  ids?: readonly string[];
  /** Lock the `ids` devices' rows first (a transaction on Postgres), then read them. */
  lock?: boolean;
}

/**
 * The per-device side of policy: compact inventory, managed apps and items. Only enrolled Apple
 * devices are loaded: a pending, lost, wiped or retired iPad is not sent configuration.
 */
export interface PolicyDeviceStore {
  /** Devices ordered by id (keyset pages), each with its compact state and items. */
  load(q: Queryable, query: PolicyDeviceQuery): Promise<PolicyDeviceRow[]>;
  /** One keyset page of a fleet-wide read (plan, apply), in a read transaction of its own. */
  fleetPage(db: Db, query: PolicyDeviceQuery): Promise<PolicyDeviceRow[]>;
  /** Locks the devices' rows for the transaction, in id order (Postgres; SQLite's transaction holds the file). */
  lock(tx: Tx, deviceIds: readonly string[]): Promise<void>;
  /** The apps Slate installed on a device, whatever its state. */
  managedApps(q: Queryable, deviceId: string): Promise<ManagedAppRecord[]>;
  putProfiles(tx: Tx, deviceId: string, profiles: CompactProfiles, at: Date): Promise<void>;
  putMissingApps(tx: Tx, deviceId: string, bundleIds: readonly string[], at: Date): Promise<void>;
  putManagedApps(tx: Tx, deviceId: string, apps: readonly ManagedAppRecord[], at: Date): Promise<void>;
  /** Forgets inventory, managed apps and items (a new enrolment starts from what the device reports). */
  reset(tx: Tx, deviceId: string): Promise<void>;
  upsertItems(tx: Tx, items: readonly PolicyItem[]): Promise<void>;
  itemByCommand(tx: Tx, deviceId: string, commandUuid: string): Promise<PolicyItem | null>;
  deleteItem(tx: Tx, key: PolicyItemKey): Promise<void>;
  /** Acknowledged items of one kind, now that an inventory report shows the device as it is. */
  clearAcknowledged(tx: Tx, deviceId: string, item: 'profile' | 'app'): Promise<number>;
  /** Whether a command of this type waits in the device's queue (one ProfileList after many installs). */
  hasPending(tx: Tx, deviceId: string, requestType: string): Promise<boolean>;
  /** Devices with a refusal whose backoff has run out. */
  dueRetries(q: Queryable, now: Date, limit: number): Promise<string[]>;
}
