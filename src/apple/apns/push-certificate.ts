import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { AppError } from '../../errors';

/**
 * The APNs MDM push certificate (Apple Push Certificates Portal). Apple names the push topic in the
 * certificate's subject UID attribute, `com.apple.mgmt.External.<uuid>`; devices enrolled with a
 * topic only accept pushes sent with a certificate for that topic.
 * See Apple, "Setting up push notifications for your MDM customers" and nanomdm's topicFromCert.
 *
 * Pure: node:crypto for the certificate and every key operation; node-forge only to read ASN.1
 * (the subject attribute) and to unwrap PKCS#12 containers, which node:crypto cannot open.
 */
export interface PushCertificateInfo {
  topic: string;
  /** SHA-256 of the certificate DER, lower-case hex. */
  fingerprint: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
}

export interface ParsedPushCertificate extends PushCertificateInfo {
  certPem: string;
  /** PKCS#8 PEM, unencrypted: seal it before it rests anywhere. */
  keyPem: string;
}

export interface PushCertificateInput {
  /** PEM (certificate, optionally with its key) or a PKCS#12 (.p12/.pfx) file. */
  data: Buffer;
  /** Separate private key (PEM or DER) when `data` holds only the certificate. */
  key?: Buffer;
  /** PKCS#12 password or the passphrase of an encrypted PEM key. */
  password?: string;
}

const UID_OID = '0.9.2342.19200300.100.1.1';
const TOPIC_PREFIX = 'com.apple.mgmt.';
/** A push certificate with its key is about 4 KiB; anything far larger is not one. */
export const MAX_INPUT_BYTES = 64 * 1024;

const invalid = (message: string, cause?: unknown) => new AppError('push_certificate_invalid', message, { cause });

export function parsePushCertificate(input: PushCertificateInput, now = new Date()): ParsedPushCertificate {
  for (const [name, buf] of [['certificate', input.data], ['key', input.key]] as const) {
    if (buf && buf.length > MAX_INPUT_BYTES) throw invalid(`${name} file is larger than ${MAX_INPUT_BYTES / 1024} KiB`);
  }
  if (input.data.length === 0) throw invalid('certificate file is empty');
  const { cert, key } = isPem(input.data) ? fromPem(input) : fromPkcs12(input);
  const info = certificateInfo(cert);
  if (!cert.checkPrivateKey(key)) throw invalid('the private key does not belong to the certificate');
  if (info.notAfter.getTime() <= now.getTime()) throw invalid(`the push certificate expired on ${info.notAfter.toISOString()}; renew it at identity.apple.com`);
  if (info.notBefore.getTime() > now.getTime()) throw invalid(`the push certificate is not valid before ${info.notBefore.toISOString()}`);
  return { ...info, certPem: cert.toString(), keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** Topic, fingerprint and validity of a certificate (PEM or DER); checks neither key nor dates. */
export function readPushCertificateInfo(certificate: string | Buffer): PushCertificateInfo {
  return certificateInfo(loadCertificate(certificate));
}

function certificateInfo(cert: X509Certificate): PushCertificateInfo {
  const topic = subjectUid(cert.raw);
  if (topic === null) throw invalid('the certificate subject has no UID (topic): this is not an APNs MDM push certificate');
  if (!topic.startsWith(TOPIC_PREFIX) || !/^[\w.-]+$/.test(topic)) {
    throw invalid(`topic '${topic.slice(0, 80)}' is not an MDM push topic (${TOPIC_PREFIX}...)`);
  }
  return {
    topic,
    fingerprint: createHash('sha256').update(cert.raw).digest('hex'),
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}

function isPem(data: Buffer): boolean {
  return data.subarray(0, 4096).toString('latin1').includes('-----BEGIN ');
}

function loadCertificate(data: string | Buffer): X509Certificate {
  try {
    return new X509Certificate(data);
  } catch (err) {
    throw invalid('cannot read the certificate (expected an X.509 certificate in PEM or DER)', err);
  }
}

function pemBlocks(text: string): { label: string; pem: string }[] {
  const out: { label: string; pem: string }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ label: m[1]!, pem: m[0] });
  return out;
}

function fromPem(input: PushCertificateInput): { cert: X509Certificate; key: KeyObject } {
  const blocks = pemBlocks(input.data.toString('latin1'));
  const certBlock = blocks.find((b) => b.label === 'CERTIFICATE');
  if (!certBlock) throw invalid('no complete CERTIFICATE block in the PEM file');
  const cert = loadCertificate(certBlock.pem);
  const keyBlock = blocks.find((b) => b.label.endsWith('PRIVATE KEY'));
  const keyData = input.key ?? (keyBlock ? Buffer.from(keyBlock.pem) : undefined);
  if (!keyData) throw invalid('no private key: give the key file (--key) or a PEM file holding certificate and key');
  return { cert, key: loadKey(keyData, input.password) };
}

function loadKey(data: Buffer, password?: string): KeyObject {
  const pem = isPem(data);
  const attempts: Parameters<typeof createPrivateKey>[0][] = pem
    ? [{ key: data, format: 'pem', passphrase: password }]
    : [{ key: data, format: 'der', type: 'pkcs8', passphrase: password }, { key: data, format: 'der', type: 'pkcs1' }];
  let last: unknown;
  for (const a of attempts) {
    try {
      return createPrivateKey(a);
    } catch (err) {
      last = err;
    }
  }
  const code = (last as { code?: string }).code ?? '';
  if (/PASSPHRASE|BAD_DECRYPT/i.test(code + String(last))) throw invalid('cannot decrypt the private key: wrong or missing password', last);
  throw invalid('cannot read the private key (expected PEM or DER, PKCS#8 or PKCS#1)', last);
}

function fromPkcs12(input: PushCertificateInput): { cert: X509Certificate; key: KeyObject } {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(input.data.toString('binary')), { strict: true, parseAllBytes: true } as never);
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, true, input.password ?? '');
  } catch (err) {
    const msg = String((err as Error).message ?? err);
    if (/password|MAC could not be verified/i.test(msg)) throw invalid('cannot open the PKCS#12 file: wrong or missing password', err);
    throw invalid('cannot read the file: neither PEM nor a valid PKCS#12 (.p12) file', err);
  }
  const certBag = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!]?.[0];
  const keyBag =
    p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!]?.[0] ??
    p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!]?.[0];
  if (!certBag) throw invalid('the PKCS#12 file holds no certificate');
  const certAsn1 = certBag.cert ? forge.pki.certificateToAsn1(certBag.cert) : (certBag as { asn1?: forge.asn1.Asn1 }).asn1;
  if (!certAsn1) throw invalid('the PKCS#12 file holds no readable certificate');
  const cert = loadCertificate(Buffer.from(forge.asn1.toDer(certAsn1).getBytes(), 'binary'));
  const key = input.key ? loadKey(input.key, input.password) : keyFromBag(keyBag);
  return { cert, key };
}

function keyFromBag(bag: forge.pkcs12.Bag | undefined): KeyObject {
  if (!bag) throw invalid('the PKCS#12 file holds no private key');
  // forge decodes RSA keys into objects; other key types stay as PrivateKeyInfo ASN.1.
  const info = bag.key
    ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key as forge.pki.rsa.PrivateKey))
    : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
  if (!info) throw invalid('the PKCS#12 file holds no readable private key');
  return loadKey(Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary'));
}

/** The subject's UID attribute (RFC 4519 uid), read from the certificate's own DER. */
function subjectUid(der: Buffer): string | null {
  let cert: forge.asn1.Asn1;
  try {
    cert = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  } catch (err) {
    throw invalid('cannot read the certificate structure', err);
  }
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature, issuer, validity, subject, ... } }
  const tbs = children(cert)[0];
  const fields = children(tbs);
  const offset = fields[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const subject = fields[offset + 4];
  for (const rdn of children(subject)) {
    for (const attr of children(rdn)) {
      const [oid, value] = children(attr);
      if (!oid || !value || oid.type !== forge.asn1.Type.OID || typeof oid.value !== 'string') continue;
      if (forge.asn1.derToOid(oid.value) !== UID_OID || typeof value.value !== 'string') continue;
      return value.type === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(value.value) : value.value;
    }
  }
  return null;
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  return node && Array.isArray(node.value) ? (node.value as forge.asn1.Asn1[]) : [];
}
