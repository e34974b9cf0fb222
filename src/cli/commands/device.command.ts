import type { Command } from 'commander';
import type { Slate } from '../../app';
import type { Device } from '../../db/stores';
import { AppError } from '../../errors';
import { withSlate } from '../context';
import { printObject, printRows } from '../output';

const DEVICE_COLUMNS = ['id', 'udid', 'serial', 'state', 'school', 'grade', 'name', 'model', 'osVersion', 'lastSeenAt'] as const;

export function registerDevice(program: Command): void {
  const device = program.command('device').description('devices: list, show, send commands, command timeline');
  device
    .command('list')
    .description('devices at or under a school or municipality (or all)')
    .option('--school <code>', 'school or municipality code')
    .option('--state <state>', 'pending | enrolled | lost | wiped | retired')
    .option('--json', 'machine-readable output')
    .action(async (o: { school?: string; state?: string; json?: boolean }) => {
      await withSlate(async (slate) => {
        const state = o.state === undefined ? undefined : parseState(o.state);
        const devices = await slate.services.devices.list({ underCode: o.school, state, limit: 100_000 });
        printRows(await deviceRows(slate, devices), DEVICE_COLUMNS, !!o.json);
      });
    });
  device
    .command('show')
    .argument('<id>', 'device id, UDID or serial number')
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
    .argument('<id>', 'device id, UDID or serial number')
    .description('command timeline of a device, newest first')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { limit: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const d = await services.devices.require(id);
        const rows = (await services.apple.commands.timeline(d.id, Number(o.limit) || 50)).map((c) => ({
          id: c.commandUuid, commandUuid: c.commandUuid, requestType: c.requestType, status: c.status, resultStatus: c.resultStatus,
          notNowCount: c.notNowCount, enqueuedAt: c.enqueuedAt, sentAt: c.sentAt, finishedAt: c.finishedAt, createdBy: c.createdBy,
        }));
        printRows(rows, ['commandUuid', 'requestType', 'status', 'notNowCount', 'enqueuedAt', 'sentAt', 'finishedAt'], !!o.json);
      });
    });
  device
    .command('command')
    .argument('[id]', 'device id, UDID or serial (or use --school / --all)')
    .argument('<requestType>', 'Apple RequestType, e.g. DeviceLock, EnableLostMode, EraseDevice, DeviceInformation')
    .description('queue an Apple MDM command and wake the devices through APNs')
    .option('--school <code>', 'every device at or under this school or municipality')
    .option('--all', 'every device')
    .option('--json <params>', 'command parameters as JSON, e.g. \'{"Message":"Bitte im Sekretariat abgeben"}\'')
    .option('--output-json', 'machine-readable output')
    .action(async (a: string | undefined, b: string | undefined, o: { school?: string; all?: boolean; json?: string; outputJson?: boolean }) => {
      // commander fills the optional id first: `device command DeviceLock --school X` gives a = type.
      const [id, requestType] = b === undefined ? [undefined, a] : [a, b];
      if (!requestType) throw new AppError('validation_failed', 'missing REQUEST_TYPE');
      const targets = [id !== undefined, !!o.school, !!o.all].filter(Boolean).length;
      if (targets !== 1) throw new AppError('validation_failed', 'name exactly one target: a device ID, --school CODE or --all');
      const params = parseParams(o.json);
      await withSlate(async (slate) => {
        const { services } = slate;
        const devices = id !== undefined ? [await services.devices.require(id)] : await services.devices.list({ underCode: o.school, limit: 1_000_000 });
        const bulkTarget = id !== undefined ? undefined : o.school ? `school:${o.school}` : 'all';
        const r = await services.apple.staff.send({ devices, requestType, params, by: 'cli', bulkTarget });
        // Send the pushes before this process exits (a running server would also pick them up).
        await services.push.flush().catch(() => undefined);
        if (o.outputJson) return printObject(r, true);
        process.stdout.write(`queued ${requestType} for ${r.commands.length} device(s)${r.bulkJobId ? ` (bulk job ${r.bulkJobId})` : ''}\n`);
        for (const c of r.commands.slice(0, 20)) process.stdout.write(`  ${c.deviceId}  ${c.commandUuid}\n`);
        for (const s of r.skipped) process.stdout.write(`  skipped ${s.deviceId}: ${s.reason}\n`);
      });
    });
}

function parseState(s: string): Device['state'] {
  const states = ['pending', 'enrolled', 'lost', 'wiped', 'retired'] as const;
  if (!(states as readonly string[]).includes(s)) throw new AppError('validation_failed', `--state: one of ${states.join(', ')}`);
  return s as Device['state'];
}

function parseParams(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new AppError('validation_failed', '--json: not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AppError('validation_failed', '--json: expected an object');
  return v as Record<string, unknown>;
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
