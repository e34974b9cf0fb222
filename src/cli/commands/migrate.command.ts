import type { Command } from 'commander';
import { revertAllMigrations, runMigrations, undoLastMigration } from '../../db/data-source';
import { AppError } from '../../errors';
import { withDatabase } from '../context';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (or --revert-last / --revert-all)')
    .option('--revert-last', 'undo the most recent migration')
    .option('--revert-all', 'undo every migration (drops all Slate tables)')
    .option('--json', 'machine-readable output')
    .action(async (o: { revertLast?: boolean; revertAll?: boolean; json?: boolean }) => {
      if (o.revertLast && o.revertAll) throw new AppError('validation_failed', '--revert-last and --revert-all exclude each other');
      await withDatabase(
        async (ds) => {
          let result: object;
          if (o.revertAll) result = { reverted: await revertAllMigrations(ds) };
          else if (o.revertLast) {
            await undoLastMigration(ds);
            result = { reverted: 1 };
          } else result = { applied: await runMigrations(ds) };
          process.stdout.write(o.json ? JSON.stringify(result) + '\n' : describe(result) + '\n');
        },
      );
    });
}

function describe(r: { applied?: string[]; reverted?: number }): string {
  if (r.applied) return r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date';
  return `reverted ${r.reverted} migration(s)`;
}
