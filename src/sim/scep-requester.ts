import { randomBytes, type KeyObject } from 'node:crypto';
import { attribute, parseSignedData, signData, verifySigner } from '../pki/cms-signed-data';
import { decryptEnvelope, encryptEnvelope, type ContentCipher } from '../pki/cms-enveloped-data';
import { octets, printable, readBytes, readText } from '../pki/der';
import { OID, type DigestName } from '../pki/oids';
import { MessageType } from '../pki/scep-message';
import { derToPem, parseCertificate } from '../pki/x509';
import { generateCsr, selfSignedFor, type CsrOptions } from './csr';
import { httpClient, type Transport as HttpTransport } from './http-client';

/**
 * The SCEP client of the device simulator (and of tests, RFC 8894 §3.3): builds a PKCSReq or
 * RenewalReq, sends it, and opens the CertRep like an iPad would.
 */
export type Transport = (der: Buffer) => Promise<{ status: number; body: Buffer }>;

export interface PkiMessageOptions {
  csrDer: Buffer;
  signerCert: Buffer;
  signerKey: KeyObject;
  /** The certificate requests are encrypted to (CA, or the RA from GetCACert). */
  recipientCert: Buffer;
  cipher?: ContentCipher;
  digest?: DigestName;
  messageType?: 'PKCSReq' | 'RenewalReq';
  transactionId?: string;
  senderNonce?: Buffer;
}

export function buildPkiMessage(o: PkiMessageOptions): { der: Buffer; transactionId: string; senderNonce: Buffer } {
  const transactionId = o.transactionId ?? randomBytes(20).toString('hex');
  const senderNonce = o.senderNonce ?? randomBytes(16);
  const envelope = encryptEnvelope(o.csrDer, o.recipientCert, o.cipher ?? 'aes-256-cbc');
  const der = signData({
    content: envelope, signerCert: o.signerCert, signerKey: o.signerKey, digest: o.digest ?? 'sha256',
    attributes: [
      attribute(OID.scepMessageType, printable(MessageType[o.messageType ?? 'PKCSReq'])),
      attribute(OID.scepTransactionId, printable(transactionId)),
      attribute(OID.scepSenderNonce, octets(senderNonce)),
    ],
  });
  return { der, transactionId, senderNonce };
}

export interface CertRep {
  status: 'SUCCESS' | 'FAILURE' | 'PENDING';
  failInfo: string | null;
  transactionId: string;
  recipientNonce: Buffer | null;
  certDer: Buffer | null;
  /** The certificate that signed the reply, after its signature was checked. */
  signerCert: Buffer;
}

/** Verifies a CertRep's signature and decrypts the issued certificate with the requester's key. */
export function openCertRep(der: Buffer, requesterCert: Buffer, requesterKey: KeyObject): CertRep {
  const sd = parseSignedData(der);
  const signer = sd.signers[0];
  if (!signer?.attributes) throw new Error('CertRep: no signer');
  const signerCert = verifySigner(sd, signer, sd.content ?? Buffer.alloc(0));
  if (!signerCert) throw new Error('CertRep: signature does not verify');
  const attr = (o: string) => signer.attributes!.get(o)?.[0];
  const status = ({ '0': 'SUCCESS', '2': 'FAILURE', '3': 'PENDING' } as const)[readText(attr(OID.scepPkiStatus), 'pkiStatus') as '0' | '2' | '3'];
  const fi = attr(OID.scepFailInfo);
  const rn = attr(OID.scepRecipientNonce);
  let certDer: Buffer | null = null;
  if (status === 'SUCCESS' && sd.content) {
    const inner = decryptEnvelope(sd.content, requesterCert, requesterKey).content;
    certDer = parseSignedData(inner).certificates[0] ?? null;
  }
  return {
    status, failInfo: fi ? readText(fi, 'failInfo') : null, transactionId: readText(attr(OID.scepTransactionId), 'transactionID'),
    recipientNonce: rn ? readBytes(rn, 'recipientNonce') : null, certDer, signerCert,
  };
}

/** PKIOperation over HTTP POST against a running Slate (`scepUrl` like https://host/scep). */
export function httpTransport(scepUrl: string, http: HttpTransport = httpClient()): Transport {
  return async (der) => {
    const res = await http('POST', `${scepUrl}?operation=PKIOperation`, der, { 'content-type': 'application/x-pki-message' });
    return { status: res.status, body: res.body };
  };
}

/** GetCACert → the certificate to encrypt requests to (the RA when one answers, else the CA). */
export async function fetchRecipientCert(scepUrl: string, http: HttpTransport = httpClient()): Promise<{ recipient: Buffer; ca: Buffer[] }> {
  const res = await http('GET', `${scepUrl}?operation=GetCACert`);
  if (res.status !== 200) throw new Error(`GetCACert: HTTP ${res.status}`);
  if ((res.contentType ?? '').includes('x-x509-ca-ra-cert')) {
    const certs = parseSignedData(res.body).certificates;
    const ra = certs.find((c) => !parseCertificate(c).ca && parseCertificate(c).publicKey.asymmetricKeyType === 'rsa');
    return { recipient: ra ?? certs[0]!, ca: certs };
  }
  return { recipient: res.body, ca: [res.body] };
}

export interface EnrolOptions extends CsrOptions {
  transport: Transport;
  recipientCert: Buffer;
  cipher?: ContentCipher;
  /** Renew instead: sign the request with the current identity. */
  renew?: { key: KeyObject; certDer: Buffer };
}

export interface Enrolment {
  key: KeyObject;
  keyPem: string;
  certDer: Buffer | null;
  certPem: string | null;
  reply: CertRep;
  httpStatus: number;
}

/** Generates a key and CSR (with the challenge), sends a PKCSReq (or RenewalReq) and opens the reply. */
export async function enrol(o: EnrolOptions): Promise<Enrolment> {
  const csr = generateCsr(o.renew ? { ...o, key: o.key ?? o.renew.key } : o);
  const signerCert = o.renew ? o.renew.certDer : selfSignedFor(csr.key, csr.subject);
  const signerKey = o.renew ? o.renew.key : csr.key;
  const msg = buildPkiMessage({ csrDer: csr.csrDer, signerCert, signerKey, recipientCert: o.recipientCert, cipher: o.cipher, digest: o.digest, messageType: o.renew ? 'RenewalReq' : 'PKCSReq' });
  const res = await o.transport(msg.der);
  if (res.status !== 200) throw Object.assign(new Error(`PKIOperation: HTTP ${res.status}`), { status: res.status });
  const reply = openCertRep(res.body, signerCert, signerKey);
  return { key: csr.key, keyPem: csr.keyPem, certDer: reply.certDer, certPem: reply.certDer ? derToPem(reply.certDer) : null, reply, httpStatus: res.status };
}
