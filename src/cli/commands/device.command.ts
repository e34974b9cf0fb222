import type { Command } from 'commander';
import type { Slate } from '../../app';
import { DEVICE_STATES, type DeviceState } from '../../db/entities';
import type { Device } from '../../db/stores';
import { AppError, isAppError } from '../../errors';
import { withSlate } from '../context';
import { choiceOption, integerOption, jsonObjectOption } from '../options';
import { printObject, printRows } from '../output';
import { resolveRequestType } from '../request-type';
import { confirm, withProgress } from '../terminal';
import { registerDeviceMove } from './device-move.command';

const DEVICE_COLUMNS = ['id', 'udid', 'serial', 'state', 'school', 'grade', 'name', 'model', 'osVersion', 'lastSeenAt'] as const;

/** Bulk commands that cannot be taken back: asked for on a terminal, `--yes` in scripts. */
const DESTRUCTIVE = new Set(['EraseDevice', 'ClearPasscode']);

export function registerDevice(program: Command): void {
  const device = program.command('device').description('devices: list, show, send commands, command timeline');
  device
    .command('list')
    .description('devices at or under a school or municipality (or all)')
    .option('--school <code>', 'school or municipality code')
    .option('--state <state>', DEVICE_STATES.join(' | '), choiceOption('--state', DEVICE_STATES))
    .option('--json', 'machine-readable output')
    .action(async (o: { school?: string; state?: DeviceState; json?: boolean }) => {
      await withSlate(async (slate) => {
        const devices = await slate.services.devices.list({ underCode: o.school, state: o.state, limit: 100_000 });
        printRows(await deviceRows(slate, devices), DEVICE_COLUMNS, !!o.json);
      });
    });
  device
    .command('show')
    .argument('<device>', 'device id, UDID or serial number')
    .description('one device with placement, Apple state, inventory and recent check-ins')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }) => {
      await withSlate(async (slate) => {
        const d = await slate.services.devices.details(id);
        if (o.json) return printObject({ ...(await deviceRows(slate, [d.device]))[0], ...d }, true);
        printObject({ ...(await deviceRows(slate, [d.device]))[0], class: d.placement.class, apple: d.apple }, false);
        for (const [kind, inv] of Object.entries(d.inventory)) process.stdout.write(`\n[${kind}] ${inv.updatedAt.toISOString()}\n${JSON.stringify(inv.data, null, 2)}\n`);
        process.stdout.write('\nrecent check-ins:\n');
        printRows(d.recentCheckins.map((c) => ({ at: c.createdAt, messageType: c.messageType, osVersion: c.osVersion })), ['at', 'messageType', 'osVersion'], false);
      });
    });
  device
    .command('commands')
    .argument('<device>', 'device id, UDID or serial number')
    .description('command timeline of a device, newest first')
    .option('--limit <n>', 'how many (1-1000)', integerOption('--limit', { min: 1, max: 1000 }), 50)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { limit: number; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const d = await services.devices.require(id);
        const rows = (await services.apple.commands.timeline(d.id, o.limit)).map((c) => ({
          id: c.commandUuid, commandUuid: c.commandUuid, requestType: c.requestType, status: c.status, resultStatus: c.resultStatus,
          notNowCount: c.notNowCount, enqueuedAt: c.enqueuedAt, sentAt: c.sentAt, finishedAt: c.finishedAt, createdBy: c.createdBy,
        }));
        printRows(rows, ['commandUuid', 'requestType', 'status', 'notNowCount', 'enqueuedAt', 'sentAt', 'finishedAt'], !!o.json);
      });
    });
  device
    .command('command')
    .usage('[options] DEVICE REQUEST_TYPE | --school CODE REQUEST_TYPE | --all REQUEST_TYPE')
    // Both optional for commander: with --school/--all the one word given is the RequestType.
    .argument('[device]', 'device id, UDID or serial (or use --school / --all)')
    .argument('[requestType]', 'Apple RequestType in any case, e.g. DeviceLock, EnableLostMode, EraseDevice, DeviceInformation')
    .description('queue an Apple MDM command and wake the devices through APNs')
    .option('--school <code>', 'every device at or under this school or municipality')
    .option('--all', 'every device')
    .option('--params <json>', 'command parameters as a JSON object, e.g. \'{"Message":"Bitte im Sekretariat abgeben"}\'', jsonObjectOption('--params'))
    .option('--yes', `do not ask before a bulk ${[...DESTRUCTIVE].join(' or ')}`)
    .option('--json', 'machine-readable output')
    .action(async (a: string | undefined, b: string | undefined, o: CommandOptions) => {
      const { id, typed } = commandTarget(a, b, o);
      const requestType = resolveRequestType(typed);
      await withSlate(async (slate) => {
        const { services } = slate;
        const { r, waiting } = await withProgress(async (bar) => {
          bar.step(id !== undefined ? `finding device ${id}` : `selecting devices ${o.school ? `under ${o.school}` : '(all)'}`);
          const devices = id !== undefined ? [await services.devices.require(id)] : await services.devices.list({ underCode: o.school, limit: 1_000_000 });
          const bulkTarget = id !== undefined ? undefined : o.school ? `school:${o.school}` : 'all';
          if (devices.length === 0) throw new AppError('device_unknown', `no devices${o.school ? ` under ${o.school}` : ''}`);
          if (bulkTarget && DESTRUCTIVE.has(requestType)) {
            bar.end();
            await confirm(`${requestType} on ${devices.length} device(s) (${bulkTarget})`, { yes: o.yes });
          }
          bar.step(`queueing ${requestType} for ${devices.length} device(s)`);
          const r = await services.apple.staff.send({ devices, requestType, params: o.params ?? {}, by: 'cli', bulkTarget }).catch(paramsError);
          // Send the pushes before this process exits (a running server would also pick them up).
          bar.step(`waking ${r.commands.length} device(s) through APNs`);
          await services.push.flush().catch(() => undefined);
          return { r, waiting: await slate.stores.pushOutbox.count(slate.db) };
        });
        if (o.json) return printObject({ requestType, ...r, pushesWaiting: waiting }, true);
        process.stdout.write(`queued ${requestType} for ${r.commands.length} device(s)${r.bulkJobId ? ` (bulk job ${r.bulkJobId})` : ''}; ` +
          `${r.skipped.length} skipped, ${r.duplicates.length} already queued, ${waiting} push(es) waiting\n`);
        for (const c of r.commands.slice(0, 20)) process.stdout.write(`  ${c.deviceId}  ${c.commandUuid}\n`);
        if (r.commands.length > 20) process.stdout.write(`  ... and ${r.commands.length - 20} more (--json lists all)\n`);
        for (const s of r.skipped) process.stdout.write(`  skipped ${s.deviceId}: ${s.reason}\n`);
      });
    });
  registerDeviceMove(device);
}

interface CommandOptions {
  school?: string;
  all?: boolean;
  params?: Record<string, unknown>;
  yes?: boolean;
  json?: boolean;
}

/** `DEVICE TYPE`, `--school CODE TYPE` or `--all TYPE`: exactly one target. */
function commandTarget(a: string | undefined, b: string | undefined, o: CommandOptions): { id?: string; typed: string } {
  const usage = 'name one target: DEVICE REQUEST_TYPE, --school CODE REQUEST_TYPE or --all REQUEST_TYPE';
  if (o.school !== undefined && o.all) throw new AppError('validation_failed', `--school and --all exclude each other; ${usage}`);
  const bulk = o.school !== undefined || !!o.all;
  if (a === undefined) throw new AppError('validation_failed', `missing REQUEST_TYPE; ${usage}`);
  if (b !== undefined) {
    if (bulk) throw new AppError('validation_failed', `a device and ${o.all ? '--all' : '--school'} given; ${usage}`);
    return { id: a, typed: b };
  }
  if (!bulk) throw new AppError('validation_failed', `missing DEVICE or REQUEST_TYPE; ${usage}`);
  return { typed: a };
}

/** What the command builder refuses is what the operator typed in --params. */
function paramsError(err: unknown): never {
  if (isAppError(err) && err.code === 'command_invalid') throw new AppError(err.code, `--params: ${err.message}`, { details: err.details, cause: err });
  throw err;
}

async function deviceRows(slate: Slate, devices: readonly Device[]) {
  const codes = new Map((await slate.services.org.list()).map((u) => [u.id, u.code]));
  const code = (id: string | null) => (id ? codes.get(id) ?? id : null);
  return devices.map((d) => ({
    id: d.id, code: d.serialNumber ?? d.udid, kind: 'device', udid: d.udid, serial: d.serialNumber, state: d.state, platform: d.platform,
    school: code(d.schoolId), grade: code(d.gradeId), class: code(d.classId), name: d.name, model: d.model, osVersion: d.osVersion,
    enrolledAt: d.enrolledAt, lastSeenAt: d.lastSeenAt,
  }));
}
