import { createPrivateKey, X509Certificate } from 'node:crypto';
import plist from 'plist';
import { fingerprintOf } from '../../src/pki/x509';
import { signedPut, startSpine, type SpineHarness } from '../helpers/spine-harness';
import type { SimulatedIpad } from '../sim/ipad-simulator';
import { enrol, fetchRecipientCert, httpTransport } from '../sim/scep-requester';

/**
 * Device trust (issue #9), end to end through the real endpoints: the findings of the review, each
 * with the behaviour Slate must have now. (Takeover by UDID and the proxy header are in
 * apple-device-auth.test.ts.)
 */
describe('device trust: renewal, revoked links, hostile answers', () => {
  let h: SpineHarness;
  beforeAll(async () => {
    h = await startSpine();
  }, 60_000);
  afterAll(() => h?.close());

  const idOf = async (ipad: SimulatedIpad) => (await h.slate.services.devices.require(ipad.udid)).id;
  const scep = async () => {
    const url = `${h.base}/scep`;
    return { transport: httpTransport(url), recipientCert: (await fetchRecipientCert(url)).recipient };
  };
  const certs = async (deviceId: string) => h.slate.services.pki.listCertificates({ deviceId, includeRevoked: true });

  it('renews an identity with a RenewalReq signed by the bound certificate; the new one works on both endpoints, the old one is revoked once the new one is seen (#7)', async () => {
    const ipad = await h.enrolled();
    const deviceId = await idOf(ipad);
    const old = ipad.identityForBench();
    const renewed = await enrol({ ...(await scep()), renew: { key: createPrivateKey(old.keyPem), certDer: old.certDer } });
    expect(renewed.reply.status).toBe('SUCCESS');
    const fresh = { keyPem: renewed.keyPem, certDer: renewed.certDer! };
    // Issued for the same device, not yet its identity: the old one still works until the new one is seen.
    expect((await h.slate.services.pki.getCertificateByFingerprint(fingerprintOf(fresh.certDer)))!.deviceId).toBe(deviceId);
    const lock = (await h.slate.services.apple.staff.send({ devices: [await h.slate.services.devices.require(deviceId)], requestType: 'DeviceLock', params: {}, by: 'test' })).commands[0]!.commandUuid;
    const first = await signedPut(ipad.urls.connect, { UDID: ipad.udid, Status: 'Idle' }, fresh);
    expect(first.status).toBe(200);
    expect((plist.parse(first.body.toString('utf8')) as { CommandUUID: string }).CommandUUID).toBe(lock);
    expect((await signedPut(ipad.urls.checkin, { UDID: ipad.udid, MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: Buffer.alloc(32, 7), PushMagic: 'RENEWED' }, fresh)).status).toBe(200);
    const all = await certs(deviceId);
    expect(all.find((c) => c.fingerprint === fingerprintOf(fresh.certDer))!.revokedAt).toBeNull();
    expect(all.find((c) => c.fingerprint === fingerprintOf(old.certDer))).toMatchObject({ revokeReason: 'superseded by renewal' });
    expect((await ipad.putRaw(ipad.urls.connect, Buffer.from(plist.build({ UDID: ipad.udid, Status: 'Idle' })))).status).toBe(403);
    // The old identity cannot renew again either.
    const again = await enrol({ ...(await scep()), renew: { key: createPrivateKey(old.keyPem), certDer: old.certDer } });
    expect(again.reply.status).toBe('FAILURE');
  });

  it('re-sends the enrolment profile before an identity expires, and the device\'s new certificate becomes its identity (identity renewal)', async () => {
    const ipad = await h.enrolled();
    const deviceId = await idOf(ipad);
    // Everything enrolled here expires within 400 days: due.
    const renewal = new (await import('../../src/apple/identity-renewal')).IdentityRenewal({
      db: h.slate.db, appleDevices: h.slate.stores.appleDevices, enrollment: h.slate.services.enrollment, commands: h.slate.services.apple.commands,
      buildCommand: (t, p) => h.slate.services.apple.protocol.buildCommand(t, p), renewBeforeMs: 400 * 86_400_000, logger: h.slate.logger,
    });
    expect(await renewal.renewDue()).toBeGreaterThanOrEqual(1);
    // One renewal per device while its challenge is out there.
    const queuedBefore = (await h.slate.services.apple.commands.timeline(deviceId)).filter((c) => c.requestType === 'InstallProfile').length;
    await renewal.renewDue();
    expect((await h.slate.services.apple.commands.timeline(deviceId)).filter((c) => c.requestType === 'InstallProfile')).toHaveLength(queuedBefore);
    // The body is sealed at rest while queued: it carries a one-time challenge.
    const queued = await h.slate.db.rows<{ body_sealed: unknown }>(`SELECT body_sealed FROM command_queue WHERE device_id = ? AND request_type = 'InstallProfile'`, [deviceId]);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.every((q) => q.body_sealed === true || q.body_sealed === 1)).toBe(true);
    // This test plays the device's SCEP round itself; the simulated iPad, which would run it on
    // its own (sim-ipad.test.ts), defers the install instead.
    ipad.react = (type) => (type === 'InstallProfile' ? 'NotNow' : 'Acknowledged');
    const [install] = await ipad.connect();
    expect(install!.requestType).toBe('InstallProfile');
    const payload = install!.command.Payload as Buffer;
    const xml = payload.subarray(payload.indexOf('<?xml'), payload.lastIndexOf('</plist>') + 8).toString('utf8');
    const doc = plist.parse(xml) as { PayloadContent: Record<string, unknown>[] };
    const scepPayload = doc.PayloadContent.find((p) => p.PayloadType === 'com.apple.security.scep')!.PayloadContent as { Challenge: string };
    const mdmPayload = doc.PayloadContent.find((p) => p.PayloadType === 'com.apple.mdm')!;
    expect(mdmPayload.ServerURL).toBe('https://mdm.slate.test/mdm/connect');
    const got = await enrol({ ...(await scep()), challenge: scepPayload.Challenge });
    expect(got.reply.status).toBe('SUCCESS');
    const fresh = { keyPem: got.keyPem, certDer: got.certDer! };
    expect((await signedPut(ipad.urls.connect, { UDID: ipad.udid, Status: 'Idle' }, fresh)).status).toBe(200);
    expect((await certs(deviceId)).filter((c) => !c.revokedAt).map((c) => c.fingerprint)).toEqual([fingerprintOf(fresh.certDer)]);
    // The challenge was one-time.
    expect((await enrol({ ...(await scep()), challenge: scepPayload.Challenge })).reply.status).toBe('FAILURE');
    // A renewal certificate of one device cannot speak for another.
    const other = await h.enrolled();
    expect((await signedPut(other.urls.connect, { UDID: other.udid, Status: 'Idle' }, fresh)).status).toBe(403);
  });

  it('a certificate from a link revoked before its first Authenticate enrols nothing (#6)', async () => {
    const t = await h.slate.services.enrollmentTokens.create({ schoolCode: 'gs-bildstock', gradeLevel: 3, createdBy: 'test' });
    const ipad = h.ipad();
    await ipad.installProfile(t.url);
    await ipad.enrolCertificate();
    await h.slate.services.enrollmentTokens.revoke(t.record.id);
    const r = await ipad.checkin({ MessageType: 'Authenticate', Topic: h.apns.pushCert.topic, SerialNumber: ipad.facts.serial });
    expect(r.status).toBe(403);
    expect(h.lastRequest('/mdm/checkin')!.reason).toBe('enrollment_token_invalid');
    await expect(h.slate.services.devices.require(ipad.udid)).rejects.toMatchObject({ code: 'device_unknown' });
  });

  it('an answer with an integer beyond 2^53 and NUL characters is recorded, not a 500 the device repeats forever (#8)', async () => {
    const ipad = h.ipad();
    await ipad.installProfile(await h.newLink());
    await ipad.enrolCertificate();
    const authenticate = '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>'
      + `<key>UDID</key><string>${ipad.udid}</string><key>MessageType</key><string>Authenticate</string>`
      + `<key>Topic</key><string>${h.apns.pushCert.topic}</string><key>DeviceName</key><string>iPad \u0000 NUL</string></dict></plist>`;
    // XML forbids the character reference &#0; (refused, 400); a raw NUL byte in the text is taken as it comes.
    expect((await ipad.putRaw(ipad.urls.checkin, Buffer.from(authenticate.replace('\u0000', '&#0;')), 'application/x-apple-aspen-mdm-checkin')).status).toBe(400);
    expect((await ipad.putRaw(ipad.urls.checkin, Buffer.from(authenticate), 'application/x-apple-aspen-mdm-checkin')).status).toBe(200);
    expect((await ipad.checkin({ MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: ipad.pushToken, PushMagic: ipad.pushMagic })).status).toBe(200);
    const deviceId = await idOf(ipad);
    expect((await h.slate.services.devices.require(deviceId)).name).toBe('iPad \uFFFD NUL');
    const uuid = (await h.slate.services.apple.staff.send({ devices: [await h.slate.services.devices.require(deviceId)], requestType: 'DeviceLock', params: {}, by: 'test' })).commands[0]!.commandUuid;
    await ipad.report({ Status: 'Idle' });
    const huge = '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>'
      + `<key>UDID</key><string>${ipad.udid}</string><key>CommandUUID</key><string>${uuid}</string><key>Status</key><string>Error</string>`
      + '<key>ErrorChain</key><array><dict><key>ErrorCode</key><integer>18446744073709551615</integer><key>ErrorDomain</key><string>Bad\u0000Domain</string>'
      + '<key>LocalizedDescription</key><string>NUL \u0000 inside</string></dict></array></dict></plist>';
    const r = await ipad.putRaw(ipad.urls.connect, Buffer.from(huge));
    expect(r.status).toBe(200);
    const done = (await h.slate.services.apple.commands.get(uuid))!;
    expect(done).toMatchObject({ status: 'error', resultStatus: 'Error' });
    expect(JSON.stringify(done.errorChain)).toContain('18446744073709551615');
  });

  it('keeps a lost device\'s location only while it is lost, and no raw answer of it (#9)', async () => {
    const ipad = await h.enrolled();
    const device = await h.slate.services.devices.require(ipad.udid);
    const send = async (requestType: string, params: Record<string, unknown> = {}) =>
      (await h.slate.services.apple.staff.send({ devices: [await h.slate.services.devices.require(ipad.udid)], requestType, params, by: 'test' })).commands[0]!.commandUuid;
    await send('EnableLostMode', { Message: 'Bitte abgeben', PhoneNumber: '0681 123456' });
    const locate = await send('DeviceLocation');
    await ipad.connect();
    expect((await h.slate.services.devices.details(device.id)).inventory.DeviceLocation).toBeDefined();
    const raw = await h.slate.db.one<{ result_raw: string | null }>('SELECT result_raw FROM command_history WHERE command_uuid = ?', [locate]);
    expect(raw!.result_raw).toBeNull();
    await send('DisableLostMode');
    await ipad.connect();
    expect((await h.slate.services.devices.details(device.id)).inventory.DeviceLocation).toBeUndefined();
    const everywhere = await h.slate.db.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM command_history WHERE device_id = ? AND result_raw IS NOT NULL`, [device.id]);
    expect(Number(everywhere[0]!.n)).toBe(0);
  });

  it('rolls an answer back when its side effects fail, so the device reports again and nothing is half-applied', async () => {
    const ipad = await h.enrolled();
    const uuid = (await h.slate.services.apple.staff.send({ devices: [await h.slate.services.devices.require(ipad.udid)], requestType: 'DeviceInformation', params: {}, by: 'test' })).commands[0]!.commandUuid;
    const next = await ipad.report({ Status: 'Idle' });
    expect(next!.CommandUUID).toBe(uuid);
    await h.slate.db.run('ALTER TABLE device_inventory RENAME TO device_inventory_away');
    try {
      const answer = { UDID: ipad.udid, Status: 'Acknowledged', CommandUUID: uuid, QueryResponses: { DeviceName: 'Renamed', OSVersion: '18.2' } };
      const failed = await ipad.putRaw(ipad.urls.connect, Buffer.from(plist.build(answer)));
      expect(failed.status).toBe(500);
      expect(await h.slate.services.apple.commands.get(uuid)).toMatchObject({ status: 'sent' });
      await h.slate.db.run('ALTER TABLE device_inventory_away RENAME TO device_inventory');
      expect((await ipad.putRaw(ipad.urls.connect, Buffer.from(plist.build(answer)))).status).toBe(200);
    } finally {
      await h.slate.db.run('ALTER TABLE device_inventory_away RENAME TO device_inventory').catch(() => undefined);
    }
    expect(await h.slate.services.apple.commands.get(uuid)).toMatchObject({ status: 'acknowledged' });
    expect((await h.slate.services.devices.require(ipad.udid)).osVersion).toBe('18.2');
  });

  it('of two concurrent Authenticates with one certificate for two UDIDs, exactly one device exists and can poll', async () => {
    const t = await h.slate.services.enrollmentTokens.create({ schoolCode: 'gs-bildstock', gradeLevel: 3, createdBy: 'test' });
    const a = h.ipad();
    await a.installProfile(t.url);
    await a.enrolCertificate();
    const identity = a.identityForBench();
    const udids = ['RACE-A-' + Date.now(), 'RACE-B-' + Date.now()];
    const results = await Promise.all(udids.map((udid) =>
      signedPut(a.urls.checkin, { UDID: udid, MessageType: 'Authenticate', Topic: h.apns.pushCert.topic }, identity)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
    const known = await Promise.all(udids.map((u) => h.slate.services.devices.require(u).then(() => u, () => null)));
    expect(known.filter(Boolean)).toHaveLength(1);
    const polls = await Promise.all(udids.map((udid) => signedPut(a.urls.connect, { UDID: udid, Status: 'Idle' }, identity)));
    expect(polls.map((p) => p.status).sort()).toEqual([200, 403]);
    expect(new X509Certificate(identity.certDer).serialNumber).toBeTruthy();
  });
});
