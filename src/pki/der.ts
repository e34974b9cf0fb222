import forge from 'node-forge';
import { AppError } from '../errors';
import { decodeOid, readBer } from './ber';

/**
 * Thin helpers over node-forge's ASN.1 codec. forge only describes structure here; every
 * private-key operation goes through node:crypto. Parsing failures become `bad_request`
 * (the caller maps it to a bare 400 for devices).
 */
// Device bytes reach forge only after ber.ts has read them within its depth and element limits.
export type Asn1 = forge.asn1.Asn1;
export const asn1 = forge.asn1;
const { Class, Type } = forge.asn1;

/**
 * Parses BER (indefinite lengths allowed: iOS sends them), or DER only with `{ der: true }`.
 * ber.ts reads the bytes first, so forge (recursive, one object per element) only ever sees input
 * within BER_MAX_DEPTH and BER_MAX_NODES, with lengths and string sizes already checked.
 */
export function parseDer(buf: Buffer, what: string, o: { der?: boolean } = {}): Asn1 {
  if (buf.length === 0) throw new AppError('bad_request', `${what}: empty`);
  readBer(buf, { der: o.der, what }).readAll();
  try {
    return asn1.fromDer(forge.util.createBuffer(buf.toString('binary')), { strict: true, parseAllBytes: true, decodeBitStrings: false } as never);
  } catch (err) {
    throw new AppError('bad_request', `${what}: not valid ASN.1`, { cause: err });
  }
}

export function toDer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

export function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new AppError('bad_request', `${what}: expected a constructed value`);
  return node.value as Asn1[];
}

export function child(node: Asn1 | undefined, index: number, what: string): Asn1 {
  const c = children(node, what)[index];
  if (!c) throw new AppError('bad_request', `${what}: element ${index} missing`);
  return c;
}

export function readOid(node: Asn1 | undefined, what: string): string {
  if (!node || node.tagClass !== Class.UNIVERSAL || node.type !== Type.OID || typeof node.value !== 'string') throw new AppError('bad_request', `${what}: expected an OID`);
  // forge's derToOid throws plain Errors on long arcs and ignores a cut-short last arc.
  return decodeOid(Buffer.from(node.value, 'binary'), what);
}

/** Bytes of a primitive, or of a constructed (BER) OCTET STRING by concatenating its chunks. */
export function readBytes(node: Asn1 | undefined, what: string): Buffer {
  if (!node) throw new AppError('bad_request', `${what}: missing`);
  if (typeof node.value === 'string') return Buffer.from(node.value, 'binary');
  return Buffer.concat((node.value as Asn1[]).map((c) => readBytes(c, what)));
}

export function readInteger(node: Asn1 | undefined, what: string): Buffer {
  if (!node || node.type !== Type.INTEGER || typeof node.value !== 'string') throw new AppError('bad_request', `${what}: expected an INTEGER`);
  return Buffer.from(node.value, 'binary');
}

export const seq = (items: Asn1[]): Asn1 => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
export const set = (items: Asn1[]): Asn1 => asn1.create(Class.UNIVERSAL, Type.SET, true, items);
export const oid = (o: string): Asn1 => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(o).getBytes());
export const octets = (b: Buffer): Asn1 => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, b.toString('binary'));
export const nullValue = (): Asn1 => asn1.create(Class.UNIVERSAL, Type.NULL, false, '');
export const printable = (s: string): Asn1 => asn1.create(Class.UNIVERSAL, Type.PRINTABLESTRING, false, s);
export const integerBytes = (b: Buffer): Asn1 => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, b.toString('binary'));
export const smallInt = (n: number): Asn1 => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(n).getBytes());
export const explicit = (tag: number, inner: Asn1[]): Asn1 => asn1.create(Class.CONTEXT_SPECIFIC, tag, true, inner);
export const implicitConstructed = explicit;
export const bitString = (b: Buffer): Asn1 => asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, '\x00' + b.toString('binary'));
export const raw = (der: Buffer, what = 'value'): Asn1 => parseDer(der, what);
export const algorithm = (o: string, withNullParams: boolean): Asn1 => seq(withNullParams ? [oid(o), nullValue()] : [oid(o)]);

export function utcOrGeneralizedTime(d: Date): Asn1 {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
// Not in forge's Type enum.
const TELETEX_STRING = 20 as forge.asn1.Type;
const VISIBLE_STRING = 26 as forge.asn1.Type;

/** Text of a DirectoryString-like value (PrintableString, UTF8String, IA5String, TeletexString, BMPString). */
export function readText(node: Asn1 | undefined, what: string): string {
  if (!node || node.tagClass !== Class.UNIVERSAL || typeof node.value !== 'string') throw new AppError('bad_request', `${what}: expected a string`);
  switch (node.type) {
    case Type.UTF8:
      // forge's decodeUtf8 throws a URIError on bad UTF-8; a device must only ever get a 400.
      try {
        return UTF8.decode(Buffer.from(node.value, 'binary'));
      } catch {
        throw new AppError('bad_request', `${what}: invalid UTF-8`);
      }
    case Type.BMPSTRING: // forge has already decoded the UTF-16 code units
    case Type.PRINTABLESTRING:
    case Type.IA5STRING:
    case TELETEX_STRING:
    case VISIBLE_STRING:
      return node.value;
    default:
      throw new AppError('bad_request', `${what}: expected a string`);
  }
}

export { Class, Type };
