import { createTestDatabase, type TestDatabase } from '../helpers/test-db';
import { revertAllMigrations, runMigrations, undoLastMigration } from '../../src/db/data-source';
import { MIGRATIONS } from '../../src/db/migrations';

describe(`migrations (${process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const tables = async (ds: Awaited<ReturnType<TestDatabase['open']>>): Promise<string[]> => {
    const rows: Array<{ name: string }> =
      db.dialect === 'postgres'
        ? await ds.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()")
        : await ds.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    return rows.map((r) => r.name).filter((n) => n !== 'migrations').sort();
  };

  it('go up, all the way down, and up again', async () => {
    const ds = await db.open();
    const applied = await runMigrations(ds);
    expect(applied).toHaveLength(MIGRATIONS.length);
    const after = await tables(ds);
    expect(after).toEqual(expect.arrayContaining(['devices', 'org_units']));

    expect(await revertAllMigrations(ds)).toBe(MIGRATIONS.length);
    expect(await tables(ds)).toEqual([]);

    expect(await runMigrations(ds)).toHaveLength(MIGRATIONS.length);
    expect(await tables(ds)).toEqual(after);
    expect(await runMigrations(ds)).toEqual([]);
  });

  it('each migration reverts on its own', async () => {
    const ds = await db.open();
    await revertAllMigrations(ds);
    await runMigrations(ds);
    // Walk down one at a time: every `down` must work against the schema its `up` produced.
    for (let i = MIGRATIONS.length; i > 0; i--) {
      await undoLastMigration(ds);
      const n = Number((await ds.query('SELECT COUNT(*) AS n FROM migrations'))[0].n);
      expect(n).toBe(i - 1);
    }
    expect(await tables(ds)).toEqual([]);
  });
});
