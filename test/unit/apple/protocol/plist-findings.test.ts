import { decodePlist } from '../../../../src/apple/protocol/plist';
import { bArray, bAscii, bplist } from '../../../helpers/bplist-writer';

/**
 * Regression tests for the plist findings of issue #9 ("Device trust and hostile input"). Each
 * failed on main before the fix: finding 1 by exhausting the heap, finding 2 by returning Infinity
 * for a number no device writes (and by matching a backtracking pattern in quadratic time, which
 * `npm run fuzz -- plist-xml` measures; no unit test here is timed).
 */
const invalid = expect.objectContaining({ code: 'plist_invalid', status: 400 });

describe('issue #9 finding 1: binary plist whose shared object is referenced from nested arrays', () => {
  /**
   * 600 KB on the wire: one ~590 KB string, referenced 16 times by an array that is referenced 16
   * times by an array that is referenced 16 times by the top array: 4,096 copies (2.4 GB) before.
   */
  function sharedStringBomb(): Buffer {
    const fanOut = 16;
    const refsTo = (i: number) => Array.from({ length: fanOut }, () => i);
    return bplist([bArray(refsTo(1)), bArray(refsTo(2)), bArray(refsTo(3)), bAscii('A'.repeat(590_000))]);
  }

  it('is refused as plist_invalid within the decoded-bytes budget, in this process, without exhausting memory', () => {
    const body = sharedStringBomb();
    expect(body.length).toBeGreaterThan(590_000);
    expect(body.length).toBeLessThan(1024 * 1024);
    expect(() => decodePlist(body)).toThrow(expect.objectContaining({ code: 'plist_invalid', message: expect.stringMatching(/decodes to more than/) }));
  });
});

describe('issue #9 finding 2: <real> of 200,000 digits', () => {
  const real = (text: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><real>${text}</real></plist>`);
  const digits = '1'.repeat(200_000);

  it('is refused as plist_invalid: longer than any real an encoder writes', () => {
    expect(() => decodePlist(real(digits))).toThrow(invalid);
  });

  it('is refused as plist_invalid when it ends in a character the old pattern backtracked over', () => {
    for (const tail of ['x', 'e', '.1x', 'e+']) expect(() => decodePlist(real(digits + tail))).toThrow(invalid);
  });
});
