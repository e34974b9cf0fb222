import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSignedData, verifySigner } from '../../src/pki/cms-signed-data';
import { decryptEnvelope } from '../../src/pki/cms-enveloped-data';
import { parseCsr } from '../../src/pki/csr';
import { privateKeyFromPem } from '../../src/pki/keys';
import { decodePkiMessage } from '../../src/pki/scep-message';
import { certificateParts, fingerprintOf, pemToDers } from '../../src/pki/x509';

const F = join(__dirname, '..', 'fixtures');
const read = (p: string) => readFileSync(join(F, p));

describe('SCEP codec against real captures', () => {
  // Source: smallstep/scep testdata/PKCSReq.der (a real iOS PKCSReq) with its test CA.
  it('decodes an Apple PKCSReq, verifies its signature and decrypts the CSR with the test CA key', () => {
    const req = decodePkiMessage(read('scep/PKCSReq.der'));
    expect(req).toMatchObject({ messageType: '19', transactionId: 'A13090761A30F66664F85D37433D2065E1112BA1', digest: 'sha1', signatureValid: true });
    const caCert = pemToDers(read('scep/ca.pem').toString())[0]!;
    const { content, cipher } = decryptEnvelope(req.envelope, caCert, privateKeyFromPem(read('scep/ca.key'), ''));
    expect(cipher).toBe('des-ede3-cbc');
    const csr = parseCsr(content);
    expect(csr.subject.toString('latin1')).toMatch(/com\.apple\.security\.scep\.[0-9A-F-]{36}/);
    expect(csr.challengePassword).toBeNull();
    // The device asks for keyUsage; Slate records the request and never copies it.
    expect(csr.requestedExtensions).toEqual(['2.5.29.15']);
  });

  it('refuses to decrypt the PKCSReq with a key it was not encrypted to', () => {
    const req = decodePkiMessage(read('scep/PKCSReq.der'));
    const { generateKeyPairSync } = require('node:crypto') as typeof import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const caCert = pemToDers(read('scep/ca.pem').toString())[0]!;
    // Implicit rejection: the wrong key unwraps to a random content key, which fails the padding
    // check (bad_request) except about 1 time in 256, when it yields garbage instead of the CSR.
    let decrypted: Buffer | null = null;
    try {
      decrypted = decryptEnvelope(req.envelope, caCert, other).content;
    } catch (err) {
      expect(err).toEqual(expect.objectContaining({ code: 'bad_request' }));
    }
    if (decrypted) expect(() => parseCsr(decrypted)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  // Source: cmdmnt/commandment testdata/mdmclient-PKIOperation.der (macOS mdmclient, SHA-512).
  it('verifies a macOS mdmclient PKCSReq signed with SHA-512', () => {
    const req = decodePkiMessage(read('scep/mdmclient-PKIOperation.der'));
    expect(req).toMatchObject({ messageType: '19', digest: 'sha512', signatureValid: true });
  });

  it('marks a PKCSReq with one flipped signature byte as not verified', () => {
    const der = Buffer.from(read('scep/PKCSReq.der'));
    der[der.length - 10] = der[der.length - 10]! ^ 1;
    expect(decodePkiMessage(der).signatureValid).toBe(false);
  });

  it('rejects truncated and garbage messages as bad_request', () => {
    const der = read('scep/PKCSReq.der');
    for (const bad of [der.subarray(0, 100), der.subarray(0, der.length - 1), Buffer.from('garbage'), Buffer.alloc(0), Buffer.from([0x30, 0x80])]) {
      expect(() => decodePkiMessage(bad)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
  });
});

describe('Mdm-Signature against a real device signature', () => {
  // Source: micromdm/nanomdm cryptoutil_test.go (mdmSignatureHeader2 over mdmSignatureBody2).
  const header = read('apple-mdm-signature/mdmSignatureHeader2.b64.txt').toString().trim();
  const body = read('apple-mdm-signature/mdmSignatureBody2.plist');

  it('verifies over the exact body and returns the signer certificate', () => {
    const sd = parseSignedData(Buffer.from(header, 'base64'));
    expect(sd.content).toBeNull();
    expect(sd.signers[0]).toMatchObject({ digest: 'sha1', attributes: null });
    const signer = verifySigner(sd, sd.signers[0]!, body);
    const expected = pemToDers(read('apple-mdm-signature/mdmSignatureHeader2.signer-cert.pem').toString())[0]!;
    expect(signer && fingerprintOf(signer)).toBe(fingerprintOf(expected));
  });

  it('fails when one byte of the body changes', () => {
    const sd = parseSignedData(Buffer.from(header, 'base64'));
    for (const i of [0, 150, body.length - 1]) {
      const changed = Buffer.from(body);
      changed[i] = changed[i]! ^ 0x01;
      expect(verifySigner(sd, sd.signers[0]!, changed)).toBeNull();
    }
  });

  it('parses a BER header with trailing end-of-contents octets', () => {
    const sd = parseSignedData(read('apple-mdm-signature/mdmSignatureHeader1.der'));
    expect(sd.certificates).toHaveLength(1);
    expect(certificateParts(sd.certificates[0]!).serial.length).toBeGreaterThan(0);
  });
});
