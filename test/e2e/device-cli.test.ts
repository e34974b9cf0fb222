import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { SimulatedIpad } from '../sim/ipad-simulator';
import { PUBLIC, startSpine, type SpineHarness } from '../helpers/spine-harness';

const CLI = join(__dirname, '../../bin/slate.js');

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `slate device ...` as an operator runs it, against the database of a running Slate that a
 * simulated iPad enrolled into. The CLI is spawned asynchronously: the test process also hosts
 * Slate's HTTP server and the stand-in APNs the CLI pushes to.
 */
describe('slate device CLI', () => {
  let h: SpineHarness;
  let ipad: SimulatedIpad;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await startSpine();
    ipad = await h.enrolled();
    const db = h.slate.testDb;
    // The CLI finds the same database: the SQLite file, or the test's Postgres schema.
    const databaseUrl = db.database.kind === 'sqlite' ? `sqlite:${db.database.path}` : db.database.url;
    env = {
      PATH: process.env.PATH!, DATA_DIR: db.dir, CERTS_DIR: join(db.dir, 'certs'), DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent',
      ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
      PUBLIC_URL: PUBLIC, APNS_URL: h.apns.url, APNS_CA_FILE: h.apns.caFile, ORG_IMPORT_ON_START: 'false',
    };
  }, 60_000);
  afterAll(() => h?.close());

  const run = (...args: string[]) =>
    new Promise<CliResult>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const ok = async (...args: string[]) => {
    const r = await run(...args);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(r.stdout) as unknown;
  };
  const deviceId = async () => (await h.slate.services.devices.require(ipad.udid)).id;

  it('lists the enrolled iPad as JSON', async () => {
    const list = (await ok('device', 'list', '--json')) as Record<string, unknown>[];
    expect(list).toEqual([expect.objectContaining({ id: await deviceId(), udid: ipad.udid, serial: ipad.facts.serial, state: 'enrolled', school: 'gs-bildstock' })]);
    expect(await ok('device', 'list', '--state', 'lost', '--json')).toEqual([]);
  }, 60_000);

  it('shows one device by id, UDID or serial with its check-ins', async () => {
    const byId = (await ok('device', 'show', await deviceId(), '--json')) as Record<string, unknown>;
    expect(byId).toMatchObject({ id: await deviceId(), udid: ipad.udid, serial: ipad.facts.serial, state: 'enrolled' });
    expect((byId.recentCheckins as { messageType: string }[]).map((c) => c.messageType).sort()).toEqual(['Authenticate', 'TokenUpdate']);
    expect(await ok('device', 'show', ipad.facts.serial, '--json')).toMatchObject({ id: await deviceId() });
  }, 60_000);

  it('queues a DeviceLock that wakes the iPad through APNs and is fetched by it', async () => {
    const out = (await ok('device', 'command', await deviceId(), 'DeviceLock', '--json', '{"Message":"x"}', '--output-json')) as { commands: { deviceId: string; commandUuid: string }[] };
    expect(out.commands).toEqual([{ deviceId: await deviceId(), commandUuid: expect.any(String) }]);
    const uuid = out.commands[0]!.commandUuid;
    expect(h.apns.requests.some((r) => JSON.parse(r.body).mdm === ipad.pushMagic)).toBe(true);
    const handled = await ipad.connect();
    expect(handled.map((c) => [c.commandUuid, c.requestType, c.command.Message])).toEqual([[uuid, 'DeviceLock', 'x']]);
    const timeline = (await ok('device', 'commands', ipad.udid, '--json')) as Record<string, unknown>[];
    expect(timeline).toEqual([expect.objectContaining({ commandUuid: uuid, requestType: 'DeviceLock', status: 'acknowledged' })]);
  }, 60_000);

  it('exits non-zero with one line for a bad request type, bad JSON or an unknown device', async () => {
    const id = await deviceId();
    for (const args of [
      ['device', 'command', id, 'NoSuchCommand'],
      ['device', 'command', id, 'DeviceLock', '--json', '{bad'],
      ['device', 'command', id, 'DeviceLock', '--json', '[1]'],
      ['device', 'show', 'NO-SUCH-DEVICE', '--json'],
      ['device', 'list', '--state', 'sleeping'],
    ]) {
      const r = await run(...args);
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^slate: /)]);
    }
    expect(await h.slate.services.apple.commands.timeline(id)).toHaveLength(1);
  }, 60_000);
});
