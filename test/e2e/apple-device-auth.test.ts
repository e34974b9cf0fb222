import { randomBytes } from 'node:crypto';
import plist from 'plist';
import type { HttpReply, SimulatedIpad } from '../sim/ipad-simulator';
import { signDetached } from '../sim/mdm-signature';
import { clientCertHeader, selfSignedIdentity, startSpine, type SpineHarness } from '../helpers/spine-harness';

/**
 * Who may speak for a device on /mdm/checkin and /mdm/connect (over real HTTP): only a live
 * Slate-issued identity certificate bound to that UDID. Refusals are bare 403s (never 401: an
 * iPad may unenrol itself on 401), leave a reason in the log and change nothing.
 */
describe('Apple device authentication', () => {
  let h: SpineHarness;
  let a: SimulatedIpad;
  let b: SimulatedIpad;

  beforeAll(async () => {
    h = await startSpine();
    a = await h.enrolled();
    b = await h.enrolled();
  }, 60_000);
  afterAll(() => h?.close());

  const plistBody = (msg: Record<string, unknown>) => Buffer.from(plist.build(msg as Parameters<typeof plist.build>[0]), 'utf8');
  const idle = (ipad: SimulatedIpad) => plistBody({ UDID: ipad.udid, Status: 'Idle' });
  const tokenUpdate = (ipad: SimulatedIpad, udid = ipad.udid) =>
    plistBody({ UDID: udid, MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: randomBytes(32), PushMagic: 'EVIL-MAGIC' });
  const device = (ipad: SimulatedIpad) => h.slate.services.devices.require(ipad.udid);
  const appleRow = async (ipad: SimulatedIpad) => h.slate.s.appleDevices.get((await device(ipad)).id);
  const checkinCount = async (ipad: SimulatedIpad) => (await h.slate.services.devices.details(ipad.udid)).recentCheckins.length;
  const withSignature = (ipad: SimulatedIpad, url: string, body: Buffer, signature: string) =>
    fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/xml', 'mdm-signature': signature } }).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type') }));

  /** A bare refusal: the status, no body, and a reason in the request log. */
  const expectRefused = (reply: HttpReply & { type?: string | null }, path: string, status = 403) => {
    expect(reply.status).toBe(status);
    expect(reply.body.length).toBe(0);
    expect(h.lastRequest(path)).toMatchObject({ status, reason: expect.any(String) });
  };

  it('refuses requests without Mdm-Signature on both endpoints', async () => {
    const before = await checkinCount(a);
    expectRefused(await a.putRaw(a.urls.checkin, tokenUpdate(a), 'application/x-apple-aspen-mdm-checkin', false), '/mdm/checkin');
    expectRefused(await a.putRaw(a.urls.connect, idle(a), 'application/xml', false), '/mdm/connect');
    expect(h.lastRequest('/mdm/connect')!.reason).toBe('device_auth_failed');
    expect(await checkinCount(a)).toBe(before);
    expect(h.logs.some((l) => l.msg === 'device request refused' && l.reason === 'no Mdm-Signature')).toBe(true);
  });

  it('refuses a signature by a self-signed certificate Slate never issued', async () => {
    const forged = selfSignedIdentity();
    const body = tokenUpdate(a);
    expectRefused(await withSignature(a, a.urls.checkin, body, signDetached(body, forged.keyPem, forged.certDer)), '/mdm/checkin');
    expect(h.lastRequest('/mdm/checkin')!.reason).toBe('certificate_untrusted');
    const poll = idle(a);
    expectRefused(await withSignature(a, a.urls.connect, poll, signDetached(poll, forged.keyPem, forged.certDer)), '/mdm/connect');
    expect((await appleRow(a))?.pushMagic).toBe(a.pushMagic);
  });

  it('refuses a valid signature over other bytes (one byte changed)', async () => {
    const body = idle(a);
    const signature = a.sign(body);
    // Still a well-formed report, for another UDID: only the signature can tell.
    const at = body.indexOf(a.udid) + a.udid.length - 1;
    const tampered = Buffer.from(body);
    tampered.writeUInt8(body[at] === 0x30 ? 0x31 : 0x30, at);
    expectRefused(await withSignature(a, a.urls.connect, tampered, signature), '/mdm/connect');
    expect(h.lastRequest('/mdm/connect')!.reason).toBe('signature_invalid');
    const update = tokenUpdate(a);
    const changed = Buffer.from(update);
    changed[changed.indexOf('EVIL')] = 'F'.charCodeAt(0);
    expectRefused(await withSignature(a, a.urls.checkin, changed, a.sign(update)), '/mdm/checkin');
  });

  it('answers 403, not 500, to garbage signatures', async () => {
    const body = idle(a);
    for (const signature of ['!!!not base64!!!', 'QUJDREVG', randomBytes(300).toString('base64'), 'A'.repeat(12_000)]) {
      expectRefused(await withSignature(a, a.urls.connect, body, signature), '/mdm/connect');
      expect(h.lastRequest('/mdm/connect')!.reason).toBe('signature_invalid');
    }
    expect(h.logs.some((l) => l.level === 'error')).toBe(false);
  });

  it('refuses device A\'s certificate speaking for device B (check-in and connect)', async () => {
    const pushBefore = await appleRow(b);
    const before = await checkinCount(b);
    expectRefused(await a.putRaw(a.urls.checkin, tokenUpdate(a, b.udid), 'application/x-apple-aspen-mdm-checkin'), '/mdm/checkin');
    expectRefused(await a.putRaw(a.urls.connect, plistBody({ UDID: b.udid, Status: 'Idle' })), '/mdm/connect');
    const uuid = (await h.slate.services.apple.staff.send({ devices: [await device(b)], requestType: 'DeviceLock', params: {}, by: 'test' })).commands[0]!.commandUuid;
    // A cannot fetch or answer B's command either.
    expectRefused(await a.putRaw(a.urls.connect, plistBody({ UDID: b.udid, Status: 'Acknowledged', CommandUUID: uuid })), '/mdm/connect');
    expect(await h.slate.services.apple.commands.get(uuid)).toMatchObject({ status: 'queued' });
    expect(await appleRow(b)).toEqual(pushBefore);
    expect(await checkinCount(b)).toBe(before);
    expect((await b.connect()).map((x) => x.commandUuid)).toEqual([uuid]);
  });

  it('refuses Authenticate for a new UDID with a certificate already bound to another device', async () => {
    const udid = `00008103-${randomBytes(8).toString('hex').toUpperCase()}`;
    const body = plistBody({ UDID: udid, MessageType: 'Authenticate', Topic: h.apns.pushCert.topic, SerialNumber: 'CLONE1' });
    expectRefused(await a.putRaw(a.urls.checkin, body, 'application/x-apple-aspen-mdm-checkin'), '/mdm/checkin');
    await expect(h.slate.services.devices.require(udid)).rejects.toMatchObject({ code: 'device_unknown' });
    expect((await device(a)).state).toBe('enrolled');
  });

  it('refuses a revoked certificate on both endpoints', async () => {
    const c = await h.enrolled();
    expect(await h.slate.services.pki.revokeByDevice(h.slate.db, (await device(c)).id, 'test')).toBe(1);
    expectRefused(await c.checkin({ MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: randomBytes(32), PushMagic: 'X' }), '/mdm/checkin');
    expect(h.lastRequest('/mdm/checkin')!.reason).toBe('certificate_revoked');
    expectRefused(await c.putRaw(c.urls.connect, idle(c)), '/mdm/connect');
  });

  it('CheckOut: device leaves, queued commands are cancelled, certificate revoked, then 403', async () => {
    const d = await h.enrolled();
    const dev = await device(d);
    const uuid = (await h.slate.services.apple.staff.send({ devices: [dev], requestType: 'DeviceLock', params: {}, by: 'test' })).commands[0]!.commandUuid;
    expect((await d.checkin({ MessageType: 'CheckOut', Topic: h.apns.pushCert.topic })).status).toBe(200);
    const details = await h.slate.services.devices.details(dev.id);
    expect(details.device.state).not.toBe('enrolled');
    expect(details.apple).toMatchObject({ checkedOutAt: expect.any(Date) });
    expect(await h.slate.services.apple.commands.get(uuid)).toMatchObject({ status: 'cancelled' });
    const certs = await h.slate.services.pki.listCertificates({ deviceId: dev.id });
    expect(certs.every((x) => x.revokedAt !== null)).toBe(true);
    expectRefused(await d.putRaw(d.urls.connect, idle(d)), '/mdm/connect');
    expectRefused(await d.checkin({ MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: randomBytes(32), PushMagic: 'X' }), '/mdm/checkin');
  });

  it('refuses a new certificate claiming an enrolled UDID whose enrolment is live (#9: takeover by UDID)', async () => {
    const victim = await h.enrolled();
    const dev = await device(victim);
    const erase = (await h.slate.services.apple.staff.send({ devices: [dev], requestType: 'DeviceLock', params: {}, by: 'test' })).commands[0]!.commandUuid;
    // Anyone with any enrolment link gets a certificate, and claims the victim's UDID with it.
    const attacker = h.ipad({ udid: victim.udid, serial: victim.facts.serial });
    await expect(attacker.enrol(await h.newLink())).rejects.toThrow(/Authenticate: HTTP 403/);
    expect(h.lastRequest('/mdm/checkin')!.reason).toBe('device_auth_failed');
    expect(h.logs.some((l) => l.alert === 'enrolment-refused' && l.udid === victim.udid)).toBe(true);
    // Nothing moved: the victim keeps its placement, its queued command and its identity.
    expect(await device(victim)).toMatchObject({ id: dev.id, state: 'enrolled', schoolId: dev.schoolId, gradeId: dev.gradeId });
    expect(await h.slate.services.apple.commands.get(erase)).toMatchObject({ status: 'queued' });
    expect((await victim.connect()).map((c) => c.commandUuid)).toEqual([erase]);
    expect((await h.slate.services.pki.listCertificates({ deviceId: dev.id })).filter((c) => !c.revokedAt)).toHaveLength(1);
  });

  it('re-enrols the same UDID once its enrolment ended (CheckOut): new certificate, stale commands cancelled', async () => {
    const old = await h.enrolled();
    const dev = await device(old);
    const stale = (await h.slate.services.apple.staff.send({ devices: [dev], requestType: 'DeviceLock', params: {}, by: 'test' })).commands[0]!.commandUuid;
    expect((await old.checkin({ MessageType: 'CheckOut', Topic: h.apns.pushCert.topic })).status).toBe(200);
    const again = h.ipad({ udid: old.udid, serial: old.facts.serial });
    await again.enrol(await h.newLink());
    expect(again.certificateDer!.equals(old.certificateDer!)).toBe(false);
    const after = await device(again);
    expect(after).toMatchObject({ id: dev.id, state: 'enrolled', schoolId: dev.schoolId, gradeId: dev.gradeId });
    expect(await h.slate.services.apple.commands.get(stale)).toMatchObject({ status: 'cancelled' });
    expect(await again.connect()).toEqual([]);
    // The old identity no longer speaks for the device, nor can it take the enrolment back.
    expectRefused(await old.putRaw(old.urls.connect, idle(old)), '/mdm/connect');
    expectRefused(await old.checkin({ MessageType: 'Authenticate', Topic: h.apns.pushCert.topic }), '/mdm/checkin');
    const certs = await h.slate.services.pki.listCertificates({ deviceId: dev.id });
    expect(certs.filter((c) => !c.revokedAt)).toHaveLength(1);
    const fresh = (await h.slate.services.apple.staff.send({ devices: [after], requestType: 'DeviceInformation', params: {}, by: 'test' })).commands[0]!.commandUuid;
    expect((await again.connect()).map((x) => x.commandUuid)).toEqual([fresh]);
  });

  it('ignores a forwarded client certificate unless CLIENT_CERT_HEADER is configured', async () => {
    const r = await fetch(a.urls.connect, { method: 'PUT', body: idle(a), headers: { 'content-type': 'application/xml', 'x-client-cert': clientCertHeader(a.certificateDer!) } });
    expect(r.status).toBe(403);
    expect(h.lastRequest('/mdm/connect')!.reason).toBe('device_auth_failed');
  });

  it('never answers a device with 401 or a JSON body', () => {
    const deviceLines = h.logs.filter((l) => l.msg === 'request' && String(l.path).startsWith('/mdm/'));
    expect(deviceLines.length).toBeGreaterThan(10);
    expect(deviceLines.some((l) => l.status === 401 || l.status === 500)).toBe(false);
  });
});

describe('Apple device authentication behind a TLS proxy (CLIENT_CERT_HEADER)', () => {
  let h: SpineHarness;
  let ipad: SimulatedIpad;
  beforeAll(async () => {
    h = await startSpine({ CLIENT_CERT_HEADER: 'X-Client-Cert', CLIENT_CERT_TRUSTED_PROXIES: '127.0.0.1, ::1' });
    ipad = await h.enrolled();
  }, 60_000);
  afterAll(() => h?.close());

  const put = (url: string, body: Buffer, cert: string) =>
    fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/xml', 'x-client-cert': cert } }).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) }));

  it('authenticates the device by its forwarded RFC 9440 certificate, without Mdm-Signature', async () => {
    const uuid = (await h.slate.services.apple.staff.send({ devices: [await h.slate.services.devices.require(ipad.udid)], requestType: 'DeviceLock', params: {}, by: 'test' })).commands[0]!.commandUuid;
    const poll = await put(ipad.urls.connect, Buffer.from(plist.build({ UDID: ipad.udid, Status: 'Idle' })), clientCertHeader(ipad.certificateDer!));
    expect(poll.status).toBe(200);
    expect((plist.parse(poll.body.toString('utf8')) as Record<string, unknown>).CommandUUID).toBe(uuid);
    const checkin = Buffer.from(plist.build({ UDID: ipad.udid, MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: randomBytes(32), PushMagic: 'PROXY' }));
    expect((await put(ipad.urls.checkin, checkin, clientCertHeader(ipad.certificateDer!))).status).toBe(200);
    expect((await h.slate.s.appleDevices.get((await h.slate.services.devices.require(ipad.udid)).id))?.pushMagic).toBe('PROXY');
  });

  it('refuses a forwarded certificate Slate never issued, or one that is not a certificate', async () => {
    const body = Buffer.from(plist.build({ UDID: ipad.udid, Status: 'Idle' }));
    for (const cert of [clientCertHeader(selfSignedIdentity().certDer), ':bm90IGEgY2VydA==:', '%%%']) {
      const r = await put(ipad.urls.connect, body, cert);
      expect([r.status, r.body.length]).toEqual([403, 0]);
    }
  });
});

describe('a forwarded client certificate from a peer that is not a trusted proxy (#9)', () => {
  let h: SpineHarness;
  let ipad: SimulatedIpad;
  beforeAll(async () => {
    h = await startSpine({ CLIENT_CERT_HEADER: 'X-Client-Cert', CLIENT_CERT_TRUSTED_PROXIES: '10.20.30.40' });
    ipad = await h.enrolled();
  }, 60_000);
  afterAll(() => h?.close());

  it('is ignored: a device\'s public certificate alone fetches nothing', async () => {
    const dev = await h.slate.services.devices.require(ipad.udid);
    await h.slate.services.apple.staff.send({ devices: [dev], requestType: 'EraseDevice', params: {}, by: 'test' });
    const r = await fetch(ipad.urls.connect, {
      method: 'PUT', body: Buffer.from(plist.build({ UDID: ipad.udid, Status: 'Idle' })),
      headers: { 'content-type': 'application/xml', 'x-client-cert': clientCertHeader(ipad.certificateDer!) },
    });
    expect([r.status, (await r.arrayBuffer()).byteLength]).toEqual([403, 0]);
    expect(h.lastRequest('/mdm/connect')!.reason).toBe('device_auth_failed');
    // The signature still works from anywhere, and the header does not override it.
    expect((await ipad.connect()).map((c) => c.requestType)).toEqual(['EraseDevice']);
  });
});
