import type { Command } from 'commander';
import { AppError, isAppError } from '../../errors';
import { formatReport, type CatalogReport, type PlanTotals, type PolicyAction } from '../../policy';
import type { PlanResult } from '../../reconciler/policy.service';
import { withSlate } from '../context';
import { printObject, printRows } from '../output';
import { withProgress } from '../terminal';

const DIR_HELP = 'catalog directory (default POLICY_CATALOG_DIR, profiles/catalog)';

/** `slate profiles`: the policy catalog (profiles/README.md). */
export function registerProfiles(program: Command): void {
  const profiles = program.command('profiles').description('policy catalog: validate, plan, apply, status');
  profiles
    .command('validate')
    .description('check the catalog: every problem with file:line and key; exit status 1 if anything is invalid')
    .option('--dir <dir>', DIR_HELP)
    .option('--json', 'machine-readable output')
    .action(async (o: { dir?: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const report = await services.policy.validate(services.policy.read(o.dir));
        if (o.json) printObject(report, true);
        else printReport(report);
        failOnErrors(report);
      });
    });
  profiles
    .command('plan')
    .description('what apply would do, per device (install, update, remove) and per school; changes nothing')
    .option('--dir <dir>', DIR_HELP)
    .option('--school <code>', 'only devices at or under this school or municipality')
    .option('--json', 'machine-readable output')
    .action(async (o: { dir?: string; school?: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const plan = await withProgress(async (bar) => {
          bar.step('validating the catalog and planning every device');
          return services.policy.plan({ sources: services.policy.read(o.dir), schoolCode: o.school });
        });
        if (o.json) printObject(plan, true);
        else printPlan(plan);
        failOnErrors(plan.report);
      });
    });
  profiles
    .command('apply')
    .description('validate, store the catalog as the new version and enqueue exactly the difference; nothing if anything is invalid')
    .option('--dir <dir>', DIR_HELP)
    .option('--json', 'machine-readable output')
    .action(async (o: { dir?: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const r = await withProgress(async (bar) => {
          bar.step('validating, storing and enqueueing');
          const applied = await services.policy.apply({ sources: services.policy.read(o.dir), by: 'cli' }).catch((err: unknown) => {
            if (isAppError(err) && err.code === 'catalog_invalid' && err.details) printReport(err.details as CatalogReport);
            throw err;
          });
          bar.step(`waking ${applied.devices} device(s) through APNs`);
          await services.push.flush().catch(() => undefined);
          return applied;
        });
        if (o.json) return printObject(r, true);
        if (r.plan.report.warnings.length) process.stderr.write(`${formatReport({ errors: [], warnings: r.plan.report.warnings })}\n`);
        process.stdout.write(`catalog version ${r.version.id} (${r.version.hash.slice(0, 12)}${r.changed ? ', new' : ', unchanged'}): ` +
          `${r.enqueued} command(s) enqueued for ${r.devices} device(s)\n`);
        printTotals(r.plan);
      });
    });
  profiles
    .command('status')
    .description('per device and entry: installed, pending, failed (with Apple\'s error), missing, outdated, unresolved, needs_supervision')
    .option('--device <device>', 'one device (id, UDID or serial): every item')
    .option('--entry <id>', 'one entry: counts, and every device where it is not installed')
    .option('--json', 'machine-readable output')
    .action(async (o: { device?: string; entry?: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const s = await services.policy.status({ device: o.device, entry: o.entry });
        if (o.json) return printObject(s, true);
        if (o.device === undefined) {
          const counts = Object.entries(s.byEntry).filter(([e]) => o.entry === undefined || e === o.entry).map(([entry, c]) => ({ entry, ...c }));
          printRows(counts, ['entry', 'installed', 'pending', 'failed', 'missing', 'outdated', 'unconfigured', 'extra', 'unresolved', 'needs_supervision'] as never, false);
        }
        if (o.device !== undefined || o.entry !== undefined) {
          if (o.device === undefined) process.stdout.write('\n');
          printRows(s.rows.map((r) => ({ ...r, entry: r.entryId ?? '(removed)', reason: r.reason ?? null })),
            ['deviceId', 'entry', 'item', 'target', 'state', 'attempts', 'retryAt', 'reason'], false);
        }
      });
    });
}

function printReport(report: CatalogReport): void {
  if (report.errors.length || report.warnings.length) process.stdout.write(`${formatReport(report)}\n`);
  process.stdout.write(`${report.errors.length} error(s), ${report.warnings.length} warning(s)\n`);
}

/** The report is printed; the one line on stderr and exit status 1 say it failed. */
function failOnErrors(report: CatalogReport): void {
  if (report.errors.length) throw new AppError('catalog_invalid', `the catalog has ${report.errors.length} error(s)`);
}

function printPlan(plan: PlanResult): void {
  if (plan.catalogHash === null) return printReport(plan.report);
  if (plan.report.warnings.length) process.stdout.write(`${formatReport(plan.report)}\n\n`);
  process.stdout.write(`catalog ${plan.catalogHash.slice(0, 12)}; applied now: ${plan.appliedVersion ? `version ${plan.appliedVersion.id} (${plan.appliedVersion.hash.slice(0, 12)})` : 'none'}\n`);
  for (const d of plan.devices) {
    const parts = Object.entries(group(d.actions)).map(([what, ids]) => `${what}: ${ids.join(', ')}`);
    for (const h of d.held) parts.push(`held: ${h.target} (${h.failure.reason ?? 'refused'}, retry ${new Date(h.failure.retryAt).toISOString()})`);
    for (const n of d.notes) parts.push(`${n.state}: ${n.entryId ?? n.target} (${n.message})`);
    process.stdout.write(`${(d.serialNumber ?? d.deviceId).padEnd(14)} ${(d.schoolCode ?? '-').padEnd(20)} ${parts.join('; ')}\n`);
  }
  process.stdout.write('\n');
  printTotals(plan);
}

function group(actions: readonly PolicyAction[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of actions) {
    const what = a.kind === 'installProfile' ? (a.replaces === null ? 'install' : 'update') : a.kind === 'removeProfile' ? 'remove' : a.kind === 'installApp' ? 'install app' : a.kind === 'configureApp' ? 'configure app' : 'remove app';
    (out[what] ??= []).push('identifier' in a ? (a.entryId ?? a.identifier) : a.bundleId);
  }
  return out;
}

const TOTALS: (keyof PlanTotals | 'school')[] = ['school', 'devices', 'upToDate', 'installProfile', 'updateProfile', 'removeProfile', 'installApp', 'configureApp', 'removeApp', 'held', 'notes'];

function printTotals(plan: PlanResult): void {
  const rows = Object.entries(plan.totals).sort(([a], [b]) => a.localeCompare(b)).map(([school, t]) => ({ school, ...t }));
  if (plan.overall) rows.push({ school: 'all', ...plan.overall });
  printRows(rows, TOTALS as never, false);
}
