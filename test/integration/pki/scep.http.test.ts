import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestSlate, type TestSlate } from '../../helpers/test-slate';
import { itWith } from '../../helpers/interop';
import { listen } from '../../helpers/scep-server';
import { buildPkiMessage, enrol, fetchRecipientCert, httpTransport, openCertRep, type Transport } from '../../sim/scep-requester';
import { generateCsr, requestCaExtension, requestSanExtension, selfSignedFor } from '../../sim/csr';
import { derToPem } from '../../../src/pki/x509';
import { generateKey, spkiDer } from '../../../src/pki/keys';

/** SCEP over HTTP against a fully wired Slate (RFC 8894 §4), with Slate's own test client. */
describe('SCEP endpoint', () => {
  let slate: TestSlate;
  let server: { url: string; close(): Promise<void> };
  let scepUrl: string;
  let transport: Transport;
  let recipient: Buffer;
  let placement: { schoolId: string; gradeId: string };

  beforeAll(async () => {
    slate = await createTestSlate({}, { importOrg: true });
    server = await listen(slate.http);
    scepUrl = `${server.url}/scep`;
    transport = httpTransport(scepUrl);
    recipient = (await fetchRecipientCert(scepUrl)).recipient;
    const grade = (await slate.s.org.getByCode('gs-bildstock-3'))!;
    placement = { schoolId: grade.parentId!, gradeId: grade.id };
  });
  afterAll(async () => {
    await server?.close();
    await slate?.dispose();
  });

  const challenge = async (ttlMs?: number) => (await slate.services.pki.createChallenge(slate.db, { ...placement, ttlMs })).challenge;

  it('answers GetCACaps and GetCACert', async () => {
    const caps = await fetch(`${scepUrl}?operation=GetCACaps`);
    expect((await caps.text()).split('\n')).toEqual(expect.arrayContaining(['POSTPKIOperation', 'SHA-256', 'AES', 'DES3', 'SCEPStandard', 'Renewal']));
    const ca = await fetch(`${scepUrl}?operation=GetCACert`);
    expect(ca.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    expect(Buffer.from(await ca.arrayBuffer()).equals(slate.services.pki.caCertificateDer())).toBe(true);
    expect((await fetch(`${scepUrl}?operation=Nope`)).status).toBe(400);
  });

  it.each(['aes-256-cbc', 'aes-128-cbc', 'des-ede3-cbc', 'des-cbc'] as const)('issues a device certificate for a %s request with a valid challenge', async (cipher) => {
    const r = await enrol({ transport, recipientCert: recipient, challenge: await challenge(), cipher, commonName: `ipad-${cipher}` });
    expect(r.reply.status).toBe('SUCCESS');
    const cert = new X509Certificate(r.certDer!);
    // The subject is Slate's, never the CSR's (#9): O from CA_ORGANIZATION, CN slate-device-<record id>.
    expect(cert.subject).toMatch(/^O=Slate MDM\nCN=slate-device-[0-9a-f-]{36}$/);
    expect(cert.subject).not.toContain(`ipad-${cipher}`);
    expect(cert.checkIssued(new X509Certificate(slate.services.pki.caCertificateDer()))).toBe(true);
    expect(cert.publicKey.export({ format: 'der', type: 'spki' }).equals(spkiDer(r.key))).toBe(true);
    const rec = await slate.services.pki.getCertificateByFingerprint(cert.fingerprint256.replace(/:/g, ''));
    expect(rec).toMatchObject({ kind: 'device', ...placement, deviceId: null, revokedAt: null, serial: cert.serialNumber.toLowerCase() });
  });

  itWith('openssl')('issues a certificate openssl verifies against the CA for TLS client use', async () => {
    const r = await enrol({ transport, recipientCert: recipient, challenge: await challenge(), commonName: 'ipad-openssl' });
    const dir = slate.testDb.dir;
    writeFileSync(join(dir, 'ca.pem'), slate.services.pki.caCertificatePem());
    writeFileSync(join(dir, 'dev.pem'), r.certPem!);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', join(dir, 'dev.pem')]).toString()).toContain(': OK');
  });

  it('accepts PKIOperation by GET with the message in the query', async () => {
    const csr = generateCsr({ challenge: await challenge() });
    const signer = selfSignedFor(csr.key, csr.subject);
    const msg = buildPkiMessage({ csrDer: csr.csrDer, signerCert: signer, signerKey: csr.key, recipientCert: recipient, digest: 'sha1', cipher: 'des-ede3-cbc' });
    const res = await fetch(`${scepUrl}?operation=PKIOperation&message=${encodeURIComponent(msg.der.toString('base64'))}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-pki-message');
    const rep = openCertRep(Buffer.from(await res.arrayBuffer()), signer, csr.key);
    expect(rep).toMatchObject({ status: 'SUCCESS', transactionId: msg.transactionId });
    expect(rep.recipientNonce!.equals(msg.senderNonce)).toBe(true);
  });

  it('refuses a reused, an expired and a wrong challenge with CertRep FAILURE badRequest inside HTTP 200', async () => {
    const once = await challenge();
    expect((await enrol({ transport, recipientCert: recipient, challenge: once })).reply.status).toBe('SUCCESS');
    for (const c of [once, await challenge(-1000), 'not-a-challenge', '']) {
      const r = await enrol({ transport, recipientCert: recipient, challenge: c });
      expect(r.httpStatus).toBe(200);
      expect(r.reply).toMatchObject({ status: 'FAILURE', failInfo: '2', certDer: null });
    }
    const r = await enrol({ transport, recipientCert: recipient });
    expect(r.reply).toMatchObject({ status: 'FAILURE', failInfo: '2' });
  });

  it('never copies extensions the CSR asks for', async () => {
    const r = await enrol({ transport, recipientCert: recipient, challenge: await challenge(), extensions: [requestCaExtension(), requestSanExtension('evil.example')] });
    const cert = new X509Certificate(r.certDer!);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBeUndefined();
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // node names the extended key usage keyUsage: clientAuth only
  });

  itWith('openssl')('never copies extensions the CSR asks for (as openssl reads the certificate)', async () => {
    const r = await enrol({ transport, recipientCert: recipient, challenge: await challenge(), extensions: [requestCaExtension(), requestSanExtension('evil.example')] });
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: derToPem(r.certDer!) }).toString();
    expect(text).toContain('TLS Web Client Authentication');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).not.toContain('evil.example');
  });

  it('refuses an EC-signed PKCSReq (its reply cannot be encrypted) before it spends the challenge or records a certificate (#9)', async () => {
    const ch = await challenge();
    const before = (await slate.services.pki.listCertificates({ kind: 'device', includeRevoked: true })).length;
    const ec = generateCsr({ challenge: ch, key: generateKey('p256') });
    const msg = buildPkiMessage({ csrDer: ec.csrDer, signerCert: selfSignedFor(ec.key, ec.subject), signerKey: ec.key, recipientCert: recipient, cipher: 'aes-256-cbc' });
    const res = await transport(msg.der);
    expect(res.status).toBe(200);
    // The failure reply is signed but not encrypted, so the EC requester can read it.
    expect(openCertRep(res.body, selfSignedFor(ec.key, ec.subject), ec.key)).toMatchObject({ status: 'FAILURE', failInfo: '0' });
    expect((await slate.services.pki.listCertificates({ kind: 'device', includeRevoked: true })).length).toBe(before);
    // The challenge is still good for a request Slate can answer.
    expect((await enrol({ transport, recipientCert: recipient, challenge: ch })).reply.status).toBe('SUCCESS');
  });

  it('answers a PKCSReq whose signature does not verify with FAILURE badMessageCheck', async () => {
    const csr = generateCsr({ challenge: await challenge() });
    const signer = selfSignedFor(csr.key, csr.subject);
    const msg = buildPkiMessage({ csrDer: csr.csrDer, signerCert: signer, signerKey: csr.key, recipientCert: recipient });
    const tampered = Buffer.from(msg.der);
    tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 0xff; // inside the RSA signature, the last field
    const res = await transport(tampered);
    expect(res.status).toBe(200);
    expect(openCertRep(res.body, signer, csr.key)).toMatchObject({ status: 'FAILURE', failInfo: '1' });
  });

  it('answers garbage, truncated, empty and oversized messages with a bare 400/413', async () => {
    const csr = generateCsr({ challenge: await challenge() });
    const msg = buildPkiMessage({ csrDer: csr.csrDer, signerCert: selfSignedFor(csr.key, csr.subject), signerKey: csr.key, recipientCert: recipient });
    for (const body of [Buffer.from('hello'), msg.der.subarray(0, msg.der.length >> 1), Buffer.alloc(0), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])]) {
      const res = await transport(body);
      expect(res.status).toBe(400);
      expect(res.body.length).toBe(0);
    }
    expect((await transport(Buffer.alloc(70 * 1024, 0x30))).status).toBe(413);
    expect((await fetch(`${scepUrl}?operation=PKIOperation&message=%25%25%25`)).status).toBe(400);
    expect((await fetch(`${scepUrl}?operation=PKIOperation`)).status).toBe(400);
  });

  it('renews with a RenewalReq signed by the current identity, keeping placement and device', async () => {
    const first = await enrol({ transport, recipientCert: recipient, challenge: await challenge() });
    const device = await slate.s.devices.create({ platform: 'apple', udid: 'RENEW-1' });
    const fp = new X509Certificate(first.certDer!).fingerprint256.replace(/:/g, '').toLowerCase();
    // A certificate no device has used cannot renew: one challenge must not mint any number of identities.
    const unbound = await enrol({ transport, recipientCert: recipient, renew: { key: first.key, certDer: first.certDer! } });
    expect(unbound.reply).toMatchObject({ status: 'FAILURE', failInfo: '4' });
    expect(await slate.s.certificates.bind(fp, device.id)).toBe('bound');
    const renewed = await enrol({ transport, recipientCert: recipient, renew: { key: first.key, certDer: first.certDer! } });
    expect(renewed.reply.status).toBe('SUCCESS');
    const rec = await slate.services.pki.getCertificateByFingerprint(new X509Certificate(renewed.certDer!).fingerprint256.replace(/:/g, ''));
    expect(rec).toMatchObject({ deviceId: device.id, ...placement });

    await slate.services.pki.revokeByDevice(slate.db, device.id, 'lost');
    const refused = await enrol({ transport, recipientCert: recipient, renew: { key: renewed.key, certDer: renewed.certDer! } });
    expect(refused.reply).toMatchObject({ status: 'FAILURE', failInfo: '4' });
    const stranger = generateCsr();
    const foreign = await enrol({ transport, recipientCert: recipient, renew: { key: stranger.key, certDer: selfSignedFor(stranger.key, stranger.subject) } });
    expect(foreign.reply).toMatchObject({ status: 'FAILURE', failInfo: '4' });
  });
});
