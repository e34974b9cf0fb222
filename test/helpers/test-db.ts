import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Config } from '../../src/config';
import type { Dialect } from '../../src/db/columns';
import type { Db } from '../../src/db/database';
import { buildDataSource } from '../../src/db/data-source';
import { migrate, openDatabase } from '../../src/db/open-database';

/**
 * Each test file gets its own database, built by the real migrations: a temporary SQLite file,
 * or (with TEST_DATABASE_URL=postgres://...) a fresh Postgres schema dropped afterwards.
 */
export interface TestDatabase {
  dialect: Dialect;
  database: Config['database'];
  schema?: string;
  dir: string;
  /** Opens Slate's database handle (migrations not run). */
  open(): Promise<Db>;
  /** Migrates, then opens. */
  openMigrated(): Promise<Db>;
  /** TypeORM's DataSource on this database (migration tests), opened; closed by drop(). */
  dataSource(): Promise<DataSource>;
  drop(): Promise<void>;
}

export const TEST_PG_URL = process.env.TEST_DATABASE_URL;
export const testDialect: Dialect = TEST_PG_URL ? 'postgres' : 'sqlite';

async function pgAdmin(sql: string): Promise<void> {
  const c = new Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'slate-test-'));
  const opened: Db[] = [];
  const sources: DataSource[] = [];
  let database: Config['database'];
  let schema: string | undefined;
  // Tests run with the transaction guard; benchmarks measure production's default (off).
  const transactionGuard = process.env.TEST_DB_TRANSACTION_GUARD !== 'false';
  if (TEST_PG_URL) {
    schema = `t_${randomBytes(6).toString('hex')}`;
    await pgAdmin(`CREATE SCHEMA "${schema}"`);
    // Tests keep pools small (many files in parallel); benchmarks size it like production (TEST_DB_POOL).
    database = { kind: 'postgres', url: TEST_PG_URL, poolSize: Number(process.env.TEST_DB_POOL ?? 5), schema, transactionGuard };
  } else {
    database = { kind: 'sqlite', path: join(dir, 'slate.db'), transactionGuard };
  }
  const open = async () => {
    const db = await openDatabase(database);
    opened.push(db);
    return db;
  };
  return {
    dialect: database.kind, database, schema, dir,
    open,
    openMigrated: async () => {
      await migrate(database);
      return open();
    },
    dataSource: async () => {
      const ds = buildDataSource(database);
      await ds.initialize();
      sources.push(ds);
      return ds;
    },
    drop: async () => {
      for (const db of opened) await db.close().catch(() => undefined);
      for (const ds of sources) if (ds.isInitialized) await ds.destroy();
      if (schema) await pgAdmin(`DROP SCHEMA "${schema}" CASCADE`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
