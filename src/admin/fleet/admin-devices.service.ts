import type { AuditLog } from '../../audit/audit-log';
import type { CommandService } from '../../apple/command.service';
import type { Db, Queryable, Tx } from '../../db/database';
import type { DeviceState, Platform } from '../../db/entities';
import type { CommandRecord, PlacedDevice, Scope, ScopedDeviceStore, ScopedFleetStore } from '../../db/stores';
import { AppError } from '../../errors';
import type { DeviceDetails, DeviceService } from '../../fleet/device.service';
import { decodeCursor, pageOf, type Page } from '../cursor';
import { actorOf, requirePermission, type Principal } from '../auth/principal';
import { scopeOf } from '../auth/scope-resolver';
import type { DeviceMover } from './device-mover';

export type { CommandRecord, PlacedDevice } from '../../db/stores';

export interface DeviceQuery {
  /** Codes of units to look inside (each must be within the caller's scope). */
  municipality?: string;
  school?: string;
  grade?: string;
  class?: string;
  platform?: Platform;
  state?: DeviceState;
  lastSeenBefore?: Date;
  lastSeenAfter?: Date;
  q?: string;
  cursor?: string;
  limit: number;
}

export interface DeviceDetail extends DeviceDetails {
  commands: CommandRecord[];
  profiles: { identifier: string; displayName: string | null; status: 'installed' | 'installing' | 'removing' }[];
}

/** Devices as the admin API sees them: always through the caller's scope (scoped-device.store). */
export class AdminDevices {
  constructor(
    private readonly deps: {
      db: Db; scoped: ScopedDeviceStore; fleet: ScopedFleetStore; devices: DeviceService; commands: CommandService;
      mover: DeviceMover; audit: AuditLog;
    },
  ) {}

  async list(p: Principal, f: DeviceQuery): Promise<Page<PlacedDevice>> {
    requirePermission(p, 'devices.read');
    const { db, scoped } = this.deps;
    const unitCode = f.class ?? f.grade ?? f.school ?? f.municipality;
    const within = unitCode === undefined ? undefined : await this.unitScope(db, p.scope, unitCode);
    const rows = await scoped.list(db, p.scope, {
      within, platform: f.platform, state: f.state, lastSeenBefore: f.lastSeenBefore, lastSeenAfter: f.lastSeenAfter, search: f.q,
      afterId: decodeCursor(f.cursor, 'uuid') as string | undefined, limit: f.limit + 1,
    });
    return pageOf(rows, f.limit, (d) => d.id);
  }

  /** One device by id, UDID or serial inside the scope; outside it there is no such device. */
  async require(q: Queryable, scope: Scope, ref: string): Promise<PlacedDevice> {
    const found = await this.deps.scoped.find(q, scope, ref);
    if (found.length > 1) throw new AppError('conflict', `serial ${ref} matches ${found.length} devices; use the id`);
    if (!found[0]) throw new AppError('device_unknown', `no device ${ref}`);
    return found[0];
  }

  async detail(p: Principal, ref: string): Promise<DeviceDetail & { placementPath: string | null }> {
    requirePermission(p, 'devices.read');
    const device = await this.require(this.deps.db, p.scope, ref);
    const details = await this.deps.devices.details(device.id);
    const commands = await this.deps.commands.timeline(device.id, 50);
    return { ...details, placementPath: device.placementPath, commands, profiles: profilesOf(details.inventory, commands) };
  }

  async commands(p: Principal, ref: string, limit: number): Promise<CommandRecord[]> {
    requirePermission(p, 'commands.read');
    const device = await this.require(this.deps.db, p.scope, ref);
    return this.deps.commands.timeline(device.id, limit);
  }

  /** Moves a device to another school/grade/class inside the caller's scope; the mover does the rest (see device-mover.ts). */
  async move(p: Principal, ref: string, to: { school: string; grade: string; class?: string }, ip: string | null): Promise<PlacedDevice> {
    requirePermission(p, 'devices.move');
    const { db, fleet, audit, mover } = this.deps;
    return db.transaction(async (tx) => {
      const device = await this.require(tx, p.scope, ref);
      const school = await this.unit(tx, p.scope, to.school, 'school');
      const grade = await this.unit(tx, p.scope, to.grade, 'grade');
      const cls = to.class === undefined ? null : await this.unit(tx, p.scope, to.class, 'class');
      if (grade.parentId !== school.id || (cls && cls.parentId !== grade.id)) throw new AppError('validation_failed', 'grade and class must lie in the school', { details: { field: 'grade', problem: 'not in the school' } });
      const change = { deviceId: device.id, from: { schoolId: device.schoolId, gradeId: device.gradeId, classId: device.classId }, to: { schoolId: school.id, gradeId: grade.id, classId: cls?.id ?? null }, by: p.label };
      await mover.move(tx, change);
      await audit.append(tx, {
        actor: actorOf(p), action: 'device.move', target: { type: 'device', id: device.id, path: (cls ?? grade).path },
        detail: { serial: device.serialNumber, from: device.placementPath, to: { school: school.code, grade: grade.code, class: cls?.code ?? null } }, ip,
      });
      return (await this.require(tx, p.scope, device.id));
    });
  }

  private async unit(q: Queryable, scope: Scope, code: string, kind: string) {
    const u = await this.deps.fleet.unit(q, scope, code);
    if (!u || u.kind !== kind) throw new AppError('org_unit_unknown', `no ${kind} '${code}'`);
    return u;
  }

  private async unitScope(q: Queryable, scope: Scope, code: string): Promise<Scope> {
    const u = await this.deps.fleet.unit(q, scope, code);
    if (!u) throw new AppError('org_unit_unknown', `no unit '${code}'`);
    return scopeOf(u);
  }
}

/** Installed profiles from the last ProfileList, with the install/remove commands still pending. */
function profilesOf(inventory: Record<string, { data: unknown }>, commands: CommandRecord[]): DeviceDetail['profiles'] {
  const out = new Map<string, DeviceDetail['profiles'][number]>();
  const list = inventory.ProfileList?.data;
  if (Array.isArray(list)) {
    for (const p of list as { identifier?: unknown; displayName?: unknown }[]) {
      if (typeof p.identifier === 'string') out.set(p.identifier, { identifier: p.identifier, displayName: typeof p.displayName === 'string' ? p.displayName : null, status: 'installed' });
    }
  }
  for (const c of commands) {
    if (c.finishedAt || (c.requestType !== 'InstallProfile' && c.requestType !== 'RemoveProfile')) continue;
    const id = typeof c.params?.Identifier === 'string' ? c.params.Identifier : `command:${c.commandUuid}`;
    out.set(id, { identifier: id, displayName: out.get(id)?.displayName ?? null, status: c.requestType === 'InstallProfile' ? 'installing' : 'removing' });
  }
  return [...out.values()];
}

export type { Tx };
export { DEVICE_STATES, ORG_KINDS, PLATFORMS } from '../../db/entities';
