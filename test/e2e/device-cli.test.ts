import { join } from 'node:path';
import type { SimulatedIpad } from '../sim/ipad-simulator';
import { runCli } from '../helpers/run-cli';
import { PUBLIC, startSpine, type SpineHarness } from '../helpers/spine-harness';

/**
 * `slate device ...` and `slate cert ...` as an operator runs them, against the database of a
 * running Slate that two simulated iPads enrolled into (gs-bildstock and gs-holz), on SQLite or
 * Postgres like every test. The CLI is spawned asynchronously: the test process also hosts
 * Slate's HTTP server and the stand-in APNs the CLI pushes to.
 */
describe('slate device CLI', () => {
  let h: SpineHarness;
  let ipad: SimulatedIpad;
  let other: SimulatedIpad;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await startSpine();
    ipad = await h.enrolled();
    other = h.ipad();
    const holz = await h.slate.services.enrollmentTokens.create({ schoolCode: 'gs-holz', gradeLevel: 3, createdBy: 'test' });
    await other.enrol(holz.url);
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

  const run = (...args: string[]) => runCli(env, ...args);
  const ok = async (...args: string[]) => {
    const r = await run(...args);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(r.stdout) as unknown;
  };
  /** Exit 1 and one line on stderr that matches `line`. */
  const fails = async (line: RegExp, ...args: string[]) => {
    const r = await run(...args);
    expect({ args, status: r.status, stdout: r.stdout, stderr: r.stderr.trim().split('\n') }).toEqual({ args, status: 1, stdout: '', stderr: [expect.stringMatching(line)] });
  };
  const idOf = async (i: SimulatedIpad) => (await h.slate.services.devices.require(i.udid)).id;
  const deviceId = () => idOf(ipad);
  const pushedTo = (i: SimulatedIpad) => h.apns.requests.filter((r) => JSON.parse(r.body).mdm === i.pushMagic).length;

  it('lists enrolled iPads as JSON, by school and state', async () => {
    const list = (await ok('device', 'list', '--school', 'gs-bildstock', '--json')) as Record<string, unknown>[];
    expect(list).toEqual([expect.objectContaining({ id: await deviceId(), udid: ipad.udid, serial: ipad.facts.serial, state: 'enrolled', school: 'gs-bildstock' })]);
    expect(((await ok('device', 'list', '--json')) as { udid: string }[]).map((d) => d.udid).sort()).toEqual([ipad.udid, other.udid].sort());
    expect(await ok('device', 'list', '--state', 'lost', '--json')).toEqual([]);
  }, 60_000);

  it('shows one device by id, UDID or serial with its check-ins', async () => {
    const byId = (await ok('device', 'show', await deviceId(), '--json')) as Record<string, unknown>;
    expect(byId).toMatchObject({ id: await deviceId(), udid: ipad.udid, serial: ipad.facts.serial, state: 'enrolled' });
    expect((byId.recentCheckins as { messageType: string }[]).map((c) => c.messageType).sort()).toEqual(['Authenticate', 'TokenUpdate']);
    expect(await ok('device', 'show', ipad.facts.serial, '--json')).toMatchObject({ id: await deviceId() });
  }, 60_000);

  it('queues a DeviceLock with --params that wakes the iPad through APNs and is fetched by it', async () => {
    const out = (await ok('device', 'command', await deviceId(), 'DeviceLock', '--params', '{"Message":"x"}', '--json')) as { requestType: string; commands: { deviceId: string; commandUuid: string }[] };
    expect(out.requestType).toBe('DeviceLock');
    expect(out.commands).toEqual([{ deviceId: await deviceId(), commandUuid: expect.any(String) }]);
    const uuid = out.commands[0]!.commandUuid;
    expect(pushedTo(ipad)).toBeGreaterThan(0);
    const handled = await ipad.connect();
    expect(handled.map((c) => [c.commandUuid, c.requestType, c.command.Message])).toEqual([[uuid, 'DeviceLock', 'x']]);
    const timeline = (await ok('device', 'commands', ipad.udid, '--json')) as Record<string, unknown>[];
    expect(timeline).toEqual([expect.objectContaining({ commandUuid: uuid, requestType: 'DeviceLock', status: 'acknowledged' })]);
  }, 60_000);

  it('sends in bulk to every device of a school (--school), RequestType in any case', async () => {
    const [bildstock, holz] = [await deviceId(), await idOf(other)];
    const pushesBefore = pushedTo(other);
    const out = (await ok('device', 'command', '--school', 'gs-bildstock', 'devicelock', '--params', '{"Message":"Schule"}', '--json')) as {
      requestType: string; bulkJobId: string | null; commands: { deviceId: string }[];
    };
    expect(out).toMatchObject({ requestType: 'DeviceLock', bulkJobId: expect.any(String) });
    expect(out.commands.map((c) => c.deviceId)).toEqual([bildstock]);
    expect(pushedTo(other)).toBe(pushesBefore);
    expect((await ipad.connect()).map((c) => [c.requestType, c.command.Message])).toEqual([['DeviceLock', 'Schule']]);
    expect(await h.slate.services.apple.commands.timeline(holz)).toEqual([]);
  }, 60_000);

  it('sends in bulk to every device (--all) and says what it did in one summary line', async () => {
    const r = await run('device', 'command', '--all', 'DeviceInformation');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout.split('\n')[0]).toMatch(/^queued DeviceInformation for 2 device\(s\) \(bulk job [0-9a-f-]{36}\); 0 skipped, 0 already queued, 0 push\(es\) waiting$/);
    for (const i of [ipad, other]) {
      expect(pushedTo(i)).toBeGreaterThan(0);
      expect((await i.connect()).map((c) => c.requestType)).toEqual(['DeviceInformation']);
    }
  }, 60_000);

  it('exits 1 with one line naming the problem: request type, --params, target, options', async () => {
    const id = await deviceId();
    const before = (await h.slate.services.apple.commands.timeline(id)).length;
    await fails(/^slate: unknown RequestType "DeviceLok"; did you mean DeviceLock\?$/, 'device', 'command', id, 'DeviceLok');
    await fails(/^slate: --params: not valid JSON/, 'device', 'command', id, 'DeviceLock', '--params', '{bad');
    await fails(/^slate: --params: expected a JSON object/, 'device', 'command', id, 'DeviceLock', '--params', '[1]');
    await fails(/^slate: --params: DeviceLock: .*PIN/, 'device', 'command', id, 'DeviceLock', '--params', '{"PIN":"12"}');
    await fails(/^slate: missing DEVICE or REQUEST_TYPE; name one target/, 'device', 'command', 'DeviceLock');
    await fails(/^slate: --school and --all exclude each other/, 'device', 'command', '--school', 'gs-bildstock', '--all', 'DeviceLock');
    await fails(/^slate: a device and --all given/, 'device', 'command', id, 'DeviceLock', '--all');
    await fails(/^slate: no unit with code 'nowhere'$/, 'device', 'command', '--school', 'nowhere', 'DeviceLock');
    await fails(/^slate: no device NO-SUCH-DEVICE$/, 'device', 'show', 'NO-SUCH-DEVICE', '--json');
    await fails(/^slate: --state: expected one of pending, enrolled, lost, wiped, retired, got 'sleeping'$/, 'device', 'list', '--state', 'sleeping');
    await fails(/^slate: --limit: expected a whole number, got 'abc'$/, 'device', 'commands', id, '--limit', 'abc');
    expect(await h.slate.services.apple.commands.timeline(id)).toHaveLength(before);
  }, 120_000);

  it('a bulk EraseDevice without a terminal needs --yes; with it, it is queued', async () => {
    const holz = await idOf(other);
    await fails(/^slate: EraseDevice on 1 device\(s\) \(school:gs-holz\): no terminal to confirm on; add --yes$/, 'device', 'command', '--school', 'gs-holz', 'EraseDevice');
    expect((await h.slate.services.apple.commands.timeline(holz)).map((c) => c.requestType)).toEqual(['DeviceInformation']);
    const out = (await ok('device', 'command', '--school', 'gs-holz', 'erasedevice', '--yes', '--json')) as { commands: { deviceId: string }[] };
    expect(out.commands.map((c) => c.deviceId)).toEqual([holz]);
    expect((await h.slate.services.apple.commands.timeline(holz)).map((c) => c.requestType)).toEqual(['EraseDevice', 'DeviceInformation']);
  }, 60_000);

  it('lists and revokes a device\'s certificates by serial number or UDID; a revoke of nothing fails', async () => {
    const certs = (await ok('cert', 'list', '--device', ipad.facts.serial, '--json')) as { deviceId: string; revokedAt: string | null }[];
    expect(certs).toEqual([expect.objectContaining({ deviceId: await deviceId(), revokedAt: null })]);
    expect(await ok('cert', 'revoke', '--device', ipad.facts.serial, '--json')).toEqual({ revoked: 1, deviceId: await deviceId() });
    expect(await ok('cert', 'list', '--device', ipad.udid, '--json')).toEqual([expect.objectContaining({ revokedAt: expect.any(String) })]);
    await fails(/^slate: device .* has no unrevoked certificate$/, 'cert', 'revoke', '--device', ipad.udid);
    await fails(/^slate: no device NO-SUCH-SERIAL$/, 'cert', 'revoke', '--device', 'NO-SUCH-SERIAL');
    await fails(/^slate: no device NO-SUCH-SERIAL$/, 'cert', 'list', '--device', 'NO-SUCH-SERIAL');
    // The other iPad's certificate is untouched.
    expect(await ok('cert', 'list', '--device', other.facts.serial, '--json')).toEqual([expect.objectContaining({ revokedAt: null })]);
  }, 60_000);
});
