import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodePlist, encodePlist, PlistBigInteger, PlistReal } from '../../../../src/apple/protocol/plist';
import { fixture } from './fixture';

const XML_DIR = 'plist-parser/micromdm__plist/testdata/xml';
const invalid = expect.objectContaining({ code: 'plist_invalid', status: 400 });
const wrap = (inner: string, prolog = '<?xml version="1.0" encoding="UTF-8"?>\n') => Buffer.from(`${prolog}<plist version="1.0">${inner}</plist>`);

describe('decodePlist: micromdm/plist XML edge cases (testdata/xml)', () => {
  const files = readdirSync(join(__dirname, '../../../fixtures', XML_DIR));
  it.each(files.filter((f) => !f.includes('.failure.')))('%s parses to {key: "val"}', (f) => {
    expect(decodePlist(fixture(`${XML_DIR}/${f}`))).toMatchObject({ key: 'val' });
  });
  it.each(files.filter((f) => f.includes('.failure.')))('%s is rejected', (f) => {
    expect(() => decodePlist(fixture(`${XML_DIR}/${f}`))).toThrow(invalid);
  });
});

describe('decodePlist: types', () => {
  it('keeps data, dates, integers, reals, booleans and nested containers (nanomdm TokenUpdate.1)', () => {
    const msg = decodePlist(fixture('apple-checkin/micromdm__nanomdm/mdm/testdata/TokenUpdate.1.plist')) as Record<string, unknown>;
    expect(Buffer.isBuffer(msg.Token)).toBe(true);
    expect((msg.Token as Buffer).length).toBe(32);
    expect((msg.UnlockToken as Buffer).length).toBeGreaterThan(1000);
    expect(msg.AwaitingConfiguration).toBe(false);
  });

  it('decodes each scalar type exactly', () => {
    const v = decodePlist(wrap('<dict><key>i</key><integer>-42</integer><key>r</key><real>2.5</real><key>e</key><real>1e3</real>' +
      '<key>big</key><integer>18446744073709551615</integer><key>d</key><date>2024-10-21T08:00:00Z</date>' +
      '<key>b</key><data>\n\tAAEC\n\t/w==</data><key>t</key><true/><key>f</key><false></false><key>s</key><string>a &lt;&amp;&gt; &#x263A; &#65;<![CDATA[<raw>]]></string>' +
      '<key>empty</key><string/><key>a</key><array/><key>o</key><dict/></dict>'));
    expect(v).toEqual({
      i: -42, r: 2.5, e: 1000, big: new PlistBigInteger(18446744073709551615n), d: new Date('2024-10-21T08:00:00Z'),
      b: Buffer.from([0, 1, 2, 255]), t: true, f: false, s: 'a <&> \u263A A<raw>', empty: '', a: [], o: {},
    });
  });

  it('stores a key named __proto__ as data, never as the prototype', () => {
    const v = decodePlist(wrap('<dict><key>__proto__</key><dict><key>polluted</key><true/></dict></dict>')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('decodes binary plists (micromdm/plist sample2.binary.plist) and refuses UIDs (uid.binary.plist)', () => {
    const v = decodePlist(fixture('plist-parser/micromdm__plist/testdata/sample2.binary.plist')) as Record<string, unknown>;
    expect(v.signed).toBe(-1);
    expect(v.ints).toStrictEqual([0, 42, -42, 255, -255, -123456, new PlistBigInteger(-9223372036854775807n), new PlistBigInteger(9223372036854775807n)]);
    expect(v.unsigned).toStrictEqual(new PlistBigInteger(9223372036854775807n));
    expect(v.reals).toEqual([0, 3.14159, -1234.5678]);
    expect(v.date).toEqual(new Date('2038-01-19T03:14:08Z'));
    expect((v.data as unknown[]).every((d) => Buffer.isBuffer(d))).toBe(true);
    expect((v.strings as string[])[1]).toBe('こんにちは世界');
    expect(() => decodePlist(fixture('plist-parser/micromdm__plist/testdata/uid.binary.plist'))).toThrow(invalid);
  });

  it('rejects sanitised <data> placeholders that are not base64 (commandment TokenUpdate/iOS-11.3.1.xml)', () => {
    expect(() => decodePlist(fixture('apple-checkin/cmdmnt__commandment/testdata/TokenUpdate/iOS-11.3.1.xml'))).toThrow(invalid);
  });
});

describe('decodePlist: hostile input', () => {
  it('refuses a DOCTYPE with an internal subset (XXE)', () => {
    const xxe = wrap('<string>&xxe;</string>', '<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n');
    expect(() => decodePlist(xxe)).toThrow(expect.objectContaining({ code: 'plist_invalid', message: expect.stringMatching(/DOCTYPE/) }));
  });

  it('refuses billion laughs', () => {
    let entities = '<!ENTITY lol "lol">';
    for (let i = 1; i < 10; i++) entities += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`;
    expect(() => decodePlist(wrap('<string>&lol9;</string>', `<!DOCTYPE plist [${entities}]>`))).toThrow(invalid);
  });

  it('refuses bare ENTITY declarations and unknown entities', () => {
    expect(() => decodePlist(wrap('<string>x</string>', '<!ENTITY a "b">'))).toThrow(invalid);
    expect(() => decodePlist(wrap('<string>&nbsp;</string>'))).toThrow(invalid);
    expect(() => decodePlist(wrap('<string>a & b</string>'))).toThrow(invalid);
    expect(() => decodePlist(wrap('<string>&#0;</string>'))).toThrow(invalid);
  });

  it('refuses bodies over the limit before parsing (2 MiB)', () => {
    const big = wrap(`<string>${'A'.repeat(2 * 1024 * 1024)}</string>`);
    expect(() => decodePlist(big)).toThrow(expect.objectContaining({ code: 'plist_invalid', message: expect.stringMatching(/larger than/) }));
  });

  it('refuses deep nesting, too many values and too many keys', () => {
    expect(() => decodePlist(wrap('<array>'.repeat(100) + '</array>'.repeat(100)))).toThrow(expect.objectContaining({ message: expect.stringMatching(/deeper/) }));
    expect(() => decodePlist(wrap(`<array>${'<true/>'.repeat(200)}</array>`), { maxNodes: 100 })).toThrow(expect.objectContaining({ message: expect.stringMatching(/more than 100 values/) }));
    const keys = Array.from({ length: 20 }, (_, i) => `<key>k${i}</key><true/>`).join('');
    expect(() => decodePlist(wrap(`<dict>${keys}</dict>`), { maxKeysPerDict: 10 })).toThrow(expect.objectContaining({ message: expect.stringMatching(/keys/) }));
  });

  it('refuses duplicate keys, truncation, wrong value syntax and stray elements', () => {
    const bad = [
      '<dict><key>a</key><true/><key>a</key><false/></dict>',
      '<dict><key>a</key><string>x',
      '<integer>1.5</integer>', '<integer></integer>', '<real>abc</real>', '<date>yesterday</date>',
      '<data>!!!!</data>', '<true>yes</true>', '<dict><string>no key</string></dict>', '<foo/>', '<key>x</key>',
      '<array><string>a</string></dict>', '',
    ];
    for (const inner of bad) expect(() => decodePlist(wrap(inner))).toThrow(invalid);
    const doc = wrap('<dict><key>a</key><string>xyz</string></dict>');
    for (let cut = 1; cut < doc.length - '</plist>'.length; cut += 7) expect(() => decodePlist(doc.subarray(0, cut))).toThrow(invalid);
  });

  it('refuses binary garbage, invalid UTF-8, other encodings and an empty body', () => {
    expect(() => decodePlist(Buffer.from([0xff, 0xfe, 0x00, 0x3c, 0x80, 0x81]))).toThrow(invalid);
    expect(() => decodePlist(Buffer.from('<plist><string>\xff</string></plist>', 'latin1'))).toThrow(invalid);
    expect(() => decodePlist(wrap('<string>x</string>', '<?xml version="1.0" encoding="UTF-16"?>'))).toThrow(invalid);
    expect(() => decodePlist(Buffer.alloc(0))).toThrow(invalid);
  });

  it('refuses broken binary plists: short, bad trailer, out-of-range refs, cycles, shared-reference blow-up', () => {
    expect(() => decodePlist(Buffer.from('bplist00'))).toThrow(invalid);
    const sample = fixture('plist-parser/micromdm__plist/testdata/sample2.binary.plist');
    const badTrailer = Buffer.from(sample);
    badTrailer.writeBigUInt64BE(999999n, badTrailer.length - 16);
    expect(() => decodePlist(badTrailer)).toThrow(invalid);
    expect(() => decodePlist(sample.subarray(0, sample.length - 5))).toThrow(invalid);
    expect(() => decodePlist(selfReferencingArray())).toThrow(expect.objectContaining({ message: expect.stringMatching(/cycle/) }));
    expect(() => decodePlist(sharedReferenceBomb(40))).toThrow(expect.objectContaining({ code: 'plist_invalid', message: expect.stringMatching(/values|deeper/) }));
  });
});

describe('encodePlist', () => {
  it('round-trips through decodePlist, with sorted keys and escaped text', () => {
    const value = { z: 'a<b>&c', a: [1, 2.5, new PlistReal(3), true, false], d: Buffer.from('hi'), t: new Date('2024-01-02T03:04:05.678Z'), n: { big: 2n ** 60n }, skip: undefined };
    const xml = encodePlist(value).toString();
    expect(xml.indexOf('<key>a</key>')).toBeLessThan(xml.indexOf('<key>z</key>'));
    expect(xml).toContain('<real>3.0</real>');
    expect(xml).not.toContain('skip');
    expect(decodePlist(Buffer.from(xml))).toEqual({ z: 'a<b>&c', a: [1, 2.5, 3, true, false], d: Buffer.from('hi'), t: new Date('2024-01-02T03:04:05Z'), n: { big: new PlistBigInteger(2n ** 60n) } });
  });

  it('is deterministic whatever the key order', () => {
    expect(encodePlist({ b: 1, a: { y: 1, x: 2 } })).toEqual(encodePlist({ a: { x: 2, y: 1 }, b: 1 }));
  });

  it('refuses values with no plist form', () => {
    for (const v of [null, { a: null }, { a: NaN }, { a: 'bell\u0007' }, { a: () => 1 }]) expect(() => encodePlist(v)).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodePlist(cyclic)).toThrow(/cyclic/);
  });
});

/** bplist00 whose only object is an array containing itself. */
function selfReferencingArray(): Buffer {
  const objects = Buffer.from([0xa1, 0x00]);
  return bplist([objects], 0);
}

/** Object i is an array holding object i+1 twice: 2^n values from n small objects. */
function sharedReferenceBomb(n: number): Buffer {
  const objs: Buffer[] = [];
  for (let i = 0; i < n - 1; i++) objs.push(Buffer.from([0xa2, i + 1, i + 1]));
  objs.push(Buffer.from([0x09]));
  return bplist(objs, 0);
}

function bplist(objects: Buffer[], top: number): Buffer {
  const header = Buffer.from('bplist00');
  const offsets: number[] = [];
  let at = header.length;
  for (const o of objects) { offsets.push(at); at += o.length; }
  const table = Buffer.alloc(objects.length * 2);
  offsets.forEach((o, i) => table.writeUInt16BE(o, i * 2));
  const trailer = Buffer.alloc(32);
  trailer[6] = 2; trailer[7] = 1;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(top), 16);
  trailer.writeBigUInt64BE(BigInt(at), 24);
  return Buffer.concat([header, ...objects, table, trailer]);
}
