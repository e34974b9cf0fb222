import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { itWith } from '../../helpers/interop';
import { signDetached } from '../../sim/mdm-signature';

/** The simulator's Mdm-Signature must be one OpenSSL accepts, or e2e results would prove nothing. */
describe('simulator Mdm-Signature', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slate-sig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '0a1b2c3d4e5f';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'sim device' }]);
  cert.setIssuer([{ name: 'commonName', value: 'sim device' }]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  const certDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');

  const verify = (body: Buffer, sig: string) => {
    writeFileSync(join(dir, 'body'), body);
    writeFileSync(join(dir, 'sig.der'), Buffer.from(sig, 'base64'));
    execFileSync('openssl', ['cms', '-verify', '-binary', '-noverify', '-inform', 'DER', '-in', join(dir, 'sig.der'), '-content', join(dir, 'body'), '-out', '/dev/null'], { stdio: 'pipe' });
  };

  itWith('openssl')('verifies with openssl over the exact body', () => {
    const body = Buffer.from('<plist><dict><key>Status</key><string>Idle</string></dict></plist>');
    expect(() => verify(body, signDetached(body, keyPem, certDer))).not.toThrow();
  });

  itWith('openssl')('fails with openssl when one byte changes', () => {
    const body = Buffer.from('<plist><dict><key>Status</key><string>Idle</string></dict></plist>');
    const sig = signDetached(body, keyPem, certDer);
    const tampered = Buffer.from(body);
    tampered[10] = tampered[10]! ^ 1;
    expect(() => verify(tampered, sig)).toThrow();
  });
});
