import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const T = asn1.Type;
const C = asn1.Class;

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
};

const oid = (o: string) => asn1.create(C.UNIVERSAL, T.OID, false, asn1.oidToDer(o).getBytes());
const seq = (v: forge.asn1.Asn1[]) => asn1.create(C.UNIVERSAL, T.SEQUENCE, true, v);
const set = (v: forge.asn1.Asn1[]) => asn1.create(C.UNIVERSAL, T.SET, true, v);
const nul = () => asn1.create(C.UNIVERSAL, T.NULL, false, '');
const octets = (b: Buffer) => asn1.create(C.UNIVERSAL, T.OCTETSTRING, false, b.toString('binary'));
const int = (n: number) => asn1.create(C.UNIVERSAL, T.INTEGER, false, String.fromCharCode(n));
const algId = (o: string) => seq([oid(o), nul()]);
const attr = (o: string, value: forge.asn1.Asn1) => seq([oid(o), set([value])]);

/**
 * Makes `Mdm-Signature` header values as iPadOS does: base64 of a detached CMS SignedData over
 * the exact body (SHA-256, signed attributes, signer certificate included). The certificate and
 * key are parsed once per identity, so a simulated fleet (or a benchmark) signs thousands per second.
 */
export class MdmSigner {
  private readonly key: KeyObject;
  private readonly cert: forge.asn1.Asn1;
  private readonly issuerAndSerial: forge.asn1.Asn1;

  constructor(keyPem: string, certDer: Buffer) {
    this.cert = asn1.fromDer(certDer.toString('binary'));
    const tbs = (this.cert.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
    const off = tbs[0]!.tagClass === C.CONTEXT_SPECIFIC ? 1 : 0; // explicit [0] version present
    this.key = createPrivateKey(keyPem);
    this.issuerAndSerial = seq([tbs[off + 2]!, tbs[off]!]);
  }

  sign(body: Buffer, signingTime = new Date()): string {
    const digest = createHash('sha256').update(body).digest();
    const attrs = [
      attr(OID.contentType, oid(OID.data)),
      attr(OID.signingTime, asn1.create(C.UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(signingTime))),
      attr(OID.messageDigest, octets(digest)),
    ];
    // The signature covers the attributes DER-encoded as a SET; in the message they are [0] IMPLICIT.
    const signed = Buffer.from(asn1.toDer(set(attrs)).getBytes(), 'binary');
    const signature = sign('sha256', signed, this.key);
    const signerInfo = seq([
      int(1), this.issuerAndSerial, algId(OID.sha256),
      asn1.create(C.CONTEXT_SPECIFIC, 0, true, attrs),
      algId(OID.rsaEncryption), octets(signature),
    ]);
    const signedData = seq([
      int(1), set([algId(OID.sha256)]), seq([oid(OID.data)]),
      asn1.create(C.CONTEXT_SPECIFIC, 0, true, [this.cert]),
      set([signerInfo]),
    ]);
    const contentInfo = seq([oid(OID.signedData), asn1.create(C.CONTEXT_SPECIFIC, 0, true, [signedData])]);
    return Buffer.from(asn1.toDer(contentInfo).getBytes(), 'binary').toString('base64');
  }
}

/** One signature with a one-off signer (tests, forged identities); a device keeps its MdmSigner. */
export function signDetached(body: Buffer, keyPem: string, certDer: Buffer, signingTime = new Date()): string {
  return new MdmSigner(keyPem, certDer).sign(body, signingTime);
}
