import { BER_MAX_DEPTH, BER_MAX_NODES, BER_MAX_OID_OCTETS, decodeOid, readBer } from '../../../src/pki/ber';
import { nestDefinite, nestIndefinite } from '../../fuzz/der-build';
import { outcome } from '../../helpers/property';

const NULL = Buffer.from('0500', 'hex');
const hex = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex');

describe('BER reader limits', () => {
  it(`reads ${BER_MAX_DEPTH} levels and refuses one more, definite or indefinite, as bad_request`, () => {
    for (const nest of [nestDefinite, nestIndefinite]) {
      // The innermost NULL is the last level.
      expect(outcome(() => readBer(nest(BER_MAX_DEPTH - 1, NULL)).readAll())).toBe('ok');
      expect(outcome(() => readBer(nest(BER_MAX_DEPTH, NULL)).readAll())).toBe('bad_request');
    }
  });

  it('refuses 1 MiB of nesting with a typed error, not a RangeError', () => {
    const deepIndefinite = nestIndefinite(262_143, Buffer.alloc(0));
    const deepDefinite = nestDefinite(200_000, NULL);
    for (const input of [deepIndefinite, deepDefinite]) expect(outcome(() => readBer(input).readAll())).toBe('bad_request');
  });

  it(`reads ${BER_MAX_NODES} elements and refuses one more`, () => {
    const many = (n: number) => Buffer.concat([hex('3083'), Buffer.from([((n * 2) >> 16) & 0xff, ((n * 2) >> 8) & 0xff, (n * 2) & 0xff]), Buffer.concat(Array.from({ length: n }, () => NULL))]);
    expect(readBer(many(BER_MAX_NODES - 1)).readAll().nodes).toBe(BER_MAX_NODES);
    expect(outcome(() => readBer(many(BER_MAX_NODES)).readAll())).toBe('bad_request');
    // 1 MiB of two-byte elements: refused after BER_MAX_NODES, not after 524,288 objects.
    const mib = many(524_285);
    expect(mib.length).toBeLessThanOrEqual(1 << 20);
    expect(outcome(() => readBer(mib).readAll())).toBe('bad_request');
  });

  it('reads each element once: re-encoding a deep indefinite leaf is linear (counted, not timed)', () => {
    // The old reader re-walked the subtree at every level to ask whether anything inside was
    // indefinite: levels² element reads for this shape (a 15 KB Mdm-Signature cost 280 ms).
    for (const levels of [4, 8, 16, BER_MAX_DEPTH - 2]) {
      const input = nestDefinite(levels, hex('3080 0500 0000'));
      const tree = readBer(input);
      const out = tree.definite(tree.root);
      expect(out.equals(nestDefinite(levels, hex('3002 0500')))).toBe(true);
      expect(tree.nodes).toBe(levels + 2);
      // A header read, an indefinite check, and one visit each to size and to write it.
      expect(tree.work).toBeLessThanOrEqual(4 * tree.nodes);
    }
  });

  it('joins chunked strings and checks their chunk types in one walk', () => {
    const s = hex('2480 0402 6869 2480 0401 21 0000 0000');
    const tree = readBer(s);
    expect(tree.content(tree.root).toString()).toBe('hi!');
    expect(tree.work).toBeLessThanOrEqual(2 * tree.nodes);
    const mixed = readBer(hex('2480 0402 6869 0c01 21 0000'));
    expect(outcome(() => mixed.content(mixed.root))).toBe('bad_request');
  });
});

describe('DER-only reading (certificates, CSRs, keys)', () => {
  it.each([
    ['indefinite length', '3080 0500 0000'],
    ['long form for a short length', '3081 02 0500'],
    ['length with a leading zero octet', '3082 0002 0500'],
    ['constructed OCTET STRING', '2404 0402 6869'],
  ])('refuses %s', (_why, h) => {
    expect(outcome(() => readBer(hex(h), { der: true }).readAll())).toBe('bad_request');
    expect(outcome(() => readBer(hex(h)).readAll())).toBe('ok');
  });

  it('refuses non-minimal INTEGERs in DER and accepts them in BER', () => {
    const padded = hex('0203 000001');
    expect(outcome(() => readBer(padded, { der: true }).integer(readBer(padded, { der: true }).root, 'serial'))).toBe('bad_request');
    expect(readBer(padded).integer(readBer(padded).root, 'serial').toString('hex')).toBe('000001');
  });
});

describe('element checks', () => {
  it.each([
    ['end-of-contents outside an indefinite length', '3002 0000'],
    ['constructed INTEGER', '2203 020101'],
    ['primitive SEQUENCE', '1000'],
    ['odd-length BMPString', '1e03 004100'],
    ['a length of more than 4 octets', '3085 0000000002 0500'],
    ['a tag number of more than 3 octets', '1f8181818101 00'],
    ['trailing bytes', '0500 00'],
  ])('refuses %s', (_why, h) => {
    expect(outcome(() => readBer(hex(h)).readAll())).toBe('bad_request');
  });

  it('decodes OIDs exactly, including arcs past 2^53, and refuses padded or cut-short arcs', () => {
    expect(decodeOid(hex('2a864886f70d010702'), 'oid')).toBe('1.2.840.113549.1.7.2');
    // 2.25.<UUID> (X.667) arcs are up to 128 bits.
    expect(decodeOid(hex('69' + '81' + '80'.repeat(9) + '00'), 'oid')).toBe(`2.25.${2n ** 70n}`);
    expect(decodeOid(hex('69' + '83' + 'ff'.repeat(17) + '7f'), 'oid')).toBe(`2.25.${2n ** 128n - 1n}`);
    expect(outcome(() => decodeOid(hex('2a 80 8648'), 'oid'))).toBe('bad_request');
    expect(outcome(() => decodeOid(hex('2a864886f70d0107 82'), 'oid'))).toBe('bad_request');
    expect(outcome(() => decodeOid(Buffer.alloc(0), 'oid'))).toBe('bad_request');
    // Longer OIDs are refused before any arc is built: a BigInt arc costs time quadratic in its length.
    expect(decodeOid(Buffer.alloc(BER_MAX_OID_OCTETS, 1), 'oid').split('.')).toHaveLength(BER_MAX_OID_OCTETS + 1);
    expect(outcome(() => decodeOid(Buffer.concat([Buffer.alloc(BER_MAX_OID_OCTETS, 0x81), Buffer.from([1])]), 'oid'))).toBe('bad_request');
  });

  it('decodes text strings and refuses invalid UTF-8', () => {
    const text = (h: string) => {
      const t = readBer(hex(h));
      return outcome(() => t.text(t.root, 'value')) === 'ok' ? t.text(t.root, 'value') : 'bad_request';
    };
    expect(text('0c03 e282ac')).toBe('€');
    expect(text('1e04 00410042')).toBe('AB');
    expect(text('1302 4142')).toBe('AB');
    expect(text('0c02 c328')).toBe('bad_request');
    expect(text('0402 4142')).toBe('bad_request');
  });

  it('reads a BIT STRING of whole octets and refuses unused bits', () => {
    const bits = (h: string) => {
      const t = readBer(hex(h));
      return outcome(() => t.octetBits(t.root, 'key'));
    };
    expect(bits('0303 00abcd')).toBe('ok');
    expect(bits('0303 01abcc')).toBe('bad_request');
    expect(bits('0300')).toBe('bad_request');
  });
});
