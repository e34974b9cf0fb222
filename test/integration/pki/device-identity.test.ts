import { X509Certificate } from 'node:crypto';
import { createTestSlate, type TestSlate } from '../../helpers/test-slate';
import { generateCsr, selfSignedFor } from '../../sim/csr';
import { signDetached } from '../../sim/scep-requester';
import { signDetached as leadSignDetached } from '../../sim/mdm-signature';
import { parseCsr } from '../../../src/pki/csr';
import type { DeviceCredential } from '../../../src/apple/device-auth/device-credential';
import { createCertificateAuthority } from '../../../src/ca/ca.factory';
import { hashChallenge } from '../../../src/ca/scep.responder';
import { derToPem, fingerprintOf } from '../../../src/pki/x509';

/** Device identities: issued by the CA, proven by Mdm-Signature or a forwarded client certificate (DESIGN §3, §5). */
describe('device identities (CA and device authentication)', () => {
  let slate: TestSlate;
  let placement: { schoolId: string; gradeId: string };
  beforeAll(async () => {
    slate = await createTestSlate({}, { importOrg: true });
    const grade = (await slate.s.org.getByCode('gs-bildstock-3'))!;
    placement = { schoolId: grade.parentId!, gradeId: grade.id };
  });
  afterAll(() => slate.dispose());

  const issue = async () => {
    const csr = generateCsr({ commonName: 'ipad' });
    const certDer = await slate.db.transaction((tx) => slate.services.pki.issueDeviceCertificate(tx, parseCsr(csr.csrDer), { placement: { ...placement, classId: null, enrollmentTokenId: null }, deviceId: null }));
    return { ...csr, certDer, fingerprint: fingerprintOf(certDer) };
  };
  const auth = () => slate.services.apple.auth;
  /** The pipeline's first steps: the credential proves a certificate, whose record is live. */
  const identify = async (cred: DeviceCredential, over = body) => auth().identity(auth().prove(cred, over));
  const bySignature = (signature: string, over = body) => identify({ kind: 'signature', signature }, over);
  const byClientCert = (certificate: string | Buffer) =>
    identify({ kind: 'client-certificate', certificate: Buffer.isBuffer(certificate) ? certificate.toString('base64') : certificate });
  const body = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>Status</key><string>Idle</string></dict></plist>');

  it('verifies Mdm-Signature (SHA-1 without attributes, SHA-256 with attributes) and names the certificate', async () => {
    const d = await issue();
    for (const sig of [signDetached(body, d.keyPem, d.certDer), signDetached(body, d.keyPem, d.certDer, { digest: 'sha256', signedAttributes: true }), leadSignDetached(body, d.keyPem, d.certDer)]) {
      const id = await bySignature(sig);
      expect(id).toEqual({
        fingerprint: d.fingerprint, serial: new X509Certificate(d.certDer).serialNumber.toLowerCase(), deviceId: null, ...placement, classId: null, enrollmentTokenId: null,
        issuedAt: expect.any(Date), notAfter: expect.any(Date),
      });
    }
  });

  it('refuses a changed body, garbage and a foreign certificate', async () => {
    const d = await issue();
    const sig = signDetached(body, d.keyPem, d.certDer);
    const changed = Buffer.from(body);
    changed[20] = changed[20]! ^ 1;
    await expect(bySignature(sig, changed)).rejects.toMatchObject({ code: 'signature_invalid', status: 403 });
    for (const bad of ['', '!!!', Buffer.from('not cms').toString('base64'), sig.slice(0, sig.length >> 1)]) {
      await expect(bySignature(bad)).rejects.toMatchObject({ code: 'signature_invalid' });
    }
    const stranger = generateCsr();
    const foreign = selfSignedFor(stranger.key, stranger.subject);
    await expect(bySignature(signDetached(body, stranger.keyPem, foreign))).rejects.toMatchObject({ code: 'certificate_untrusted' });
  });

  it('checks forwarded client certificates in RFC 9440, PEM and URL-escaped PEM form', async () => {
    const d = await issue();
    const pem = derToPem(d.certDer);
    for (const v of [`:${d.certDer.toString('base64')}:`, pem, encodeURIComponent(pem), d.certDer]) {
      expect((await byClientCert(v)).fingerprint).toBe(d.fingerprint);
    }
    await expect(byClientCert(':bm9wZQ==:')).rejects.toMatchObject({ code: 'certificate_untrusted' });
    await expect(byClientCert('%%%')).rejects.toMatchObject({ code: 'certificate_untrusted' });
  });

  it('binds a certificate to one device only and revokes by device and by serial', async () => {
    const a = await slate.s.devices.create({ platform: 'apple', udid: 'ID-A' });
    const b = await slate.s.devices.create({ platform: 'apple', udid: 'ID-B' });
    const d = await issue();
    expect(await slate.s.certificates.bind(d.fingerprint, a.id)).toBe('bound');
    expect(await slate.s.certificates.bind(d.fingerprint, a.id)).toBe('bound');
    expect(await slate.s.certificates.bind(d.fingerprint, b.id)).toBe('elsewhere');
    expect(await slate.s.certificates.bind('0'.repeat(64), b.id)).toBe('unknown');
    expect((await byClientCert(d.certDer)).deviceId).toBe(a.id);
    expect(await slate.services.pki.revokeByDevice(slate.db, a.id, 'lost')).toBe(1);
    await expect(bySignature(signDetached(body, d.keyPem, d.certDer))).rejects.toMatchObject({ code: 'certificate_revoked' });
    expect(await slate.services.pki.revokeByDevice(slate.db, a.id, 'again')).toBe(0);

    const e = await issue();
    const serial = new X509Certificate(e.certDer).serialNumber;
    const rec = await slate.services.pki.revokeBySerial(serial.match(/../g)!.join(':'), 'retired');
    expect(rec).toMatchObject({ fingerprint: e.fingerprint, revokeReason: 'retired' });
    await expect(byClientCert(e.certDer)).rejects.toMatchObject({ code: 'certificate_revoked' });
    await expect(slate.services.pki.revokeBySerial('abcdef', 'x')).rejects.toMatchObject({ code: 'not_found' });
    expect((await slate.services.pki.listCertificates({ includeRevoked: true })).map((c) => c.fingerprint)).toEqual(expect.arrayContaining([d.fingerprint, e.fingerprint]));
    expect((await slate.services.pki.listCertificates()).map((c) => c.fingerprint)).not.toContain(e.fingerprint);
  });

  it('refuses certificates past their validity', async () => {
    const d = await issue();
    const later = await createCertificateAuthority({ config: slate.config, db: slate.db, stores: slate.stores, secrets: slate.secrets, logger: slate.logger, now: () => new Date(Date.now() + 2 * 365 * 86400_000) });
    await expect(later.verifier.identify(slate.db, d.certDer)).rejects.toMatchObject({ code: 'certificate_expired' });
  });

  it('keeps challenges one-time and stores only their hash', async () => {
    const { challenge, expiresAt } = await slate.services.pki.createChallenge(slate.db, placement);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());
    const rows = await slate.db.rows('SELECT challenge_hash FROM scep_challenges');
    expect(JSON.stringify(rows)).not.toContain(challenge);
    const [first, second] = await Promise.all([1, 2].map(() => slate.s.scepChallenges.consume(hashChallenge(challenge), new Date())));
    expect([first, second].filter(Boolean)).toHaveLength(1);
  });

  it('loads the same CA on the next start and summarises it', async () => {
    const again = await createCertificateAuthority({ config: slate.config, db: slate.db, stores: slate.stores, secrets: slate.secrets, logger: slate.logger });
    expect(again.caCertificateDer().equals(slate.services.pki.caCertificateDer())).toBe(true);
    expect(again.caSummary()).toMatchObject({ subject: 'O=Slate MDM, CN=Slate Device CA', source: 'loaded', keyType: 'rsa', fingerprint: fingerprintOf(again.caCertificateDer()) });
  });
});
