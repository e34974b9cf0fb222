import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { AppError } from '../../errors';
import { SimulatedFleet, type FleetEvent } from '../../sim/fleet';
import { httpClient } from '../../sim/http-client';
import { withSlate } from '../context';
import { durationOption, flagError, integerOption } from '../options';

interface SimOptions {
  school?: string;
  grade?: number;
  class?: string;
  count: number;
  poll: number;
  link?: string;
  url?: string;
  caFile?: string;
  once?: boolean;
  json?: boolean;
}

/**
 * `slate sim`: simulated iPads against a running Slate, through its device endpoints only. With
 * --school/--grade it creates their enrolment link in the database (so it needs DATABASE_URL and
 * SECRET_KEY like every command) and trusts the CA stored there; with --link it needs nothing but
 * the link (and --ca-file when the server's certificate is not publicly trusted).
 */
export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('enrol simulated iPads (serials SIM-...) in a running Slate and keep them answering commands; Ctrl-C stops')
    .option('--school <code>', 'school to enrol them in (creates an enrolment link)')
    .option('--grade <n>', 'grade level', integerOption('--grade', { min: 1 }))
    .option('--class <name>', 'class within the grade (e.g. 3a)')
    .option('--count <n>', 'how many iPads', integerOption('--count', { min: 1, max: 500 }), 5)
    .option('--poll <duration>', 'how often each iPad asks for commands (no push reaches a simulated iPad)', durationOption('--poll'), 5000)
    .option('--link <url>', 'use this enrolment link instead of creating one (no database needed)')
    .option('--url <url>', 'reach the server here instead of at its public URL (what a TLS proxy in front would do)')
    .option('--ca-file <file>', 'PEM CA to trust for the server\'s HTTPS (default with --school: the CA in the database)')
    .option('--once', 'enrol, answer what is queued once, and exit (scripts)')
    .option('--json', 'one JSON object per event')
    .action(async (o: SimOptions) => {
      const { link, trust } = await enrolmentLink(o);
      const transport = httpClient({ trust });
      const fleet = new SimulatedFleet({ link, count: o.count, transport, rewrite: rewriter(link, o.url), onEvent: (e) => print(e, !!o.json) });
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await fleet.enrol().catch((err: NodeJS.ErrnoException) => {
          const hint = err.code === 'ECONNREFUSED' ? ' (is `slate serve` running?)' : '';
          throw new AppError('enrollment_unavailable', `cannot enrol a simulated iPad with ${new URL(link).origin}: ${err.code ?? err.message}${hint}`);
        });
        if (o.once) await fleet.poll();
        else {
          process.stderr.write(`${o.count} simulated iPad(s) enrolled; each asks for commands every ${o.poll / 1000}s. Ctrl-C stops them.\n`);
          await fleet.run(o.poll, abort.signal);
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        transport.close();
      }
      const answered = fleet.ipads.reduce((n, i) => n + i.ledger.length, 0);
      if (!o.json) process.stdout.write(`stopped: ${fleet.ipads.length} simulated iPad(s), ${answered} command(s) answered\n`);
    });
}

async function enrolmentLink(o: SimOptions): Promise<{ link: string; trust: string[] }> {
  const trust = o.caFile ? [readCa(o.caFile)] : [];
  if (o.link) {
    if (o.school || o.grade) throw new AppError('validation_failed', '--link: give either --link or --school/--grade');
    return { link: o.link, trust };
  }
  if (!o.school) throw flagError('--school', 'required (or --link)');
  // Made-up iPads would sit in the real fleet's lists among pupils' tablets.
  if (loadConfig().env === 'production') throw flagError('--school', 'NODE_ENV=production: simulated iPads are not enrolled into a production database (use --link with a test server\'s link)');
  if (!o.grade) throw flagError('--grade', 'required with --school');
  return withSlate(async ({ services }) => {
    // Fail here, in one line, rather than with a 503 from the link.
    services.enrollment.endpoints();
    const t = await services.enrollmentTokens.create({
      schoolCode: o.school!, gradeLevel: o.grade!, className: o.class, maxUses: o.count, ttlMs: 3_600_000, label: 'slate sim', createdBy: 'slate sim',
    });
    return { link: t.url, trust: [...trust, services.pki.caCertificatePem()] };
  });
}

/** --url: Slate's public origin is reached at another address. */
function rewriter(link: string, url: string | undefined): ((u: string) => string) | undefined {
  if (!url) return undefined;
  const from = new URL(link).origin;
  const to = url.replace(/\/+$/, '');
  return (u) => (u.startsWith(from) ? to + u.slice(from.length) : u);
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw flagError('--ca-file', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function print(e: FleetEvent, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(e) + '\n');
    return;
  }
  const what = e.event === 'enrolled' ? `enrolled (${e.name}, UDID ${e.udid})`
    : e.event === 'answered' ? `${e.requestType}: ${e.status}`
      : e.event === 'erased' ? 'erased itself: no longer enrolled'
        : `cannot reach Slate (${e.error})`;
  process.stdout.write(`${e.serial}  ${what}\n`);
}
