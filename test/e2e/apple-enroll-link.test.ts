import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import plist from 'plist';
import { itWith } from '../helpers/interop';
import { PUBLIC, startSpine, type SpineHarness } from '../helpers/spine-harness';

/**
 * `GET /enroll/:token` over real HTTP: an invalid link is simply not there (404, no oracle), the
 * profile is CMS-signed unless unsigned profiles are explicitly allowed, and without a push
 * certificate nothing is handed out (an iPad enrolled then could never be woken).
 */
const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: Buffer.from(await r.arrayBuffer()) };
};
const json = (b: Buffer) => JSON.parse(b.toString('utf8')) as Record<string, unknown>;

describe('enrolment links', () => {
  let h: SpineHarness;
  const tmp = mkdtempSync(join(tmpdir(), 'slate-enroll-'));
  beforeAll(async () => {
    h = await startSpine();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const create = (opts: { ttlMs?: number; maxUses?: number } = {}, now?: Date) =>
    h.slate.services.enrollmentTokens.create({ schoolCode: 'gs-bildstock', gradeLevel: 3, createdBy: 'test', ...opts }, now);
  const uses = async (id: string) => (await h.slate.services.enrollmentTokens.list({ includeInactive: true })).find((t) => t.id === id)!.uses;
  const expectInvalid = async (url: string) => {
    const r = await get(h.rewrite(url));
    expect(r.status).toBe(404);
    expect(json(r.body)).toMatchObject({ error: 'enrollment_token_invalid' });
  };

  it('answers 404 enrollment_token_invalid for unknown, revoked, expired and used-up links', async () => {
    await expectInvalid(`${PUBLIC}/enroll/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    await expectInvalid(`${PUBLIC}/enroll/x`);
    const revoked = await create();
    await h.slate.services.enrollmentTokens.revoke(revoked.record.id);
    await expectInvalid(revoked.url);
    const expired = await create({ ttlMs: 60_000 }, new Date(Date.now() - 120_000));
    await expectInvalid(expired.url);
    const once = await create({ maxUses: 1 });
    expect((await get(h.rewrite(once.url))).status).toBe(200);
    await expectInvalid(once.url);
    expect(h.lastRequest('/enroll/:token')).toMatchObject({ status: 404, reason: 'enrollment_token_invalid' });
    expect(JSON.stringify(h.logs)).not.toContain(once.token);
  });

  it('refuses ?unsigned=1 unless ENROLL_ALLOW_UNSIGNED, without spending the link', async () => {
    const link = await create();
    const r = await get(h.rewrite(`${link.url}?unsigned=1`));
    expect(r.status).toBe(403);
    expect(await uses(link.record.id)).toBe(0);
  });

  itWith('openssl')('hands out a CMS-signed profile with the SCEP URL and a challenge, and counts the use', async () => {
    const link = await create();
    const r = await get(h.rewrite(link.url));
    expect(r.status).toBe(200);
    expect(r.type).toContain('application/x-apple-aspen-config');
    expect(r.body.subarray(0, 5).toString('latin1')).not.toBe('<?xml');
    const signed = join(tmp, 'profile.der');
    const content = join(tmp, 'profile.plist');
    writeFileSync(signed, r.body);
    const v = spawnSync('openssl', ['cms', '-verify', '-noverify', '-inform', 'DER', '-in', signed, '-out', content], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    const profile = plist.parse(readFileSync(content, 'utf8')) as { PayloadContent: Record<string, unknown>[] };
    const scep = profile.PayloadContent.find((p) => p.PayloadType === 'com.apple.security.scep')!.PayloadContent as Record<string, unknown>;
    expect(scep.URL).toBe(`${PUBLIC}/scep`);
    expect(scep.Challenge).toEqual(expect.stringMatching(/^\S{16,}$/));
    const mdm = profile.PayloadContent.find((p) => p.PayloadType === 'com.apple.mdm')!;
    expect(mdm).toMatchObject({ ServerURL: `${PUBLIC}/mdm/connect`, CheckInURL: `${PUBLIC}/mdm/checkin`, Topic: h.apns.pushCert.topic });
    expect(await uses(link.record.id)).toBe(1);
    // A second download is a second profile with its own one-time challenge.
    const again = await get(h.rewrite(link.url));
    writeFileSync(signed, again.body);
    expect(spawnSync('openssl', ['cms', '-verify', '-noverify', '-inform', 'DER', '-in', signed, '-out', content]).status).toBe(0);
    expect(readFileSync(content, 'utf8')).not.toContain(String(scep.Challenge));
    expect(await uses(link.record.id)).toBe(2);
    expect(JSON.stringify(h.logs)).not.toContain(String(scep.Challenge));
  });

  itWith('openssl')('does not answer a tampered signed profile as valid (openssl refuses it)', async () => {
    const r = await get(h.rewrite((await create()).url));
    const body = Buffer.from(r.body);
    const at = body.indexOf('/scep');
    body[at + 1] = 'x'.charCodeAt(0);
    const signed = join(tmp, 'tampered.der');
    writeFileSync(signed, body);
    expect(spawnSync('openssl', ['cms', '-verify', '-noverify', '-inform', 'DER', '-in', signed, '-out', '/dev/null']).status).not.toBe(0);
  });
});

describe('enrolment links without a push certificate, unsigned profiles allowed', () => {
  let h: SpineHarness;
  beforeAll(async () => {
    h = await startSpine({ ENROLL_ALLOW_UNSIGNED: 'true' }, { pushCert: false });
  }, 60_000);
  afterAll(() => h?.close());

  it('answers 503 enrollment_unavailable and keeps the link unspent', async () => {
    const link = await h.slate.services.enrollmentTokens.create({ schoolCode: 'gs-bildstock', gradeLevel: 3, maxUses: 1, createdBy: 'test' });
    const r = await get(h.rewrite(link.url));
    expect(r.status).toBe(503);
    expect(json(r.body)).toMatchObject({ error: 'enrollment_unavailable' });
    expect(h.lastRequest('/enroll/:token')).toMatchObject({ status: 503, reason: 'enrollment_unavailable' });
    const [record] = (await h.slate.services.enrollmentTokens.list({ includeInactive: true })).filter((t) => t.id === link.record.id);
    expect(record!.uses).toBe(0);
    // Once the push certificate is there, the same single-use link works.
    await h.slate.services.apnsCertificates.set({ data: Buffer.from(h.apns.pushCert.certPem + h.apns.pushCert.keyPem) });
    expect((await get(h.rewrite(link.url))).status).toBe(200);
  });

  it('returns the plist unsigned with ?unsigned=1, and an iPad enrols from it', async () => {
    const link = await h.newLink();
    const r = await get(h.rewrite(`${link}?unsigned=1`));
    expect(r.status).toBe(200);
    expect(r.body.subarray(0, 5).toString('latin1')).toBe('<?xml');
    expect(r.body.toString('utf8')).toContain(`${PUBLIC}/scep`);
    const ipad = h.ipad();
    await ipad.enrol(`${await h.newLink()}?unsigned=1`);
    expect((await h.slate.services.devices.require(ipad.udid)).state).toBe('enrolled');
  });
});
