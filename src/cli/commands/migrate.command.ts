import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { migrate, revertAllMigrations, undoLastMigration } from '../../db/open-database';
import { AppError } from '../../errors';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (or --revert-last / --revert-all)')
    .option('--revert-last', 'undo the most recent migration')
    .option('--revert-all', 'undo every migration (drops all Slate tables)')
    .option('--json', 'machine-readable output')
    .action(async (o: { revertLast?: boolean; revertAll?: boolean; json?: boolean }) => {
      if (o.revertLast && o.revertAll) throw new AppError('validation_failed', '--revert-last and --revert-all exclude each other');
      // The database alone: schema commands must not build the rest of Slate (which would read
      // tables that do not exist yet, and create a CA on a database being reverted).
      const { database } = loadConfig();
      let result: object;
      if (o.revertAll) result = { reverted: await revertAllMigrations(database) };
      else if (o.revertLast) {
        await undoLastMigration(database);
        result = { reverted: 1 };
      } else result = { applied: await migrate(database) };
      process.stdout.write(o.json ? JSON.stringify(result) + '\n' : describe(result) + '\n');
    });
}

function describe(r: { applied?: string[]; reverted?: number }): string {
  if (r.applied) return r.applied.length ? `applied: ${r.applied.join(', ')}` : 'database is up to date';
  return `reverted ${r.reverted} migration(s)`;
}
