import type { Command } from 'commander';
import { ORG_KINDS, type OrgKind } from '../../db/entities';
import { withSlate } from '../context';
import { choiceOption } from '../options';
import { printObject, printRows } from '../output';
import { withProgress } from '../terminal';

export function registerOrg(program: Command): void {
  const org = program.command('org').description('the organisation tree: authority → municipality → school → grade → class');
  org
    .command('import')
    .argument('<file>', 'organisation YAML (see profiles/organisation.yaml)')
    .description('create or update units from a file; validates everything first and changes nothing on error')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const r = await withProgress((bar) => services.org.importFile(file, (step) => bar.step(`${file}: ${step}`)));
        if (o.json) printObject(r, true);
        else process.stdout.write(`${file}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged\n`);
      });
    });
  org
    .command('list')
    .description('list units, parents before children')
    .option('--kind <kind>', `only one kind (${ORG_KINDS.join(', ')})`, choiceOption('--kind', ORG_KINDS))
    .option('--under <code>', 'only units at or below this unit')
    .option('--json', 'machine-readable output')
    .action(async (o: { kind?: OrgKind; under?: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const units = await services.org.list({ kind: o.kind, underCode: o.under });
        const byId = new Map(units.map((u) => [u.id, u.code]));
        const parentCodes = await services.org.list().then((all) => new Map(all.map((u) => [u.id, u.code])));
        const rows = units.map((u) => ({
          id: u.id, code: u.code, kind: u.kind, name: u.name,
          parent: u.parentId ? byId.get(u.parentId) ?? parentCodes.get(u.parentId) ?? null : null,
          gradeLevel: u.gradeLevel,
        }));
        printRows(rows, ['code', 'kind', 'name', 'parent'], !!o.json);
      });
    });
}
