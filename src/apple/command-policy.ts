import { PRIORITY } from '../db/stores';

/**
 * How Slate treats each Apple request type in the queue. Loss-related commands jump the queue
 * (a lost tablet must lock before it installs the next app); inventory waits behind configuration.
 */
const URGENT = new Set(['DeviceLock', 'EraseDevice', 'EnableLostMode', 'DisableLostMode', 'PlayLostModeSound', 'DeviceLocation', 'ClearPasscode']);
const BACKGROUND = new Set(['DeviceInformation', 'SecurityInfo', 'ProfileList', 'InstalledApplicationList', 'CertificateList', 'ManagedApplicationList', 'AvailableOSUpdates']);

/** Keys whose values are secrets: the command body is sealed at rest and they never appear in params. */
const SECRET_KEYS = new Set(['UnlockToken', 'PIN', 'Password', 'Passcode', 'RecoveryLockPassword', 'NewPassword', 'CurrentPassword', 'ManagedAppleIDPassword']);

export function priorityOf(requestType: string): number {
  if (URGENT.has(requestType)) return PRIORITY.urgent;
  if (BACKGROUND.has(requestType)) return PRIORITY.background;
  return PRIORITY.normal;
}

export function carriesSecret(command: Record<string, unknown>): boolean {
  return Object.keys(command).some((k) => SECRET_KEYS.has(k));
}

/**
 * What staff may see of a command in timelines and the audit log: secrets removed, binary data
 * (profiles, tokens) reduced to its size.
 */
export function describeParams(command: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(command)) {
    if (k === 'RequestType') continue;
    if (SECRET_KEYS.has(k)) out[k] = '[secret]';
    else if (Buffer.isBuffer(v)) out[k] = `<${v.length} bytes>`;
    else if (v instanceof Date) out[k] = v.toISOString();
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = describeParams(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}
