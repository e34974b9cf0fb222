import { AppError } from '../errors';

/** BER elements as the reader records them (offsets into the input), the tags Slate reads, and the reader's limits. */
export interface Tlv {
  /** 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  constructed: boolean;
  tag: number;
  start: number;
  contentStart: number;
  contentEnd: number;
  /** End of the whole element (after the end-of-contents octets of an indefinite length). */
  end: number;
  indefinite: boolean;
  /** Root is 0. */
  depth: number;
  /** The reader's memo: children once read (BerTree.children), whether any is indefinite. */
  kids?: Tlv[];
  anyIndefinite?: boolean;
}

export const UNIVERSAL = 0;
export const CONTEXT = 2;
export const T = {
  BOOLEAN: 1, INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, ENUMERATED: 10, UTF8_STRING: 12,
  SEQUENCE: 16, SET: 17, PRINTABLE_STRING: 19, TELETEX_STRING: 20, IA5_STRING: 22, UNIVERSAL_STRING: 28, BMP_STRING: 30,
} as const;

/**
 * Nesting limit. The deepest real message in test/fixtures (iOS and macOS PKCSReq, iOS
 * Mdm-Signature) nests 10 levels; OpenSSL refuses more than 30 within one structure
 * (ASN1_MAX_CONSTRUCTED_NEST). 32 fits any certificate OpenSSL accepts inside a CMS wrapper and
 * keeps every recursion over the tree (re-encoding, string chunks) a few frames deep.
 */
export const BER_MAX_DEPTH = 32;

/**
 * Elements per parse. Real device messages hold 90-112 (test/fixtures); 4,096 leaves room for a
 * certificate chain while bounding what one request makes the reader (and forge after it)
 * allocate: 1 MiB of two-byte NULLs would otherwise be 524,288 objects.
 */
export const BER_MAX_NODES = 4096;

/**
 * Longest OBJECT IDENTIFIER decoded. Slate compares OIDs with constants of at most 9 octets; the
 * longest in real use, a 2.25 UUID arc, takes 20. Past 2^53 an arc is built as a BigInt, which
 * costs quadratic time in its length, so a 1 MiB arc would take minutes; 128 octets take microseconds.
 */
export const BER_MAX_OID_OCTETS = 128;


/** Every refusal of the BER reader: the sender's input, so a 400 and never a crash. */
export function badBer(what: string | undefined, why: string): never {
  throw new AppError('bad_request', `${what ? `${what}: ` : ''}BER: ${why}`);
}
