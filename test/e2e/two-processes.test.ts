import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import plist from 'plist';
import { signedPut, startSpine, type SpineHarness } from '../helpers/spine-harness';
import { testDialect } from '../helpers/test-db';

const CLI = join(__dirname, '../../bin/slate.js');

/**
 * Several stateless Slate processes on one Postgres (issue #10): the test process hosts one Slate
 * (A, with the stand-in APNs), and a second `slate serve` runs as a child process (B) on the same
 * database schema, CA and secret key. Devices poll either. SQLite files belong to one process, so
 * this runs on Postgres only.
 */
(testDialect === 'postgres' ? describe : describe.skip)('two Slate processes on one Postgres', () => {
  let h: SpineHarness;
  let b: ChildProcess;
  let bUrl: string;
  const bLogs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    h = await startSpine({ APNS_POLL_INTERVAL: '200ms' });
    const db = h.slate.testDb;
    const database = db.database as { url: string; schema: string };
    b = spawn(process.execPath, [CLI, 'serve'], {
      env: {
        PATH: process.env.PATH!, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'debug',
        DATABASE_URL: database.url, DATABASE_SCHEMA: database.schema, DATABASE_POOL_SIZE: '4',
        DATA_DIR: db.dir, SECRET_KEY_FILE: join(db.dir, 'secret.key'), CERTS_DIR: join(db.dir, 'certs'),
        PUBLIC_URL: h.slate.config.publicUrl, APNS_URL: h.apns.url, APNS_CA_FILE: h.apns.caFile, APNS_POLL_INTERVAL: '200ms',
        ORG_IMPORT_ON_START: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`process B did not start: ${JSON.stringify(bLogs.slice(-5))}`)), 30_000);
      b.once('exit', (code) => reject(new Error(`process B exited with ${code}: ${JSON.stringify(bLogs.slice(-5))}`)));
      createInterface({ input: b.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          bLogs.push(entry);
          if (entry.msg === 'Slate is listening') {
            clearTimeout(timer);
            resolve(String(entry.url));
          }
        } catch {
          bLogs.push({ raw: line });
        }
      });
    });
  }, 60_000);

  afterAll(async () => {
    if (b && b.exitCode === null) {
      b.kill('SIGTERM');
      await new Promise((r) => b.once('exit', r));
    }
    await h?.close();
  });

  const connectOn = (base: string) => `${base}/mdm/connect`;

  it('delivers a command enqueued through one process exactly once through the other, and pushes it once', async () => {
    const ipad = await h.enrolled();
    const identity = ipad.identityForBench();
    const device = await h.slate.services.devices.require(ipad.udid);
    const token = ipad.pushToken.toString('hex');
    const pushesBefore = h.apns.requests.filter((r) => r.token === token).length;
    const uuid = (await h.slate.services.apple.staff.send({ devices: [device], requestType: 'DeviceLock', params: { Message: 'B' }, by: 'test' })).commands[0]!.commandUuid;

    const viaB = await signedPut(connectOn(bUrl), { UDID: ipad.udid, Status: 'Idle' }, identity);
    expect(viaB.status).toBe(200);
    expect((plist.parse(viaB.body.toString('utf8')) as { CommandUUID: string }).CommandUUID).toBe(uuid);
    // Process A hands out nothing more: the command is out (sent), and answered through B.
    const answered = await signedPut(connectOn(bUrl), { UDID: ipad.udid, Status: 'Acknowledged', CommandUUID: uuid }, identity);
    expect([answered.status, answered.body.length]).toEqual([200, 0]);
    expect(await h.slate.services.apple.commands.get(uuid)).toMatchObject({ status: 'acknowledged' });
    const viaA = await signedPut(connectOn(h.base), { UDID: ipad.udid, Status: 'Idle' }, identity);
    expect([viaA.status, viaA.body.length]).toEqual([200, 0]);

    // Both processes run dispatcher rounds every 200 ms; the push still went out once.
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.apns.requests.filter((r) => r.token === token).length - pushesBefore).toBe(1);
  });

  it('honours a revocation made through one process in the other at once', async () => {
    const ipad = await h.enrolled();
    const identity = ipad.identityForBench();
    expect((await signedPut(connectOn(bUrl), { UDID: ipad.udid, Status: 'Idle' }, identity)).status).toBe(200);
    await h.slate.services.pki.revokeByDevice(h.slate.db, (await h.slate.services.devices.require(ipad.udid)).id, 'lost');
    expect((await signedPut(connectOn(bUrl), { UDID: ipad.udid, Status: 'Idle' }, identity)).status).toBe(403);
    expect((await signedPut(`${bUrl}/mdm/checkin`, { UDID: ipad.udid, MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: Buffer.alloc(32), PushMagic: 'X' }, identity)).status).toBe(403);
  });

  it('enrols through one process and is known to the other: one CA, one database', async () => {
    const ipad = h.ipad();
    await ipad.installProfile(await h.newLink());
    await ipad.enrolCertificate();
    const identity = ipad.identityForBench();
    const auth = await signedPut(`${bUrl}/mdm/checkin`, { UDID: ipad.udid, MessageType: 'Authenticate', Topic: h.apns.pushCert.topic }, identity);
    expect(auth.status).toBe(200);
    expect((await h.slate.services.devices.require(ipad.udid)).state).toBe('pending');
  });
});
