import type { DeviceFacts } from '../variables/variable-context';

/** One profile from the device's last ProfileList (ProfileRecord in inventory.ts fits). */
export interface ReportedProfile {
  identifier: string;
  uuid?: string;
  isManaged?: boolean;
}

/** One app from the device's last InstalledApplicationList (InstalledAppRecord fits). */
export interface ReportedApp {
  identifier: string;
  installing?: boolean;
}

/** An app Slate installed on this device, with the configuration version it last sent. */
export interface ManagedApp {
  bundleId: string;
  configVersion?: string | null;
}

export const ACTION_KINDS = ['installProfile', 'removeProfile', 'installApp', 'configureApp', 'removeApp'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/**
 * A policy command enqueued and not yet confirmed by an inventory report: queued, sent, or
 * acknowledged while the next ProfileList / InstalledApplicationList is outstanding. Target is the
 * profile identifier or the bundle id; version the profile UUID or app configuration version.
 */
export interface PendingAction {
  kind: ActionKind;
  target: string;
  version?: string | null;
}

/** A policy command the device refused; not retried before `retryAt` (epoch ms). */
export interface PolicyFailure {
  kind: ActionKind;
  target: string;
  version?: string | null;
  attempts: number;
  retryAt: number;
  /** Apple's ErrorChain, summarised, for status and alerts. */
  reason?: string;
}

/** Everything the planner needs to know about one device; no database, no I/O. */
export interface DeviceState {
  device: DeviceFacts;
  /** Class, else grade, else school id of the device (placementUnitId). */
  unitId: string | null;
  /** Last ProfileList; null when the device has never reported one. */
  profiles: readonly ReportedProfile[] | null;
  /** Last InstalledApplicationList; null when never reported. */
  apps: readonly ReportedApp[] | null;
  managedApps: readonly ManagedApp[];
  pending: readonly PendingAction[];
  failures: readonly PolicyFailure[];
}
