import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { Config } from '../../src/config';
import { buildDataSource, openDataSource, runMigrations } from '../../src/db/data-source';
import type { Dialect } from '../../src/db/columns';

/**
 * Each test file gets its own database, built by the real migrations: a temporary SQLite file,
 * or (with TEST_DATABASE_URL=postgres://...) a fresh Postgres schema dropped afterwards.
 */
export interface TestDatabase {
  dialect: Dialect;
  database: Config['database'];
  schema?: string;
  dir: string;
  /** Opens a DataSource on this database (migrations not run). */
  open(): Promise<DataSource>;
  /** Opens and migrates. */
  openMigrated(): Promise<DataSource>;
  drop(): Promise<void>;
}

export const TEST_PG_URL = process.env.TEST_DATABASE_URL;
export const testDialect: Dialect = TEST_PG_URL ? 'postgres' : 'sqlite';

export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'slate-test-'));
  const opened: DataSource[] = [];
  const open = async (database: Config['database'], schema?: string) => {
    const ds = await openDataSource(buildDataSource(database, { schema }), 'test database');
    opened.push(ds);
    return ds;
  };
  if (!TEST_PG_URL) {
    const database: Config['database'] = { kind: 'sqlite', path: join(dir, 'slate.db') };
    return {
      dialect: 'sqlite', database, dir,
      open: () => open(database),
      openMigrated: async () => { const ds = await open(database); await runMigrations(ds); return ds; },
      drop: async () => {
        for (const ds of opened) if (ds.isInitialized) await ds.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: TEST_PG_URL });
  await admin.initialize();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.destroy();
  // Tests keep pools small (many files in parallel); benchmarks size it like production (TEST_DB_POOL).
  const database: Config['database'] = { kind: 'postgres', url: TEST_PG_URL, poolSize: Number(process.env.TEST_DB_POOL ?? 5) };
  return {
    dialect: 'postgres', database, schema, dir,
    open: () => open(database, schema),
    openMigrated: async () => { const ds = await open(database, schema); await runMigrations(ds); return ds; },
    drop: async () => {
      for (const ds of opened) if (ds.isInitialized) await ds.destroy();
      const a = new DataSource({ type: 'postgres', url: TEST_PG_URL });
      await a.initialize();
      await a.query(`DROP SCHEMA "${schema}" CASCADE`);
      await a.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
