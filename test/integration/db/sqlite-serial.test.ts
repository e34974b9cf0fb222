import type { DataSource } from 'typeorm';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

/** Concurrent transactions must not leak into each other (SQLite shares one connection). */
describe(`concurrent transactions (${testDialect})`, () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.openMigrated();
    await ds.query('CREATE TABLE t_counter (k varchar(10) PRIMARY KEY, v integer NOT NULL)');
  });
  afterAll(() => db.drop());

  it('a rolled-back transaction does not take a concurrent writer with it', async () => {
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const failing = ds.transaction(async (m) => {
      await m.query("INSERT INTO t_counter (k, v) VALUES ('a', 1)");
      await tick();
      throw new Error('boom');
    });
    const outside = (async () => {
      await tick();
      await ds.query("INSERT INTO t_counter (k, v) VALUES ('b', 2)");
    })();
    const other = ds.transaction(async (m) => {
      await m.query("INSERT INTO t_counter (k, v) VALUES ('c', 3)");
      await tick();
    });
    await expect(failing).rejects.toThrow('boom');
    await Promise.all([outside, other]);
    const rows: Array<{ k: string }> = await ds.query('SELECT k FROM t_counter ORDER BY k');
    expect(rows.map((r) => r.k)).toEqual(['b', 'c']);
  });

  it('many interleaved read-modify-write transactions lose no update', async () => {
    await ds.query("INSERT INTO t_counter (k, v) VALUES ('n', 0)");
    await Promise.all(
      Array.from({ length: 50 }, () =>
        ds.transaction(async (m) => {
          const lock = testDialect === 'postgres' ? ' FOR UPDATE' : '';
          const [row] = await m.query(`SELECT v FROM t_counter WHERE k = 'n'${lock}`);
          await new Promise((r) => setImmediate(r));
          await m.query(`UPDATE t_counter SET v = ${Number(row.v) + 1} WHERE k = 'n'`);
        }),
      ),
    );
    const [row] = await ds.query("SELECT v FROM t_counter WHERE k = 'n'");
    expect(Number(row.v)).toBe(50);
  });
});
