import { asn1, Class, octets, oid, seq, toDer, Type } from '../../src/pki/der';
import { OID } from '../../src/pki/oids';

// The simulator lives in src/sim (`slate sim`); test/sim re-exports it for existing imports and
// adds what only tests need: requests a hostile device would make.
export * from '../../src/sim/csr';

/** A requested basicConstraints cA=TRUE: what a hostile CSR asks for. */
export function requestCaExtension(): Buffer {
  const value = toDer(seq([asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff')]));
  return toDer(seq([oid(OID.basicConstraints), asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff'), octets(value)]));
}

/** A requested subjectAltName (dNSName), which policy must not copy either. */
export function requestSanExtension(dns: string): Buffer {
  const names = toDer(seq([asn1.create(Class.CONTEXT_SPECIFIC, 2, false, dns)]));
  return toDer(seq([oid('2.5.29.17'), octets(names)]));
}

