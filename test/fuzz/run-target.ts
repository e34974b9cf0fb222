/**
 * Runs one fuzz target at length (spawned per target by bin/run-fuzz.js, `npm run fuzz`):
 * FUZZ_RUNS generated inputs (seeded with FUZZ_SEED, so fast-check's report replays a finding)
 * and every hostile input, each timed. Exits 1 when an input throws anything but an AppError or
 * holds the event loop longer than SLOW_MS; the last line is `FUZZ-RESULT {json}` for the runner.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as fc from 'fast-check';
import { isAppError } from '../../src/errors';
import type { FuzzTarget } from './fuzz-target';

/** The contract's bound on one input (fuzz-target.ts): longer blocks every other device's request. */
const SLOW_MS = 50;
/** Timings are repeated and the best kept: one GC pause or lost time slice is not a finding. */
const RETRIES = 3;
/** Generated inputs kept for re-timing: the slowest few of the run. */
const KEEP_SLOWEST = 5;

interface Measured {
  ms: number;
  outcome: string;
  error?: unknown;
}

/**
 * An upper bound of the time one input holds the event loop. Wall time counts other processes'
 * turns on a shared machine and process CPU time counts GC and thread-pool threads; both are at
 * least the loop's own time, so the smaller is reported.
 */
async function measure(target: FuzzTarget, input: unknown): Promise<Measured> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let outcome = 'ok';
  let error: unknown;
  try {
    await target.run(input);
  } catch (err) {
    if (isAppError(err)) outcome = err.code;
    else [outcome, error] = ['exception', err];
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { ms: Math.min(wall, (cpu.user + cpu.system) / 1000), outcome, error };
}

/** Repeats a timing while it is over `above` (every time for 0), keeping the best. */
async function bestOf(target: FuzzTarget, input: unknown, first: Measured, above = SLOW_MS): Promise<Measured> {
  let best = first;
  for (let i = 1; i < RETRIES && best.ms > above; i++) {
    const again = await measure(target, input);
    if (again.ms < best.ms) best = again;
  }
  return best;
}

function save(name: string, what: string, input: unknown): string {
  const dir = process.env.FUZZ_OUT ?? join(tmpdir(), 'slate-fuzz');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${what}${Buffer.isBuffer(input) ? '.bin' : '.txt'}`);
  writeFileSync(file, Buffer.isBuffer(input) ? input : inspect(input, { depth: null, maxArrayLength: null, maxStringLength: null }));
  return file;
}

async function generated(target: FuzzTarget, runs: number, seed: number) {
  const outcomes: Record<string, number> = {};
  const slowest: { ms: number; input: unknown }[] = [];
  const property = fc.asyncProperty(target.arbitrary, async (input) => {
    const m = await measure(target, input);
    if (m.error !== undefined) throw m.error;
    outcomes[m.outcome] = (outcomes[m.outcome] ?? 0) + 1;
    if (slowest.length < KEEP_SLOWEST || m.ms > slowest[slowest.length - 1]!.ms) {
      slowest.push({ ms: m.ms, input });
      slowest.sort((a, b) => b.ms - a.ms).splice(KEEP_SLOWEST);
    }
  });
  const t0 = process.hrtime.bigint();
  const details = await fc.check(property, { numRuns: runs, seed });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let slow = { ms: 0, input: undefined as unknown };
  for (const s of slowest) {
    const best = await bestOf(target, s.input, { ms: s.ms, outcome: '' });
    if (best.ms > slow.ms) slow = { ms: best.ms, input: s.input };
  }
  return { details, seconds, outcomes, slow };
}

async function main(): Promise<void> {
  const file = process.argv[2]!;
  const { target } = (await import(file)) as { target: FuzzTarget };
  const runs = Number(process.env.FUZZ_RUNS ?? 20_000);
  const seed = Number(process.env.FUZZ_SEED ?? 20261205);
  await new Promise((resolve) => setImmediate(resolve));
  const findings: string[] = [];

  const gen = await generated(target, runs, seed);
  if (gen.details.failed) findings.push(`generated input threw a non-AppError:\n${fc.defaultReportMessage(gen.details) ?? ''}`);
  if (gen.slow.ms > SLOW_MS) findings.push(`generated input took ${gen.slow.ms.toFixed(1)} ms (saved to ${save(target.name, 'slow', gen.slow.input)})`);
  const inputsPerSecond = gen.details.numRuns / gen.seconds;
  console.log(`${target.name}: ${gen.details.numRuns} generated inputs, seed ${seed}, ${Math.round(inputsPerSecond)} inputs/s, slowest ${gen.slow.ms.toFixed(2)} ms`);
  console.log(`  outcomes: ${Object.entries(gen.outcomes).map(([k, n]) => `${k} ${((100 * n) / gen.details.numRuns).toFixed(0)}%`).join(', ')}`);

  const hostile: { label: string; bytes: number | null; ms: number; outcome: string }[] = [];
  let i = 0;
  for (const { label, input } of target.hostile?.() ?? []) {
    // Always best of 3: a hostile input's first run also pays for compiling the code it reaches.
    const m = await bestOf(target, input, await measure(target, input), 0);
    const bytes = Buffer.isBuffer(input) ? input.length : null;
    hostile.push({ label, bytes, ms: m.ms, outcome: m.outcome });
    console.log(`  hostile ${m.ms.toFixed(2).padStart(8)} ms  ${m.outcome.padEnd(20)} ${bytes === null ? '' : `${bytes} B  `}${label}`);
    if (m.error !== undefined) findings.push(`hostile "${label}" threw ${inspect(m.error)}`);
    if (m.ms > SLOW_MS) findings.push(`hostile "${label}" took ${m.ms.toFixed(1)} ms (saved to ${save(target.name, `hostile-${i}`, input)})`);
    i++;
  }
  for (const f of findings) console.log(`  FINDING ${f}`);
  const worst = hostile.reduce((a, h) => (h.ms > a.ms ? h : a), { label: '-', ms: 0 });
  const result = { name: target.name, runs: gen.details.numRuns, inputsPerSecond, slowestGeneratedMs: gen.slow.ms, slowestHostile: { label: worst.label, ms: worst.ms }, hostileCount: hostile.length, findings: findings.length };
  console.log(`FUZZ-RESULT ${JSON.stringify(result)}`);
  process.exitCode = findings.length ? 1 : 0;
}

void main();
