import type { AuditLog } from '../../audit/audit-log';
import type { StaffCommands } from '../../apple/staff-commands';
import type { Db } from '../../db/database';
import type { PlacedDevice } from '../../db/stores';
import { AppError, toAppError } from '../../errors';
import { actorOf, requireFreshStepUp, requirePermission, type Principal } from '../auth/principal';
import type { Permission } from '../rbac/roles';
import type { AdminDevices } from './admin-devices.service';

export const DEVICE_ACTIONS = ['lock', 'lost-mode', 'lost-mode-off', 'location', 'sound', 'restart', 'wipe', 'clear-passcode'] as const;
export type DeviceAction = (typeof DEVICE_ACTIONS)[number];

interface ActionRule {
  permission: Permission;
  requestType: string;
  /** A passkey assertion of at most STEP_UP_MAX_AGE. */
  stepUp?: boolean;
  /** Only for a device in lost mode (Apple: location and sound work only there; pupils' privacy). */
  lostOnly?: boolean;
  params?(input: Record<string, unknown>): Record<string, unknown>;
}

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export const ACTION_RULES: Record<DeviceAction, ActionRule> = {
  lock: { permission: 'devices.lock', requestType: 'DeviceLock', params: (i) => defined({ Message: i.message, PhoneNumber: i.phoneNumber, PIN: i.pin }) },
  'lost-mode': { permission: 'devices.lost_mode', requestType: 'EnableLostMode', params: (i) => defined({ Message: i.message, PhoneNumber: i.phoneNumber, Footnote: i.footnote }) },
  'lost-mode-off': { permission: 'devices.lost_mode', requestType: 'DisableLostMode' },
  location: { permission: 'devices.location', requestType: 'DeviceLocation', lostOnly: true },
  sound: { permission: 'devices.sound', requestType: 'PlayLostModeSound', lostOnly: true },
  restart: { permission: 'devices.restart', requestType: 'RestartDevice' },
  wipe: { permission: 'devices.wipe', requestType: 'EraseDevice', stepUp: true, params: (i) => defined({ PIN: i.pin, PreserveDataPlan: i.preserveDataPlan }) },
  'clear-passcode': { permission: 'devices.clear_passcode', requestType: 'ClearPasscode', stepUp: true },
};

export interface ActionResult {
  deviceId: string;
  commandUuid: string;
  requestType: string;
}

/**
 * Staff actions on one device: permission, step-up and confirmation checked first, then the
 * command and its audit line in one transaction. Refusals and failures are audited too, in a
 * transaction of their own (the action's rolled back).
 */
export class DeviceActions {
  constructor(private readonly deps: { db: Db; devices: AdminDevices; staff: StaffCommands; audit: AuditLog; stepUpMaxAgeMs: number; now?: () => Date }) {}

  async run(p: Principal, ref: string, action: DeviceAction, input: Record<string, unknown>, ip: string | null): Promise<ActionResult> {
    const rule = ACTION_RULES[action];
    let device: PlacedDevice | undefined;
    try {
      requirePermission(p, rule.permission);
      return await this.deps.db.transaction(async (tx) => {
        device = await this.deps.devices.require(tx, p.scope, ref);
        if (rule.stepUp) requireFreshStepUp(p, this.deps.stepUpMaxAgeMs, this.deps.now?.() ?? new Date());
        if (action === 'wipe') confirmSerial(device, input.confirmSerial);
        if (rule.lostOnly && device.state !== 'lost') throw new AppError('conflict', `${action} works only while the device is in lost mode`);
        const r = await this.deps.staff.sendIn(tx, { devices: [device], requestType: rule.requestType, params: rule.params?.(input) ?? {}, by: p.label });
        const commandUuid = r.commands[0]!.commandUuid;
        await this.deps.audit.append(tx, {
          actor: actorOf(p), action: `device.${action}`, target: { type: 'device', id: device.id, path: device.placementPath },
          detail: { serial: device.serialNumber, commandUuid, requestType: rule.requestType }, ip,
        });
        return { deviceId: device.id, commandUuid, requestType: rule.requestType };
      });
    } catch (err) {
      const e = toAppError(err);
      // Out of scope is "not found" to the caller, and audited like any refusal.
      await this.deps.audit.record({
        actor: actorOf(p), action: `device.${action}`, target: { type: 'device', id: device?.id ?? ref, path: device?.placementPath ?? p.scope.path },
        outcome: e.status < 500 ? 'refused' : 'failed', detail: { error: e.code }, ip,
      });
      throw err;
    }
  }
}

/** A wipe names the device twice: by its id in the URL and by the serial typed back from its label. */
function confirmSerial(device: PlacedDevice, typed: unknown): void {
  const want = device.serialNumber?.toUpperCase();
  if (!want || typeof typed !== 'string' || typed.trim().toUpperCase() !== want) {
    throw new AppError('confirmation_mismatch', 'type the serial number of the device to confirm the wipe', { details: { field: 'confirmSerial', problem: 'does not match the device' } });
  }
}
