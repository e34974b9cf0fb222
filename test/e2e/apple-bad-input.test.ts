import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import plist from 'plist';
import type { SimulatedIpad } from '../sim/ipad-simulator';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';

/**
 * Hostile and broken bodies on /mdm/checkin and /mdm/connect, properly signed by an enrolled
 * iPad (so the body, not the signature, is what gets refused). Devices only ever get bare
 * statuses; every refusal leaves its reason in the request log.
 */
describe('Apple device endpoints: bad input', () => {
  let h: SpineHarness;
  let ipad: SimulatedIpad;
  const CHECKIN = 'application/x-apple-aspen-mdm-checkin';

  beforeAll(async () => {
    h = await startSpine();
    ipad = await h.enrolled();
  }, 60_000);
  afterAll(() => h?.close());

  const build = (msg: Record<string, unknown>) => Buffer.from(plist.build(msg as Parameters<typeof plist.build>[0]), 'utf8');
  const device = () => h.slate.services.devices.require(ipad.udid);
  const checkinRaw = (body: Buffer) => ipad.putRaw(ipad.urls.checkin, body, CHECKIN);
  const connectRaw = (body: Buffer) => ipad.putRaw(ipad.urls.connect, body);
  const expectBare = async (reply: Promise<{ status: number; body: Buffer }>, path: string, status: number, reason?: string) => {
    const r = await reply;
    expect([r.status, r.body.toString('utf8')]).toEqual([status, '']);
    expect(h.lastRequest(path)).toMatchObject({ status, reason: reason ?? expect.any(String) });
  };
  const authenticateXml = (deviceName: string, doctype = '') =>
    `<?xml version="1.0" encoding="UTF-8"?>\n${doctype}<plist version="1.0"><dict><key>MessageType</key><string>Authenticate</string>` +
    `<key>Topic</key><string>${h.apns.pushCert.topic}</string><key>UDID</key><string>${ipad.udid}</string>` +
    `<key>DeviceName</key><string>${deviceName}</string></dict></plist>`;

  describe('check-in bodies', () => {
    it('refuses DOCTYPE + ENTITY (XXE) without expanding anything', async () => {
      const xxe = authenticateXml('&xxe;', '<!DOCTYPE plist [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n');
      await expectBare(checkinRaw(Buffer.from(xxe)), '/mdm/checkin', 400, 'plist_invalid');
      const undeclared = authenticateXml('&xxe;');
      await expectBare(checkinRaw(Buffer.from(undeclared)), '/mdm/checkin', 400, 'plist_invalid');
      expect((await device()).name).toBe(ipad.facts.name);
    });

    it('refuses billion laughs quickly', async () => {
      const lols = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`)].join('');
      const bomb = authenticateXml('&lol9;', `<!DOCTYPE plist [${lols}]>\n`);
      await expectBare(checkinRaw(Buffer.from(bomb)), '/mdm/checkin', 400, 'plist_invalid');
      expect((await device()).name).toBe(ipad.facts.name);
    });

    it('refuses non-UTF-8 text, other encodings and garbage bytes', async () => {
      const latin1 = Buffer.from(authenticateXml('Caf\u00e9'), 'latin1');
      await expectBare(checkinRaw(latin1), '/mdm/checkin', 400, 'plist_invalid');
      const declared = Buffer.from(authenticateXml('x').replace('UTF-8', 'ISO-8859-1'));
      await expectBare(checkinRaw(declared), '/mdm/checkin', 400, 'plist_invalid');
      await expectBare(checkinRaw(randomBytes(2048)), '/mdm/checkin', 400);
      await expectBare(checkinRaw(Buffer.concat([Buffer.from('bplist00'), randomBytes(200)])), '/mdm/checkin', 400, 'plist_invalid');
      await expectBare(checkinRaw(Buffer.from('{"MessageType":"Authenticate"}')), '/mdm/checkin', 400, 'plist_invalid');
      expect((await device()).name).toBe(ipad.facts.name);
    });

    it('refuses a truncated plist', async () => {
      const full = build({ UDID: ipad.udid, MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: randomBytes(32), PushMagic: 'TRUNCATED' });
      for (const cut of [full.length - 10, Math.floor(full.length / 2), 40]) {
        await expectBare(checkinRaw(full.subarray(0, cut)), '/mdm/checkin', 400, 'plist_invalid');
      }
      expect((await h.slate.s.appleDevices.get((await device()).id))?.pushMagic).toBe(ipad.pushMagic);
    });

    it('refuses a check-in without UDID, without or with an unknown MessageType', async () => {
      await expectBare(checkinRaw(build({ MessageType: 'TokenUpdate', Topic: 't', Token: randomBytes(32), PushMagic: 'x' })), '/mdm/checkin', 400, 'message_invalid');
      await expectBare(checkinRaw(build({ EnrollmentID: 'user-enrolment', MessageType: 'UserAuthenticate' })), '/mdm/checkin', 400);
      await expectBare(checkinRaw(build({ UDID: ipad.udid, MessageType: 'Reboot' })), '/mdm/checkin', 400, 'message_type_unknown');
      await expectBare(checkinRaw(build({ UDID: ipad.udid })), '/mdm/checkin', 400, 'message_invalid');
      await expectBare(checkinRaw(build({ UDID: ipad.udid, MessageType: 'TokenUpdate', Topic: 't', Token: 'not data', PushMagic: 'x' })), '/mdm/checkin', 400, 'message_invalid');
      await expectBare(checkinRaw(Buffer.from('<?xml version="1.0"?><plist version="1.0"><array/></plist>')), '/mdm/checkin', 400, 'message_invalid');
    });

    it('refuses a body over 1 MiB with 413 and an empty body with 400 (both endpoints)', async () => {
      const huge = build({ UDID: ipad.udid, MessageType: 'Authenticate', Topic: 't', DeviceName: 'x'.repeat(1024 * 1024) });
      await expectBare(checkinRaw(huge), '/mdm/checkin', 413);
      await expectBare(connectRaw(build({ UDID: ipad.udid, Status: 'Idle', Pad: 'x'.repeat(1024 * 1024) })), '/mdm/connect', 413);
      expect(h.logs.some((l) => l.msg === 'device request refused' && l.code === 'payload_too_large')).toBe(true);
      // Devices never compress: a gzip bomb is refused unopened on both endpoints.
      for (const [url, path] of [[ipad.urls.connect, '/mdm/connect'], [ipad.urls.checkin, '/mdm/checkin']] as const) {
        const bomb = await fetch(url, { method: 'PUT', body: gzipSync(Buffer.alloc(20 * 1024 * 1024)), headers: { 'content-encoding': 'gzip' } });
        await expectBare(bomb.arrayBuffer().then((b) => ({ status: bomb.status, body: Buffer.from(b) })), path, 415);
      }
      await expectBare(ipad.putRaw(ipad.urls.checkin, Buffer.alloc(0), CHECKIN, false), '/mdm/checkin', 400);
      await expectBare(ipad.putRaw(ipad.urls.connect, Buffer.alloc(0), 'application/xml', false), '/mdm/connect', 400);
    });

    it('answers UserAuthenticate with 410 (no user channel)', async () => {
      await expectBare(ipad.checkin({ MessageType: 'UserAuthenticate', UserID: 'user-1' }), '/mdm/checkin', 410);
    });

    it('keeps the bootstrap token sealed and hands it back', async () => {
      const token = randomBytes(48);
      expect((await ipad.checkin({ MessageType: 'SetBootstrapToken', BootstrapToken: token, AwaitingConfiguration: false })).status).toBe(200);
      const row = await h.slate.db.one<{ bootstrap_token: string }>('SELECT bootstrap_token FROM apple_devices WHERE device_id = ?', [(await device()).id]);
      const stored = String(row?.bootstrap_token);
      expect(stored.length).toBeGreaterThan(0);
      for (const form of [token.toString('base64'), token.toString('hex'), token.toString('base64url')]) expect(stored).not.toContain(form);
      const got = await ipad.checkin({ MessageType: 'GetBootstrapToken' });
      expect(got.status).toBe(200);
      const answer = plist.parse(got.body.toString('utf8')) as { BootstrapToken: Buffer };
      expect(Buffer.from(answer.BootstrapToken).equals(token)).toBe(true);
    });

    it('answers the Declarative Management tokens and declaration-items endpoints', async () => {
      const tokens = await ipad.checkin({ MessageType: 'DeclarativeManagement', Endpoint: 'tokens' });
      expect(tokens.status).toBe(200);
      const sync = JSON.parse(tokens.body.toString('utf8')) as { SyncTokens: { DeclarationsToken: string; Timestamp: string } };
      expect(sync.SyncTokens.DeclarationsToken).toMatch(/^\S+$/);
      expect(Number.isNaN(Date.parse(sync.SyncTokens.Timestamp))).toBe(false);
      const items = await ipad.checkin({ MessageType: 'DeclarativeManagement', Endpoint: 'declaration-items' });
      expect(JSON.parse(items.body.toString('utf8'))).toMatchObject({ DeclarationsToken: sync.SyncTokens.DeclarationsToken, Declarations: { Configurations: [] } });
    });

    it('records every check-in with its type and OS version', async () => {
      const fresh = await h.enrolled({ osVersion: '17.7' });
      await fresh.checkin({ MessageType: 'DeclarativeManagement', Endpoint: 'tokens' });
      await fresh.checkin({ MessageType: 'UserAuthenticate', UserID: 'u' });
      await fresh.checkin({ MessageType: 'GetBootstrapToken' });
      const checkins = (await h.slate.services.devices.details(fresh.udid)).recentCheckins;
      expect(checkins.map((c) => c.messageType).sort()).toEqual(['Authenticate', 'DeclarativeManagement', 'GetBootstrapToken', 'TokenUpdate', 'UserAuthenticate']);
      expect(checkins.every((c) => c.osVersion === '17.7')).toBe(true);
    });
  });

  describe('command endpoint reports', () => {
    const lock = async () => (await h.slate.services.apple.staff.send({ devices: [await device()], requestType: 'DeviceLock', params: {}, by: 'test' })).commands[0]!.commandUuid;

    it('accepts a report for an unknown CommandUUID (logged, not retried forever)', async () => {
      const uuid = randomUUID().toUpperCase();
      expect(await ipad.report({ Status: 'Acknowledged', CommandUUID: uuid })).toBeNull();
      expect(h.logs.some((l) => l.msg === 'command report ignored' && l.commandUuid === uuid && l.outcome === 'unknown')).toBe(true);
    });

    it('keeps a command acknowledged once when the report comes twice', async () => {
      const uuid = await lock();
      await ipad.connect();
      const first = await h.slate.services.apple.commands.get(uuid);
      expect(first).toMatchObject({ status: 'acknowledged' });
      expect(await ipad.report({ Status: 'Acknowledged', CommandUUID: uuid })).toBeNull();
      expect(await ipad.report({ Status: 'Error', CommandUUID: uuid, ErrorChain: [] })).toBeNull();
      expect(await h.slate.services.apple.commands.get(uuid)).toEqual(first);
      const timeline = await h.slate.services.apple.commands.timeline((await device()).id, 100);
      expect(timeline.filter((c) => c.commandUuid === uuid)).toHaveLength(1);
    });

    it('refuses reports without CommandUUID, with an unknown Status or without UDID', async () => {
      const uuid = await lock();
      await expectBare(connectRaw(build({ UDID: ipad.udid, Status: 'Acknowledged' })), '/mdm/connect', 400, 'message_invalid');
      await expectBare(connectRaw(build({ UDID: ipad.udid, Status: 'Done', CommandUUID: uuid })), '/mdm/connect', 400, 'message_invalid');
      await expectBare(connectRaw(build({ UDID: ipad.udid })), '/mdm/connect', 400, 'message_invalid');
      await expectBare(connectRaw(build({ Status: 'Idle' })), '/mdm/connect', 400, 'message_invalid');
      await expectBare(connectRaw(Buffer.from(authenticateXml('&xxe;', '<!DOCTYPE plist [<!ENTITY xxe "x">]>'))), '/mdm/connect', 400, 'plist_invalid');
      // Nothing was lost: the command is still handed out on the next Idle.
      expect((await ipad.connect()).map((c) => c.commandUuid)).toEqual([uuid]);
    });

    it('does not hand out an expired command, swept or not', async () => {
      const { apple } = h.slate.services;
      const id = (await device()).id;
      const swept = (await apple.commands.enqueue([id], apple.protocol.buildCommand('DeviceLock', { Message: 'late' }), { ttlMs: 1 })).commands[0]!.commandUuid;
      const unswept = (await apple.commands.enqueue([id], apple.protocol.buildCommand('DeviceInformation', {}), { ttlMs: 1 })).commands[0]!.commandUuid;
      await new Promise((r) => setTimeout(r, 20));
      expect(await ipad.connect()).toEqual([]);
      expect(await apple.commands.get(unswept)).toMatchObject({ status: 'queued' });
      // The sweeper skips rows the push dispatcher holds this instant (SKIP LOCKED; it takes them the
      // next round): let the pushes of these enqueues finish first, so this sweep is deterministic.
      await h.slate.services.push.flush();
      expect(await apple.commands.expireDue()).toBeGreaterThanOrEqual(2);
      expect(await apple.commands.get(swept)).toMatchObject({ status: 'expired' });
      expect(await apple.commands.get(unswept)).toMatchObject({ status: 'expired' });
      expect(await ipad.connect()).toEqual([]);
    });

    it('never answered a device with 401, 500 or a JSON error', () => {
      const lines = h.logs.filter((l) => l.msg === 'request' && String(l.path).startsWith('/mdm/'));
      expect(lines.some((l) => l.status === 401 || Number(l.status) >= 500)).toBe(false);
      expect(h.logs.some((l) => l.level === 'error')).toBe(false);
    });
  });
});
