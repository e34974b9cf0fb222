import type { DataSource, EntityManager } from 'typeorm';
import { Sql } from '../../../src/db/sql';
import { isUniqueViolation } from '../../../src/db/stores';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

/** Sql.run on both databases; on SQLite it bypasses TypeORM and must keep its serialisation. */
describe(`Sql.run (${testDialect})`, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let sql: Sql;
  const pg = testDialect === 'postgres';
  const ticks = async (n = 5) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };
  const keys = async (table = 't_sql') => (await sql.rows<{ k: string }>(`SELECT k FROM ${table} ORDER BY k`)).map((r) => r.k);

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.openMigrated();
    sql = new Sql(ds);
    await ds.query(`CREATE TABLE t_sql (k varchar(20) PRIMARY KEY, n integer NOT NULL,
      flag ${pg ? 'boolean' : 'integer'}, at ${pg ? 'timestamp' : 'varchar(30)'}, note varchar(20))`);
  });
  afterAll(() => db.drop());
  beforeEach(() => sql.run('DELETE FROM t_sql'));

  it('returns rows for SELECT and for writes with RETURNING, and counts affected rows', async () => {
    const ins = await sql.run<{ k: string; n: number }>('INSERT INTO t_sql (k, n) VALUES (?, ?), (?, ?) RETURNING k, n', ['a', 1, 'b', 2]);
    expect(ins.rows.map((r) => [r.k, Number(r.n)]).sort()).toEqual([['a', 1], ['b', 2]]);
    expect(ins.affected).toBe(2);

    const skipped = await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?) ON CONFLICT (k) DO NOTHING RETURNING k', ['a', 9]);
    expect(skipped).toEqual({ rows: [], affected: 0 });

    const upd = await sql.run('UPDATE t_sql SET n = n + 10 WHERE k IN (?, ?, ?)', ['a', 'b', 'zz']);
    expect(upd).toEqual({ rows: [], affected: 2 });
    const back = await sql.run<{ n: number }>('UPDATE t_sql SET n = n + 1 WHERE k = ? RETURNING n', ['a']);
    expect(back.rows.map((r) => Number(r.n))).toEqual([12]);
    expect(back.affected).toBe(1);

    expect(await sql.run('UPDATE t_sql SET n = 0 WHERE k = ?', ['nope'])).toEqual({ rows: [], affected: 0 });
    expect((await sql.run('DELETE FROM t_sql WHERE k = ?', ['b'])).affected).toBe(1);
    expect(await sql.one<{ k: string }>('SELECT k FROM t_sql WHERE k = ?', ['a'])).toEqual({ k: 'a' });
    expect(await sql.rows('SELECT k FROM t_sql WHERE k = ?', ['b'])).toEqual([]);
  });

  it('binds Dates, booleans and undefined as each driver expects', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    await sql.run('INSERT INTO t_sql (k, n, flag, at, note) VALUES (?, ?, ?, ?, ?)', ['d', 1, true, at, undefined]);
    await sql.run('INSERT INTO t_sql (k, n, flag, at, note) VALUES (?, ?, ?, ?, ?)', ['e', 2, false, null, 'x']);
    const rows = await sql.rows<{ k: string }>('SELECT k FROM t_sql WHERE flag = ? AND at = ? AND note IS NULL', [true, at]);
    expect(rows).toEqual([{ k: 'd' }]);
    expect(await sql.rows('SELECT k FROM t_sql WHERE flag = ?', [false])).toEqual([{ k: 'e' }]);
  });

  it('runs statements with many parameters and more distinct statements than it caches', async () => {
    const many = Array.from({ length: 40 }, (_, i) => [`m${String(i).padStart(2, '0')}`, i]);
    expect((await sql.run(`INSERT INTO t_sql (k, n) VALUES ${Sql.values(many.length, 2)}`, many.flat())).affected).toBe(40);
    for (let i = 0; i < 300; i++) {
      const r = await sql.one<{ n: number }>(`SELECT n + ${i} AS n FROM t_sql WHERE k = ?`, ['m01']);
      expect(Number(r!.n)).toBe(1 + i);
    }
    // The first statements were evicted by now; running them again prepares them afresh.
    expect(Number((await sql.one<{ n: number }>('SELECT n + 0 AS n FROM t_sql WHERE k = ?', ['m02']))!.n)).toBe(2);
  });

  it('rejects with the driver error (unique violations recognisable), and keeps working after', async () => {
    await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['u', 1]);
    const dup = sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['u', 2]);
    expect(dup).toBeInstanceOf(Promise);
    const err = await dup.then(() => undefined, (e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    // SQLite reports as it did through TypeORM: QueryFailedError around the driver's error.
    if (!pg) expect(err).toMatchObject({ name: 'QueryFailedError', driverError: { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' } });

    await expect(sql.run('SELEKT nonsense')).rejects.toThrow(/syntax/i);
    await expect(sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['v', null])).rejects.toThrow(/null/i);
    expect(isUniqueViolation(await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['v', null]).catch((e: unknown) => e))).toBe(false);
    // An error while waiting behind a transaction rejects too, and does not jam the queue.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = sql.transaction(async () => gate);
    const queued = sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['u', 3]);
    const after = sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['w', 4]);
    release();
    await tx;
    expect(isUniqueViolation(await queued.catch((e: unknown) => e))).toBe(true);
    expect(await after).toEqual({ rows: [], affected: 1 });
    expect(await keys()).toEqual(['u', 'w']);
  });

  it('a statement from outside does not join an open transaction, and waits for it on SQLite', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedInside = new Promise<void>((r) => (inserted = r));
    const tx = sql.transaction(async (ex) => {
      await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['in', 1], ex);
      // The transaction's own statements see its uncommitted work.
      expect(await sql.rows('SELECT k FROM t_sql', [], ex)).toEqual([{ k: 'in' }]);
      inserted();
      await gate;
      throw new Error('roll back');
    });
    await insertedInside;

    let outsideDone = false;
    const outside = (async () => {
      await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['out', 2]);
      const seen = await keys();
      outsideDone = true;
      return seen;
    })();
    await ticks();
    // SQLite has one connection: the outsider must wait until the transaction is over.
    if (!pg) expect(outsideDone).toBe(false);
    release();
    await expect(tx).rejects.toThrow('roll back');
    // It never saw the transaction's row, and its own row survived the rollback.
    expect((await outside).includes('in')).toBe(false);
    expect(await keys()).toEqual(['out']);
  });

  it('a statement issued just after a transaction was started is not swept into it', async () => {
    const tx = sql.transaction(async (ex) => {
      await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['t', 1], ex);
      await ticks(2);
      throw new Error('no');
    });
    // Issued synchronously, before the transaction has even sent BEGIN.
    const outside = sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['o', 1]);
    await expect(tx).rejects.toThrow('no');
    await outside;
    expect(await keys()).toEqual(['o']);
  });

  it('statements inside a transaction commit and roll back with it, also in a nested one', async () => {
    await sql.transaction(async (ex) => {
      await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['c1', 1], ex);
      await expect(
        (ex as EntityManager).transaction(async (inner) => {
          await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['gone', 1], inner);
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      await sql.run('UPDATE t_sql SET n = ? WHERE k = ?', [5, 'c1'], ex);
    });
    expect(await sql.rows<{ k: string; n: number }>('SELECT k, n FROM t_sql')).toEqual([{ k: 'c1', n: 5 }]);

    await expect(
      sql.transaction(async (ex) => {
        await sql.run('UPDATE t_sql SET n = ? WHERE k = ?', [6, 'c1'], ex);
        await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['c2', 1], ex);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await sql.rows<{ k: string; n: number }>('SELECT k, n FROM t_sql')).toEqual([{ k: 'c1', n: 5 }]);
  });

  // Postgres runs them side by side on its pool; the order is SQLite's promise.
  (pg ? it.skip : it)('statements queued behind transactions run in the order they were issued', async () => {
    await sql.run('INSERT INTO t_sql (k, n) VALUES (?, ?)', ['q', 0]);
    const work: Promise<unknown>[] = [];
    for (let i = 1; i <= 20; i++) {
      if (i % 5 === 0) work.push(sql.transaction(async (ex) => { await ticks(1); await sql.run('UPDATE t_sql SET n = n * 2 WHERE k = ?', ['q'], ex); }));
      else work.push(sql.run('UPDATE t_sql SET n = n + 1 WHERE k = ?', ['q']));
    }
    await Promise.all(work);
    // +1 ×4, ×2, ... in issue order: ((((4·2+4)·2+4)·2+4)·2) = 120. Out of order would differ.
    expect(await sql.one('SELECT n FROM t_sql WHERE k = ?', ['q'])).toEqual({ n: 120 });
  });
});
