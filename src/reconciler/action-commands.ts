import type { AppleCommand } from '../apple/protocol';
import {
  configureAppCommand, installAppCommand, installProfileCommand, removeAppCommand, removeProfileCommand,
  type DeviceState, type LicenceProvider, type PolicyAction,
} from '../policy';
import type { PolicyContext } from './policy-context';

/** One planned action made concrete: its command, or why it waits (no licence yet). */
export interface BuiltAction {
  action: PolicyAction;
  item: 'profile' | 'app';
  target: string;
  entryId: string | null;
  /** Profile version or app configuration version the command brings; null for removals. */
  version: string | null;
  /** Same key, same command: devices sharing it are enqueued in one call. */
  key: string;
  command: AppleCommand | null;
  unavailable?: { reason: string; retryAfterMs: number };
}

/** How long an install waits when the licence provider has none free and names no time. */
const LICENCE_RETRY_MS = 3_600_000;

/**
 * Turns a planned action into the Apple command that carries it out. Profiles come signed from
 * the context's renderer (one signature per version, not per device); an App Store install first
 * makes sure the device holds a licence.
 */
export async function buildAction(ctx: PolicyContext, licences: LicenceProvider, state: DeviceState, action: PolicyAction): Promise<BuiltAction> {
  const { renderer } = ctx;
  const { unitId, device } = state;
  switch (action.kind) {
    case 'installProfile': {
      const signed = await renderer.signed(action.entryId, unitId, device);
      if (signed.uuid !== action.version) throw new Error(`policy ${action.entryId}: rendered version ${signed.uuid}, planned ${action.version}`);
      return built(action, 'profile', action.identifier, action.entryId, action.version, installProfileCommand(signed));
    }
    case 'removeProfile':
      return built(action, 'profile', action.identifier, action.entryId, null, removeProfileCommand(action.identifier));
    case 'installApp': {
      const licence = await licences.assign({ adamId: action.adamId, bundleId: action.bundleId, deviceId: device.id, serialNumber: device.serialNumber ?? null });
      const config = renderer.appConfiguration(action.entryId, action.bundleId, unitId, device);
      const b = built(action, 'app', action.bundleId, action.entryId, action.configVersion, installAppCommand({ adamId: action.adamId }, config));
      if (licence.status === 'assigned') return b;
      return { ...b, command: null, unavailable: { reason: `no licence: ${licence.reason}`, retryAfterMs: licence.retryAfterMs ?? LICENCE_RETRY_MS } };
    }
    case 'configureApp':
      return built(action, 'app', action.bundleId, action.entryId, action.configVersion,
        configureAppCommand(action.bundleId, renderer.appConfiguration(action.entryId, action.bundleId, unitId, device) ?? {}));
    case 'removeApp':
      return built(action, 'app', action.bundleId, null, null, removeAppCommand(action.bundleId));
  }
}

function built(action: PolicyAction, item: 'profile' | 'app', target: string, entryId: string | null, version: string | null, command: AppleCommand): BuiltAction {
  return { action, item, target, entryId, version, key: `${action.kind}|${target}|${version ?? ''}`, command };
}
