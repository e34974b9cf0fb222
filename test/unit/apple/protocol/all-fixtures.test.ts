import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isAppError } from '../../../../src/errors';
import { decodeCheckin, decodeReport } from '../../../../src/apple/protocol';
import { fixture } from './fixture';

const ROOT = join(__dirname, '..', '..', '..', 'fixtures');

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    return statSync(join(ROOT, rel)).isDirectory() ? files(rel) : [rel];
  });
}

/** What a decoder did with a real captured message: decoded it, or refused it with a clear error. */
function outcome(decode: (b: Buffer) => unknown, file: string): string {
  try {
    decode(fixture(file));
    return 'ok';
  } catch (err) {
    if (!isAppError(err)) throw new Error(`${relative(ROOT, join(ROOT, file))}: crashed with ${(err as Error).name}: ${(err as Error).message}`);
    return `${err.code}: ${err.message}`;
  }
}

/**
 * Every captured check-in and command response is either decoded or refused with a stable error
 * code, never a crash. The only refusals are the sanitised captures (data with placeholder text
 * instead of base64) and messages that are not of the decoder's kind.
 */
describe('every real device message in test/fixtures', () => {
  const checkins = files('apple-checkin').filter((f) => /\.(xml|plist)$/.test(f));
  const reports = files('apple-command-responses').filter((f) => /\.(xml|plist)$/.test(f));

  it('finds the captures', () => {
    expect(checkins.length).toBeGreaterThan(15);
    expect(reports.length).toBeGreaterThan(30);
  });

  // The sanitised captures replaced tokens with text that is not base64: a clear refusal, not a guess.
  const clean = /^(ok|plist_invalid: invalid base64 in <data>)$/;

  it.each(checkins)('check-in %s decodes or is refused cleanly', (f) => {
    expect(outcome(decodeCheckin, f)).toMatch(clean);
  });

  it.each(reports)('command response %s decodes or is refused cleanly', (f) => {
    expect(outcome(decodeReport, f)).toMatch(clean);
  });

  it('decodes most of them', () => {
    const ok = (list: string[], d: (b: Buffer) => unknown) => list.filter((f) => outcome(d, f) === 'ok').length;
    expect(ok(checkins, decodeCheckin) / checkins.length).toBeGreaterThan(0.8);
    expect(ok(reports, decodeReport) / reports.length).toBeGreaterThan(0.8);
  });
});
