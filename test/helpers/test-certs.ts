import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import forge from 'node-forge';

/**
 * Certificates for tests: a CA, TLS server certificates and APNs-style push certificates with a
 * UID topic. Keys come from node:crypto; forge only assembles and signs test certificates.
 */
export interface TestCert {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

export interface IssueOptions {
  subject: { type?: string; shortName?: string; name?: string; value: string }[];
  notBefore?: Date;
  notAfter?: Date;
  dnsNames?: string[];
  ca?: boolean;
}

function rsaKey(): { pem: string; key: forge.pki.rsa.PrivateKey; pub: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { pem, key, pub: forge.pki.setRsaPublicKey(key.n, key.e) };
}

export function issueCertificate(opts: IssueOptions, issuer?: TestCert): TestCert {
  const k = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.pub;
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  cert.setSubject(opts.subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : opts.subject);
  const ext: object[] = [{ name: 'basicConstraints', cA: !!opts.ca }];
  if (opts.ca) ext.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true });
  else ext.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true }, { name: 'extKeyUsage', serverAuth: true, clientAuth: true });
  if (opts.dnsNames) ext.push({ name: 'subjectAltName', altNames: [...opts.dnsNames.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }] });
  cert.setExtensions(ext);
  cert.sign(issuer ? issuer.key : k.key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.pem, cert, key: k.key };
}

export function testCa(name = 'Slate Test CA'): TestCert {
  return issueCertificate({ subject: [{ shortName: 'CN', value: name }], ca: true });
}

export function serverCertificate(ca: TestCert, host = 'localhost'): TestCert {
  return issueCertificate({ subject: [{ shortName: 'CN', value: host }], dnsNames: [host] }, ca);
}

/** A push certificate shaped like Apple's: CN=APSP:<uuid>, UID=com.apple.mgmt.External.<uuid>. */
export function pushCertificate(ca: TestCert, opts: { topic?: string; notBefore?: Date; notAfter?: Date } = {}): TestCert & { topic: string } {
  const uuid = randomUUID();
  const topic = opts.topic ?? `com.apple.mgmt.External.${uuid}`;
  const subject = [
    { type: '0.9.2342.19200300.100.1.1', value: topic },
    { shortName: 'CN', value: `APSP:${uuid}` },
    { shortName: 'C', value: 'US' },
  ];
  return { ...issueCertificate({ subject, notBefore: opts.notBefore, notAfter: opts.notAfter }, ca), topic };
}

/** A PKCS#12 file of certificate and key (3DES, as macOS Keychain exports by default). */
export function toPkcs12(c: TestCert, password: string): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(c.key, [c.cert], password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
