import { createPrivateKey } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';
import { testDialect } from '../helpers/test-db';
import { enrol, fetchRecipientCert, httpTransport } from '../sim/scep-requester';

/**
 * No token, challenge or key in any log line (#9), with the logger at trace level, after the flows
 * that handle them: enrolment links (also mistyped), SCEP challenges, push and unlock tokens,
 * commands with secrets, a renewal, a database error.
 */
describe('secrets never reach the logs', () => {
  let h: SpineHarness;
  beforeAll(async () => {
    h = await startSpine({}, { logLevel: 'trace' });
  }, 60_000);
  afterAll(() => h?.close());

  it('runs every flow that handles a secret and finds none of them in the trace-level log', async () => {
    const link = await h.slate.services.enrollmentTokens.create({ schoolCode: 'gs-bildstock', gradeLevel: 3, createdBy: 'test' });
    const token = link.url.split('/').pop()!;
    // Mistyped and probed forms of the link.
    for (const path of [`/enroll/${token}/x`, `/enroll/${token}?unsigned=1`, `/enroll/${token}x`]) await fetch(`${h.base}${path}`);
    const ipad = h.ipad();
    const profile = await ipad.installProfile(link.url);
    const challenge = ((profile.PayloadContent as Record<string, unknown>[]).find((p) => p.PayloadType === 'com.apple.security.scep')!.PayloadContent as { Challenge: string }).Challenge;
    await ipad.enrolCertificate();
    await ipad.checkin({ MessageType: 'Authenticate', Topic: h.apns.pushCert.topic, SerialNumber: ipad.facts.serial });
    await ipad.checkin({ MessageType: 'TokenUpdate', Topic: h.apns.pushCert.topic, Token: ipad.pushToken, PushMagic: ipad.pushMagic, UnlockToken: ipad.unlockToken });
    const bootstrap = Buffer.from('bootstrap-token-material-1234567890');
    await ipad.checkin({ MessageType: 'SetBootstrapToken', BootstrapToken: bootstrap });
    await ipad.checkin({ MessageType: 'GetBootstrapToken' });
    const device = await h.slate.services.devices.require(ipad.udid);
    const pin = '918273';
    await h.slate.services.apple.staff.send({ devices: [device], requestType: 'DeviceLock', params: { PIN: pin, Message: 'x' }, by: 'test' });
    await h.slate.services.apple.staff.send({ devices: [device], requestType: 'ClearPasscode', params: {}, by: 'test' });
    await ipad.connect();
    const scepChallenge = (await h.slate.services.pki.createChallenge(h.slate.db, { schoolId: device.schoolId!, gradeId: device.gradeId! })).challenge;
    await enrol({ transport: httpTransport(`${h.base}/scep`), recipientCert: (await fetchRecipientCert(`${h.base}/scep`)).recipient, challenge: `${scepChallenge}-wrong` });
    const renewed = ipad.identityForBench();
    await enrol({ transport: httpTransport(`${h.base}/scep`), recipientCert: (await fetchRecipientCert(`${h.base}/scep`)).recipient, renew: { key: createPrivateKey(renewed.keyPem), certDer: renewed.certDer } });
    // A database error with a parameter that must not be logged: a duplicate enrolment-link hash.
    await h.slate.db.run('INSERT INTO enrollment_tokens (id, token_hash, platform, school_id, grade_id, expires_at, uses, created_at) SELECT ?, token_hash, platform, school_id, grade_id, expires_at, 0, created_at FROM enrollment_tokens WHERE id = ?',
      ['00000000-0000-4000-8000-000000000001', link.record.id]).catch((err: unknown) => h.slate.logger.error({ err }, 'test: database error'));
    await h.slate.services.push.flush();

    const secrets: Record<string, string> = {
      'enrolment token': token, 'SCEP challenge in the profile': challenge, 'SCEP challenge': scepChallenge, PIN: pin,
      'push token (hex)': ipad.pushToken.toString('hex'), 'push magic': ipad.pushMagic,
      'unlock token (base64)': ipad.unlockToken.toString('base64'), 'unlock token (hex)': ipad.unlockToken.toString('hex'),
      'bootstrap token (base64)': bootstrap.toString('base64'), 'bootstrap token (text)': bootstrap.toString('utf8'),
      'device key': renewed.keyPem.split('\n')[1]!,
    };
    const text = h.logs.map((l) => JSON.stringify(l)).join('\n');
    expect(h.logs.some((l) => l.level === 'trace' || l.level === 'debug')).toBe(true);
    expect(text).toContain('test: database error');
    const leaked = Object.entries(secrets).filter(([, v]) => text.includes(v)).map(([k]) => k);
    expect(leaked).toEqual([]);
  });

  (testDialect === 'sqlite' ? it : it.skip)('keeps the SQLite database and the data directory owner-only (#9)', async () => {
    const dir = h.slate.testDb.dir;
    const path = (h.slate.testDb.database as { path: string }).path;
    for (const f of [path, `${path}-wal`, `${path}-shm`]) expect((statSync(f).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(dir, 'secret.key')).mode & 0o777).toString(8)).toBe('600');
  });
});
