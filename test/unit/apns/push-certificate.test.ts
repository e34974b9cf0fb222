import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_INPUT_BYTES, parsePushCertificate, readPushCertificateInfo } from '../../../src/apple/apns/push-certificate';
import { isAppError } from '../../../src/errors';
import { issueCertificate, pushCertificate, serverCertificate, testCa, toPkcs12 } from '../../helpers/test-certs';

const fixture = (p: string) => readFileSync(join(__dirname, '../../fixtures/apns', p));

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a failure');
}

describe('push certificate parsing', () => {
  const ca = testCa();
  const push = pushCertificate(ca);
  const other = pushCertificate(ca);

  describe('real certificates (fixtures, see test/fixtures/MANIFEST.md ## apns)', () => {
    it('reads topic and expiry of an Apple-issued push certificate (nanomdm test/e2e/testdata/push.pem)', () => {
      const info = readPushCertificateInfo(fixture('micromdm__nanomdm/push.pem'));
      expect(info.topic).toBe('com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9');
      expect(info.notAfter.toISOString()).toBe('2022-02-10T17:44:47.000Z');
      expect(info.issuer).toContain('Apple Application Integration 2 Certification Authority');
      expect(info.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    });

    it('reads the topic of micromdm mock_push_cert.pem (UID after CN)', () => {
      expect(readPushCertificateInfo(fixture('micromdm__micromdm/mock_push_cert.pem')).topic).toBe(
        'com.apple.mgmt.External.18a16429-886b-41f1-9c30-2bd04ae4fc37');
    });

    it('refuses the Apple certificate without its private key', () => {
      expect(failure(() => parsePushCertificate({ data: fixture('micromdm__nanomdm/push.pem') }))).toMatchObject({
        code: 'push_certificate_invalid', message: expect.stringMatching(/private key/),
      });
    });

    it('opens an OpenSSL 3 PKCS#12 export (PBES2/AES-256, SHA-256 MAC) with its password', () => {
      const p = parsePushCertificate({ data: fixture('openssl3-push.p12'), password: 'slate-test' }, new Date('2027-01-01T00:00:00Z'));
      expect(p.topic).toBe('com.apple.mgmt.External.6f0c8a0e-5b1d-4e37-9d8c-2a51f3c7e901');
      expect(createPrivateKey(p.keyPem).asymmetricKeyType).toBe('rsa');
    });

    it('refuses the PKCS#12 export with a wrong or missing password', () => {
      for (const password of ['wrong', undefined]) {
        expect(failure(() => parsePushCertificate({ data: fixture('openssl3-push.p12'), password }, new Date('2027-01-01T00:00:00Z')))).toMatchObject({
          code: 'push_certificate_invalid', message: expect.stringMatching(/password/),
        });
      }
    });

    it('refuses the PKCS#12 export after its expiry', () => {
      expect(failure(() => parsePushCertificate({ data: fixture('openssl3-push.p12'), password: 'slate-test' }, new Date('2037-01-01T00:00:00Z'))).message).toMatch(/expired/);
    });
  });

  describe('accepted forms', () => {
    it('takes certificate and key from one PEM file and returns PKCS#8', () => {
      const p = parsePushCertificate({ data: Buffer.from(push.certPem + push.keyPem) });
      expect(p).toMatchObject({ topic: push.topic, issuer: 'CN=Slate Test CA' });
      expect(p.keyPem).toContain('BEGIN PRIVATE KEY');
      expect(p.certPem).toContain('BEGIN CERTIFICATE');
    });

    it('takes the key from a separate file, PEM or DER', () => {
      const der = createPrivateKey(push.keyPem).export({ type: 'pkcs8', format: 'der' });
      expect(parsePushCertificate({ data: Buffer.from(push.certPem), key: Buffer.from(push.keyPem) }).topic).toBe(push.topic);
      expect(parsePushCertificate({ data: Buffer.from(push.certPem), key: der }).topic).toBe(push.topic);
    });

    it('decrypts an encrypted PEM key with the password and refuses a wrong one', () => {
      const enc = createPrivateKey(push.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' });
      expect(parsePushCertificate({ data: Buffer.from(push.certPem), key: Buffer.from(enc), password: 'pw' }).topic).toBe(push.topic);
      expect(failure(() => parsePushCertificate({ data: Buffer.from(push.certPem), key: Buffer.from(enc), password: 'nope' })).code).toBe('push_certificate_invalid');
    });

    it('opens a PKCS#12 (3DES, Keychain style)', () => {
      expect(parsePushCertificate({ data: toPkcs12(push, 'secret'), password: 'secret' }).topic).toBe(push.topic);
      expect(failure(() => parsePushCertificate({ data: toPkcs12(push, 'secret'), password: 'Secret' })).message).toMatch(/password/);
    });
  });

  describe('refused input', () => {
    const code = (input: Parameters<typeof parsePushCertificate>[0], now?: Date) => failure(() => parsePushCertificate(input, now)).code;

    it('a key that does not belong to the certificate', () => {
      expect(failure(() => parsePushCertificate({ data: Buffer.from(push.certPem), key: Buffer.from(other.keyPem) }))).toMatchObject({
        code: 'push_certificate_invalid', message: expect.stringMatching(/does not belong/),
      });
    });

    it('a certificate without UID and one whose UID is not an MDM topic', () => {
      const server = serverCertificate(ca);
      expect(code({ data: Buffer.from(server.certPem + server.keyPem) })).toBe('push_certificate_invalid');
      const web = pushCertificate(ca, { topic: 'com.example.app' });
      expect(code({ data: Buffer.from(web.certPem + web.keyPem) })).toBe('push_certificate_invalid');
    });

    it('expired and not yet valid certificates', () => {
      const old = pushCertificate(ca, { notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') });
      expect(code({ data: Buffer.from(old.certPem + old.keyPem) })).toBe('push_certificate_invalid');
      const future = pushCertificate(ca, { notBefore: new Date(Date.now() + 86_400_000) });
      expect(code({ data: Buffer.from(future.certPem + future.keyPem) })).toBe('push_certificate_invalid');
    });

    it('empty, truncated, garbage and oversized files', () => {
      expect(code({ data: Buffer.alloc(0) })).toBe('push_certificate_invalid');
      expect(code({ data: Buffer.from(push.certPem.slice(0, push.certPem.length / 2)) })).toBe('push_certificate_invalid');
      const body = push.certPem.split('\n');
      const damaged = [body[0], '!!!!' + body[1]!.slice(4), ...body.slice(2)].join('\n');
      expect(code({ data: Buffer.from(damaged + push.keyPem) })).toBe('push_certificate_invalid');
      expect(code({ data: Buffer.from('-----END CERTIFICATE-----\n') })).toBe('push_certificate_invalid');
      expect(code({ data: Buffer.from([0x30, 0x82, 0xff, 0xff, 0x02, 0x01]) })).toBe('push_certificate_invalid');
      const p12 = toPkcs12(push, 'x');
      expect(code({ data: p12.subarray(0, p12.length - 40), password: 'x' })).toBe('push_certificate_invalid');
      expect(code({ data: Buffer.alloc(MAX_INPUT_BYTES + 1, 0x41) })).toBe('push_certificate_invalid');
      expect(code({ data: Buffer.from(push.certPem), key: Buffer.alloc(MAX_INPUT_BYTES + 1, 0x41) })).toBe('push_certificate_invalid');
    });

    it('hostile non-certificate input (XML with DOCTYPE/ENTITY, a bare key, a garbage key)', () => {
      const xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>';
      expect(code({ data: Buffer.from(xml) })).toBe('push_certificate_invalid');
      expect(code({ data: Buffer.from(push.keyPem) })).toBe('push_certificate_invalid');
      expect(code({ data: Buffer.from(push.certPem), key: Buffer.from('not a key') })).toBe('push_certificate_invalid');
    });

    it('a certificate with a UID holding odd characters', () => {
      const odd = issueCertificate({ subject: [{ type: '0.9.2342.19200300.100.1.1', value: 'com.apple.mgmt.External.x/../y' }] }, ca);
      expect(code({ data: Buffer.from(odd.certPem + odd.keyPem) })).toBe('push_certificate_invalid');
    });
  });
});
