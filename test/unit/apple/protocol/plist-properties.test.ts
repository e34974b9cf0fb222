import * as fc from 'fast-check';
import { DEFAULT_PLIST_LIMITS, PlistBigInteger, decodePlist, encodePlist } from '../../../../src/apple/protocol/plist';
import { unescapeText } from '../../../../src/apple/protocol/plist/xml-entities';
import { isDecimal } from '../../../../src/apple/protocol/plist/xml-scalars';
import { decoded, plistValue } from '../../../fuzz/plist-arbitraries';
import { encodeBinaryPlist } from '../../../helpers/bplist-encode';
import { bArray, bAscii, bBool, bplist } from '../../../helpers/bplist-writer';
import { PROPERTY_SEED } from '../../../helpers/property';

const seeded = { seed: PROPERTY_SEED, numRuns: 300 };

describe('round trip: generated values (dicts, arrays, Unicode and markup in text, 64-bit integers, reals, dates, data)', () => {
  it('XML: decodePlist(encodePlist(v)) gives v back', () => {
    fc.assert(fc.property(plistValue, (v) => {
      expect(decodePlist(encodePlist(v))).toEqual(decoded(v));
    }), seeded);
  });

  it('binary (CF layout, repeated scalars shared): decodePlist gives v back', () => {
    fc.assert(fc.property(plistValue, (v) => {
      expect(decodePlist(encodeBinaryPlist(v))).toEqual(decoded(v));
    }), seeded);
  });

  it('what decodes survives JSON.stringify; integers beyond 2^53 become decimal strings (issue #9 finding 8)', () => {
    fc.assert(fc.property(plistValue, (v) => {
      expect(() => JSON.stringify(decodePlist(encodePlist(v)))).not.toThrow();
    }), seeded);
    const chain = decodePlist(encodePlist({ ErrorChain: [{ ErrorCode: 2n ** 63n, ErrorDomain: 'd' }, { ErrorCode: -(2n ** 60n) }] }));
    expect(JSON.parse(JSON.stringify(chain))).toEqual({ ErrorChain: [{ ErrorCode: '9223372036854775808', ErrorDomain: 'd' }, { ErrorCode: '-1152921504606846976' }] });
  });

  it('numbers that are not safe integers are written as <real> and read back as the same number', () => {
    for (const n of [2 ** 53, 2 ** 60, 1e21, -1e300, 5e-324]) expect(decodePlist(encodePlist([n]))).toEqual([n]);
    expect(encodePlist([2 ** 60]).toString()).toContain('<real>1152921504606847000</real>');
    expect(decodePlist(encodePlist([new PlistBigInteger(2n ** 60n)]))).toStrictEqual([new PlistBigInteger(2n ** 60n)]);
  });
});

describe('decoded-bytes budget', () => {
  it('an XML document is never charged more than its own length, even without prolog and indentation', () => {
    fc.assert(fc.property(plistValue, (v) => {
      // The encoder indents with a newline and tabs after a closing or empty tag, or a container's
      // opening tag; text (escaped, so never holding a tag) only follows <key> and <string>.
      const compact = encodePlist(v).toString().replace(/^[^]*?<plist version="1.0">\n/, '<plist>').replace(/(<\/[a-z]+>|\/>|<(?:array|dict)>)\n\t*/g, '$1');
      const body = Buffer.from(compact);
      expect(() => decodePlist(body, { maxDecodedBytes: body.length })).not.toThrow();
    }), seeded);
    // The densest XML there is: 7 bytes for each value charged.
    const dense = Buffer.from(`<plist><array>${'<true/>'.repeat(50_000)}</array></plist>`);
    expect(() => decodePlist(dense, { maxDecodedBytes: dense.length })).not.toThrow();
  });

  it('a binary object is charged at every reference: 4 bytes per value plus its content', () => {
    // The top array and ten references to one 1,000-character string: 4 + 10 × (4 + 1,000).
    const body = bplist([bArray(Array.from({ length: 10 }, () => 1)), bAscii('x'.repeat(1000))]);
    expect(decodePlist(body, { maxDecodedBytes: 10_044 })).toHaveLength(10);
    expect(() => decodePlist(body, { maxDecodedBytes: 10_043 })).toThrow(expect.objectContaining({ code: 'plist_invalid', message: expect.stringMatching(/decodes to more than 10043 bytes/) }));
  });

  it('binary plists are held to the same depth and value limits as XML', () => {
    const chain = (n: number) => bplist([...Array.from({ length: n }, (_, i) => bArray([i + 1])), bBool(true)]);
    expect(() => decodePlist(chain(DEFAULT_PLIST_LIMITS.maxDepth - 1))).not.toThrow();
    expect(() => decodePlist(chain(DEFAULT_PLIST_LIMITS.maxDepth))).toThrow(expect.objectContaining({ message: expect.stringMatching(/deeper than 32/) }));
    const wide = bplist([bArray(Array.from({ length: 100_000 }, () => 1)), bBool(true)]);
    expect(() => decodePlist(wide)).toThrow(expect.objectContaining({ message: expect.stringMatching(/more than 100000 values/) }));
  });
});

describe('<real> scanner', () => {
  // The pattern <real> was matched with before issue #9: quadratic on long digit runs, so it serves
  // as the reference only on short text here.
  const OLD_REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
  const text = fc.string({ unit: fc.constantFrom('0', '1', '9', '.', 'e', 'E', '+', '-', 'x', ' '), maxLength: 12 });

  it('accepts exactly what the old pattern accepted', () => {
    fc.assert(fc.property(text, (s) => {
      expect(isDecimal(s)).toBe(OLD_REAL.test(s));
    }), { seed: PROPERTY_SEED, numRuns: 5000 });
  });
});

describe('entity decoding', () => {
  // The replace() with a callback it replaced (slow on 1 MiB of references, see xml-entities.ts).
  const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  const OLD = (raw: string) => raw.replace(/&([^;&<]{0,12})(;?)/g, (_m, name: string, semi: string) => {
    if (!semi) throw new Error('bare &');
    if (PREDEFINED[name] !== undefined) return PREDEFINED[name];
    const code = /^#x[0-9a-fA-F]{1,6}$/.test(name) ? parseInt(name.slice(2), 16) : /^#\d{1,7}$/.test(name) ? parseInt(name.slice(1), 10) : -1;
    if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0) throw new Error('refused');
    return String.fromCodePoint(code);
  });
  const result = (f: (s: string) => string, s: string) => {
    try {
      return f(s);
    } catch {
      return 'refused';
    }
  };
  const chars = (alphabet: string, maxLength: number) => fc.string({ unit: fc.constantFrom(...alphabet), maxLength });
  const body = fc.oneof(
    fc.constantFrom('lt', 'gt', 'amp', 'quot', 'apos', 'nbsp', ''),
    // Leading zeros reach the digit-count limits with values that still decode.
    fc.tuple(chars('0', 4), chars('01279', 6)).map(([z, d]) => `#${z}${d}`),
    fc.tuple(chars('0', 4), chars('0aFf1D8g', 6)).map(([z, h]) => `#x${z}${h}`),
    chars('a#x1', 14),
  );
  const reference = fc.tuple(body, fc.constantFrom(';', '', ';;', '&', '<')).map(([b, end]) => `&${b}${end}`);
  const text = fc.array(fc.oneof(reference, fc.constantFrom('a', ' ', ';', '#')), { maxLength: 6 }).map((parts) => parts.join(''));

  it('decodes exactly what the old pattern decoded and refuses what it refused', () => {
    fc.assert(fc.property(text, (s) => {
      expect(result(unescapeText, s)).toBe(result(OLD, s));
    }), { seed: PROPERTY_SEED, numRuns: 5000 });
  });
});
