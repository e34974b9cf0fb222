import type { Command } from 'commander';
import { withSlate } from '../context';
import { durationOption, integerOption, namingFlags } from '../options';
import { printObject, printRows } from '../output';

export function registerEnroll(program: Command): void {
  const enroll = program.command('enroll').description('enrolment links per school and grade');
  enroll
    .command('create')
    .description('create an enrolment link; the URL is shown once')
    .requiredOption('--school <code>', 'school code')
    .requiredOption('--grade <n>', 'grade level', integerOption('--grade', { min: 1 }))
    .option('--class <name>', 'class within the grade (e.g. 3a)')
    .option('--ttl <duration>', 'lifetime such as 12h or 14d (default ENROLL_TOKEN_TTL)', durationOption('--ttl'))
    // The service owns the rule; its error comes back naming --max-uses.
    .option('--max-uses <n>', 'stop after this many devices (0: no limit; default ENROLL_TOKEN_MAX_USES, 40)', integerOption('--max-uses'))
    .option('--label <text>', 'note for staff')
    .option('--json', 'machine-readable output')
    .action(async (o: { school: string; grade: number; class?: string; ttl?: number; maxUses?: number; label?: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const t = await namingFlags({ ttlMs: '--ttl', maxUses: '--max-uses' }, () => services.enrollmentTokens.create({
          schoolCode: o.school, gradeLevel: o.grade, className: o.class, ttlMs: o.ttl, maxUses: o.maxUses, label: o.label, createdBy: 'cli',
        }));
        if (o.json) printObject({ id: t.record.id, url: t.url, token: t.token, expiresAt: t.record.expiresAt, maxUses: t.record.maxUses }, true);
        else process.stdout.write(`${t.url}\n(expires ${t.record.expiresAt.toISOString()}; id ${t.record.id})\n`);
      });
    });
  enroll
    .command('list')
    .description('active enrolment links (the URLs themselves are not stored)')
    .option('--school <code>', 'only links of this school (or of every school under a municipality)')
    .option('--all', 'include expired and revoked links')
    .option('--json', 'machine-readable output')
    .action(async (o: { school?: string; all?: boolean; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const schoolIds = o.school ? await services.org.schoolIdsUnder(o.school) : undefined;
        const tokens = await services.enrollmentTokens.list({ schoolIds, includeInactive: !!o.all });
        const codes = new Map((await services.org.list()).map((u) => [u.id, u.code]));
        const rows = tokens.map((t) => ({
          id: t.id, school: codes.get(t.schoolId) ?? t.schoolId, grade: codes.get(t.gradeId) ?? t.gradeId, class: t.classId ? codes.get(t.classId) ?? t.classId : null,
          label: t.label, uses: t.uses, maxUses: t.maxUses, expiresAt: t.expiresAt, revokedAt: t.revokedAt,
        }));
        printRows(rows, ['id', 'school', 'grade', 'class', 'uses', 'maxUses', 'expiresAt', 'revokedAt'], !!o.json);
      });
    });
  enroll
    .command('revoke')
    .argument('<id>', 'enrolment link id')
    .description('revoke an enrolment link at once')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }) => {
      await withSlate(async ({ services }) => {
        await services.enrollmentTokens.revoke(id);
        if (o.json) printObject({ revoked: id }, true);
        else process.stdout.write(`revoked ${id}\n`);
      });
    });
}
