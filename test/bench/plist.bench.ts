/**
 * Plist codec throughput: `npm run bench -- plist`. Decodes real device bodies (fixtures under
 * test/fixtures, see MANIFEST.md) and encodes a command; the `plist` npm package (xmldom based)
 * runs the same decode for comparison. Results go to docs/benchmarks.md (## Plist codec).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCommand, decodeCheckin, decodeReport, encodeCommand } from '../../src/apple/protocol';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures');
const load = (p: string) => readFileSync(join(FIXTURES, p));
const tokenUpdate = load('apple-checkin/micromdm__nanomdm/mdm/testdata/TokenUpdate.1.plist');
const devInfoIos = load('apple-command-responses/cmdmnt__commandment/testdata/DeviceInformation/iOS-11.3.1.xml');
const devInfoMac = load('apple-command-responses/cmdmnt__commandment/testdata/DeviceInformation/macOS-10.13.1.xml');
const appList = load('apple-command-responses/cmdmnt__commandment/testdata/InstalledApplicationList/iOS-12.1.xml');
const lock = buildCommand('DeviceLock', { Message: 'Bitte im Sekretariat abgeben', PhoneNumber: '+49 681 000000' });
const devInfoCmd = buildCommand('DeviceInformation', {});

function bench(name: string, bytes: number, fn: () => unknown): void {
  for (let i = 0; i < 2000; i++) fn(); // warm-up
  (global as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let ops = 0;
  const start = process.hrtime.bigint();
  const budgetNs = 1_000_000_000n;
  let elapsed = 0n;
  while (elapsed < budgetNs) {
    for (let i = 0; i < 200; i++) fn();
    ops += 200;
    elapsed = process.hrtime.bigint() - start;
  }
  const heapAfter = process.memoryUsage().heapUsed;
  const perSec = (ops * 1e9) / Number(elapsed);
  const mbps = (perSec * bytes) / 1e6;
  console.log(`${name.padEnd(48)} ${Math.round(perSec).toString().padStart(8)} ops/s  ${mbps.toFixed(1).padStart(6)} MB/s  heap +${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB (before gc)`);
}

async function main(): Promise<void> {
// plist@5 is ESM-only; a real dynamic import (TypeScript would turn `import()` into require).
const npmPlist = (await (new Function('m', 'return import(m)') as (m: string) => Promise<{ parse(s: string): unknown }>)('plist'));
console.log(`node ${process.version}`);
bench(`decodeCheckin TokenUpdate (${tokenUpdate.length} B)`, tokenUpdate.length, () => decodeCheckin(tokenUpdate));
bench(`decodeReport DeviceInformation iOS (${devInfoIos.length} B)`, devInfoIos.length, () => decodeReport(devInfoIos));
bench(`decodeReport DeviceInformation macOS (${devInfoMac.length} B)`, devInfoMac.length, () => decodeReport(devInfoMac));
bench(`decodeReport InstalledApplicationList (${appList.length} B)`, appList.length, () => decodeReport(appList));
bench('encodeCommand DeviceLock', 0, () => encodeCommand('6f1b2c1e-0000-4000-8000-000000000001', lock));
bench('encodeCommand DeviceInformation (17 queries)', 0, () => encodeCommand('6f1b2c1e-0000-4000-8000-000000000001', devInfoCmd));
bench(`[compare] plist npm parse TokenUpdate (${tokenUpdate.length} B)`, tokenUpdate.length, () => npmPlist.parse(tokenUpdate.toString('utf8')));
bench(`[compare] plist npm parse DeviceInfo macOS (${devInfoMac.length} B)`, devInfoMac.length, () => npmPlist.parse(devInfoMac.toString('utf8')));
const rss = process.memoryUsage();
console.log(`rss ${(rss.rss / 1e6).toFixed(0)} MB, heapUsed ${(rss.heapUsed / 1e6).toFixed(0)} MB`);
}

void main();
