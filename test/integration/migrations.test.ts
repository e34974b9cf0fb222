import { createTestDatabase, type TestDatabase } from '../helpers/test-db';
import { migrate, revertAllMigrations, undoLastMigration, withSchema } from '../../src/db/open-database';
import { MIGRATIONS } from '../../src/db/migrations';
import type { Db } from '../../src/db/database';

describe(`migrations (${process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
  let testDb: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await testDb.open();
  });
  afterAll(() => testDb.drop());

  const tables = async (): Promise<string[]> => {
    const rows = testDb.dialect === 'postgres'
      ? await db.rows<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()')
      : await db.rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    return rows.map((r) => r.name).filter((n) => n !== 'migrations').sort();
  };

  it('go up, all the way down, and up again', async () => {
    const applied = await migrate(testDb.database);
    expect(applied).toHaveLength(MIGRATIONS.length);
    const after = await tables();
    expect(after).toEqual(expect.arrayContaining(['devices', 'org_units', 'task_runs']));
    expect(await revertAllMigrations(testDb.database)).toBe(MIGRATIONS.length);
    expect(await tables()).toEqual([]);
    expect(await migrate(testDb.database)).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual(after);
    expect(await migrate(testDb.database)).toEqual([]);
  });

  it('each migration reverts on its own', async () => {
    await revertAllMigrations(testDb.database);
    await migrate(testDb.database);
    // Walk down one at a time: every `down` must work against the schema its `up` produced.
    for (let i = MIGRATIONS.length; i > 0; i--) {
      await undoLastMigration(testDb.database);
      expect(Number((await db.one<{ n: number }>('SELECT COUNT(*) AS n FROM migrations'))!.n)).toBe(i - 1);
    }
    expect(await tables()).toEqual([]);
  });

  it('several processes starting at once apply each migration exactly once', async () => {
    await revertAllMigrations(testDb.database);
    const results = await Promise.all([1, 2, 3].map(() => migrate(testDb.database)));
    expect(results.map((r) => r.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
    expect(Number((await db.one<{ n: number }>('SELECT COUNT(*) AS n FROM migrations'))!.n)).toBe(MIGRATIONS.length);
  });

  it('the entity metadata TypeORM holds matches the tables the migrations build (columns, types, nullability)', async () => {
    await migrate(testDb.database);
    const drift = await withSchema(testDb.database, {}, async (ds) => {
      const qr = ds.createQueryRunner();
      try {
        const out: string[] = [];
        for (const meta of ds.entityMetadatas) {
          const table = await qr.getTable(meta.tableName);
          if (!table) {
            out.push(`${meta.tableName}: no such table`);
            continue;
          }
          for (const col of meta.columns) {
            const actual = table.columns.find((c) => c.name === col.databaseName);
            if (!actual) out.push(`${meta.tableName}.${col.databaseName}: missing`);
            else if (actual.isNullable !== col.isNullable) out.push(`${meta.tableName}.${col.databaseName}: nullable ${actual.isNullable}, entity says ${col.isNullable}`);
            else if (ds.driver.normalizeType(col) !== actual.type) out.push(`${meta.tableName}.${col.databaseName}: ${actual.type}, entity says ${ds.driver.normalizeType(col)}`);
          }
          for (const c of table.columns) if (!meta.columns.some((m) => m.databaseName === c.name)) out.push(`${meta.tableName}.${c.name}: not in the entity`);
        }
        return out;
      } finally {
        await qr.release();
      }
    });
    expect(drift).toEqual([]);
  });
});
