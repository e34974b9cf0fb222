import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBer } from '../../../src/pki/ber';
import { createPrivateKey } from 'node:crypto';
import { signData } from '../../../src/pki/cms-signed-data';
import { MAX_SIGNATURE_CERTIFICATES, verifyDetachedSignature } from '../../../src/pki/detached-signature';
import { fingerprintOf, pemToDers } from '../../../src/pki/x509';
import { itWith } from '../../helpers/interop';
import { issueCertificate, testCa } from '../../helpers/test-certs';
import { signDetached } from '../../sim/mdm-signature';

const F = join(__dirname, '..', '..', 'fixtures');
const read = (p: string) => readFileSync(join(F, p));

describe('BER reader', () => {
  it('walks indefinite lengths and re-encodes them as definite ones', () => {
    const ber = Buffer.from('3080020105318004 01aa 0000 0000'.replace(/ /g, ''), 'hex');
    const tree = readBer(ber);
    expect(tree.root.indefinite).toBe(true);
    expect(tree.children(tree.root)).toHaveLength(2);
    expect(tree.definite(tree.root).toString('hex')).toBe('300802010531030401aa');
    const set = tree.children(tree.root)[1]!;
    expect(tree.definite(set, 0xa0).toString('hex')).toBe('a0030401aa');
  });

  it('refuses truncated, overlong, trailing, primitive-indefinite and deeply nested input', () => {
    const bad = [
      '', '30', '3005020105', '30030201050000', '0480', '3084ffffffff', '308500000000010000',
      '30 80 02 01 05'.replace(/ /g, ''),
      '30'.repeat(60) + '00'.repeat(60),
      '3080'.repeat(60) + '0000'.repeat(60),
    ];
    for (const hex of bad) expect(() => readBer(Buffer.from(hex, 'hex'))).toThrow(/BER/);
  });

  it('keeps a child inside its parent', () => {
    // The child claims 5 bytes but the parent holds only 3.
    const tree = readBer(Buffer.from('3003040501', 'hex'));
    expect(() => tree.children(tree.root)).toThrow(/truncated/);
    expect(() => readBer(Buffer.from('3003040501', 'hex')).readAll()).toThrow(/truncated/);
  });
});

describe('Mdm-Signature (per-request verifier)', () => {
  const header = read('apple-mdm-signature/mdmSignatureHeader2.b64.txt').toString().trim();
  const body = read('apple-mdm-signature/mdmSignatureBody2.plist');
  const signerCert = pemToDers(read('apple-mdm-signature/mdmSignatureHeader2.signer-cert.pem').toString())[0]!;

  it('verifies a real iOS signature (SHA-1, no signed attributes, BER) and names its certificate', () => {
    const v = verifyDetachedSignature(Buffer.from(header, 'base64'), body);
    expect(v?.fingerprint).toBe(fingerprintOf(signerCert));
    expect(v?.certificate.equals(signerCert)).toBe(true);
  });

  it('fails when one byte of the body or of the signature changes', () => {
    for (const i of [0, 150, body.length - 1]) {
      const changed = Buffer.from(body);
      changed[i] = changed[i]! ^ 0x01;
      expect(verifyDetachedSignature(Buffer.from(header, 'base64'), changed)).toBeNull();
    }
    const sig = Buffer.from(header, 'base64');
    const flipped = Buffer.from(sig);
    flipped[sig.length - 10] = flipped[sig.length - 10]! ^ 0x01;
    expect(verifyDetachedSignature(flipped, body)).toBeNull();
  });

  const ca = testCa();
  const issued = issueCertificate({ subject: [{ shortName: 'CN', value: 'ipad' }] }, ca);
  const device = { der: pemToDers(issued.certPem)[0]!, pem: issued.certPem, keyPem: issued.keyPem };

  it('verifies SHA-256 with signed attributes, and refuses a foreign body', () => {
    const b = Buffer.from('<plist><dict><key>Status</key><string>Idle</string></dict></plist>');
    const sig = Buffer.from(signDetached(b, device.keyPem, device.der), 'base64');
    expect(verifyDetachedSignature(sig, b)?.fingerprint).toBe(fingerprintOf(device.der));
    expect(verifyDetachedSignature(sig, Buffer.concat([b, Buffer.from(' ')]))).toBeNull();
  });

  itWith('openssl')('verifies what openssl signs in streaming (indefinite-length BER) form', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slate-sig-'));
    try {
      const b = Buffer.from('<plist><dict><key>UDID</key><string>x</string></dict></plist>');
      writeFileSync(join(dir, 'body'), b);
      writeFileSync(join(dir, 'cert.pem'), device.pem);
      writeFileSync(join(dir, 'key.pem'), device.keyPem);
      const der = execFileSync('openssl', ['cms', '-sign', '-binary', '-stream', '-md', 'sha256', '-in', join(dir, 'body'), '-signer', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-outform', 'DER']);
      expect(readBer(der).root.indefinite).toBe(true);
      expect(verifyDetachedSignature(der, b)?.fingerprint).toBe(fingerprintOf(device.der));
      expect(verifyDetachedSignature(der, Buffer.from('other'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`verifies with up to ${MAX_SIGNATURE_CERTIFICATES} certificates in the header and refuses more (each costs a parse)`, () => {
    const b = Buffer.from('<plist/>');
    const others = Array.from({ length: MAX_SIGNATURE_CERTIFICATES }, () => pemToDers(issueCertificate({ subject: [{ shortName: 'CN', value: 'other' }] }, ca).certPem)[0]!);
    const sign = (extra: Buffer[]) => signData({ content: b, detached: true, signerCert: device.der, signerKey: createPrivateKey(device.keyPem), digest: 'sha1', noSignedAttributes: true, extraCertificates: extra });
    expect(verifyDetachedSignature(sign(others.slice(1)), b)?.fingerprint).toBe(fingerprintOf(device.der));
    expect(() => verifyDetachedSignature(sign(others), b)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  it('throws bad_request on garbage and truncations, never anything else', () => {
    const sig = Buffer.from(header, 'base64');
    for (const cut of [1, 10, 100, sig.length - 1]) {
      try {
        expect(verifyDetachedSignature(sig.subarray(0, cut), body)).toBeNull();
      } catch (err) {
        expect((err as { code?: string }).code).toBe('bad_request');
      }
    }
    expect(() => verifyDetachedSignature(Buffer.from('not asn.1 at all'), body)).toThrow(/BER/);
  });
});
