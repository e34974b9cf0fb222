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

/** Nesting of staff-given parameters is shallow; deeper than this is treated as opaque (sealed). */
const MAX_DEPTH = 32;

/**
 * Whether a command's body must be sealed at rest: a secret key at any depth, or opaque data
 * anywhere (an InstallProfile payload can hold Wi-Fi passwords and certificates' keys that Slate
 * cannot see into).
 */
export function carriesSecret(value: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return true;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return true;
  if (Array.isArray(value)) return value.some((v) => carriesSecret(v, depth + 1));
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  return Object.entries(value).some(([k, v]) => SECRET_KEYS.has(k) || carriesSecret(v, depth + 1));
}

/**
 * What staff may see of a command in timelines and the audit log: secrets removed, binary data
 * (profiles, tokens) reduced to its size.
 */
export function describeParams(command: Record<string, unknown>): Record<string, unknown> {
  const { RequestType: _type, ...params } = command;
  return describe(params, 0) as Record<string, unknown>;
}

function describe(v: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return '[nested]';
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => describe(x, depth + 1));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEYS.has(k) ? '[secret]' : describe(x, depth + 1);
  return out;
}
