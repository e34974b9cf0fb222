import type { AuditLog } from '../../audit/audit-log';
import type { CommandService } from '../../apple/command.service';
import type { Db } from '../../db/database';
import type { CommandQueueStore, CommandRecord, ScopedFleetStore } from '../../db/stores';
import { AppError } from '../../errors';
import { actorOf, requirePermission, type Principal } from '../auth/principal';
import type { AdminDevices } from './admin-devices.service';

/** Commands through the caller's scope: a command is visible when its device is. */
export class AdminCommands {
  constructor(private readonly deps: { db: Db; fleet: ScopedFleetStore; queue: CommandQueueStore; commands: CommandService; devices: AdminDevices; audit: AuditLog }) {}

  list(p: Principal, device: string, limit: number): Promise<CommandRecord[]> {
    return this.deps.devices.commands(p, device, limit);
  }

  async get(p: Principal, uuid: string): Promise<CommandRecord> {
    requirePermission(p, 'commands.read');
    const deviceId = await this.deps.fleet.commandDevice(this.deps.db, p.scope, uuid);
    const c = deviceId ? await this.deps.commands.get(uuid) : null;
    if (!c) throw new AppError('not_found', `no command ${uuid}`);
    return c;
  }

  async cancel(p: Principal, uuid: string, ip: string | null): Promise<CommandRecord> {
    requirePermission(p, 'commands.cancel');
    const { db, fleet, queue, audit } = this.deps;
    await db.transaction(async (tx) => {
      const deviceId = await fleet.commandDevice(tx, p.scope, uuid);
      if (!deviceId) throw new AppError('not_found', `no command ${uuid}`);
      if (!(await queue.cancel(tx, uuid, new Date(), `cancelled by ${p.label}`))) throw new AppError('conflict', 'the command is no longer pending');
      await audit.append(tx, { actor: actorOf(p), action: 'command.cancel', target: { type: 'command', id: uuid, path: p.scope.path }, detail: { deviceId }, ip });
    });
    return (await this.deps.commands.get(uuid))!;
  }
}
