import { PlistBigInteger } from '../../../src/apple/protocol/plist';
import { isUniqueViolation, QueryError, TransactionMisuseError, valuesList, type Db } from '../../../src/db/database';
import { jsonParam, readJson } from '../../../src/db/json-column';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

/** The one transaction model (src/db/database.ts): the same behaviour on both databases. */
describe(`Db and Tx (${testDialect})`, () => {
  let testDb: TestDatabase;
  let db: Db;
  const pg = testDialect === 'postgres';
  const ticks = async (n = 5) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };
  const keys = async () => (await db.rows<{ k: string }>('SELECT k FROM t_db ORDER BY k')).map((r) => r.k);

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await testDb.openMigrated();
    await db.run(`CREATE TABLE t_db (k varchar(20) PRIMARY KEY, n integer NOT NULL,
      flag ${pg ? 'boolean' : 'integer'}, at ${pg ? 'timestamptz' : 'varchar(30)'}, note text, doc ${pg ? 'jsonb' : 'text'})`);
  });
  afterAll(() => testDb.drop());
  beforeEach(() => db.run('DELETE FROM t_db'));

  it('returns rows for SELECT and for writes with RETURNING, and counts affected rows', async () => {
    const ins = await db.run<{ k: string; n: number }>('INSERT INTO t_db (k, n) VALUES (?, ?), (?, ?) RETURNING k, n', ['a', 1, 'b', 2]);
    expect(ins.rows.map((r) => [r.k, Number(r.n)]).sort()).toEqual([['a', 1], ['b', 2]]);
    expect(ins.affected).toBe(2);
    expect(await db.run('INSERT INTO t_db (k, n) VALUES (?, ?) ON CONFLICT (k) DO NOTHING RETURNING k', ['a', 9])).toEqual({ rows: [], affected: 0 });
    expect(await db.run('UPDATE t_db SET n = n + 10 WHERE k IN (?, ?, ?)', ['a', 'b', 'zz'])).toEqual({ rows: [], affected: 2 });
    const back = await db.run<{ n: number }>('UPDATE t_db SET n = n + 1 WHERE k = ? RETURNING n', ['a']);
    expect(back.rows.map((r) => Number(r.n))).toEqual([12]);
    expect((await db.run('DELETE FROM t_db WHERE k = ?', ['b'])).affected).toBe(1);
    expect(await db.one<{ k: string }>('SELECT k FROM t_db WHERE k = ?', ['a'])).toEqual({ k: 'a' });
    expect(await db.rows('SELECT k FROM t_db WHERE k = ?', ['b'])).toEqual([]);
  });

  it('binds Dates, booleans and undefined as each driver expects, and replaces NUL in text', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    await db.run('INSERT INTO t_db (k, n, flag, at, note) VALUES (?, ?, ?, ?, ?)', ['d', 1, true, at, undefined]);
    await db.run('INSERT INTO t_db (k, n, flag, at, note) VALUES (?, ?, ?, ?, ?)', ['e', 2, false, null, 'a\u0000b']);
    expect(await db.rows('SELECT k FROM t_db WHERE flag = ? AND at = ? AND note IS NULL', [true, at])).toEqual([{ k: 'd' }]);
    // Postgres refuses NUL in text outright; a device can put one in any string, so it becomes U+FFFD on both.
    expect(await db.one('SELECT note FROM t_db WHERE k = ?', ['e'])).toEqual({ note: 'a\uFFFDb' });
  });

  it('stores JSON from devices: integers beyond 2^53, NUL characters, Buffers and Dates', async () => {
    const doc = { big: 2n ** 64n, small: 5n, decoded: new PlistBigInteger(2n ** 64n - 1n), text: 'x\u0000y', data: Buffer.from('hi'), when: new Date(0), nested: [{ 'k\u0000': 1 }] };
    await db.run('INSERT INTO t_db (k, n, doc) VALUES (?, ?, ?)', ['j', 1, jsonParam(doc)]);
    const back = readJson<Record<string, unknown>>((await db.one<{ doc: unknown }>('SELECT doc FROM t_db WHERE k = ?', ['j']))!.doc);
    expect(back).toEqual({ big: '18446744073709551616', small: 5, decoded: '18446744073709551615', text: 'x\uFFFDy', data: 'aGk=', when: '1970-01-01T00:00:00.000Z', nested: [{ 'k\uFFFD': 1 }] });
  });

  it('runs statements with many parameters and more distinct statements than it caches', async () => {
    const many = Array.from({ length: 40 }, (_, i) => [`m${String(i).padStart(2, '0')}`, i]);
    expect((await db.run(`INSERT INTO t_db (k, n) VALUES ${valuesList(many.length, 2)}`, many.flat())).affected).toBe(40);
    for (let i = 0; i < 300; i++) expect(Number((await db.one<{ n: number }>(`SELECT n + ${i} AS n FROM t_db WHERE k = ?`, ['m01']))!.n)).toBe(1 + i);
    expect(Number((await db.one<{ n: number }>('SELECT n + 0 AS n FROM t_db WHERE k = ?', ['m02']))!.n)).toBe(2);
  });

  it('rejects with a QueryError that names the statement but not its parameters, and keeps working', async () => {
    await db.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['u', 1]);
    const err = await db.run('INSERT INTO t_db (k, n, note) VALUES (?, ?, ?)', ['u', 2, 'secret-token-123']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect(isUniqueViolation(err)).toBe(true);
    expect(String((err as Error).message)).toContain('INSERT INTO t_db');
    expect(JSON.stringify(err) + String((err as Error).message) + String((err as Error).stack)).not.toContain('secret-token-123');
    await expect(db.run('SELEKT nonsense')).rejects.toThrow(/syntax/i);
    expect(isUniqueViolation(await db.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['v', null]).catch((e: unknown) => e))).toBe(false);
    expect(await keys()).toEqual(['u']);
  });

  it('commits a transaction\'s statements together, and rolls all of them back on failure', async () => {
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['c1', 1]);
      // The transaction's own statements see its uncommitted work.
      expect(await tx.rows('SELECT k FROM t_db')).toEqual([{ k: 'c1' }]);
    });
    await expect(db.transaction(async (tx) => {
      await tx.run('UPDATE t_db SET n = ? WHERE k = ?', [6, 'c1']);
      await tx.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['c2', 1]);
      throw new Error('undo');
    })).rejects.toThrow('undo');
    expect(await db.rows<{ k: string; n: number }>('SELECT k, n FROM t_db')).toEqual([{ k: 'c1', n: 1 }]);
  });

  describe('misuse fails the same way on both databases', () => {
    it('a statement through the database handle inside a transaction', async () => {
      await expect(db.transaction(async () => {
        await db.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['x', 1]);
      })).rejects.toBeInstanceOf(TransactionMisuseError);
      // ... also a read, and from code the transaction awaited further down.
      const helper = async () => db.rows('SELECT k FROM t_db');
      await expect(db.transaction(async () => { await ticks(1); await helper(); })).rejects.toBeInstanceOf(TransactionMisuseError);
      expect(await keys()).toEqual([]);
    });

    it('a nested transaction', async () => {
      await expect(db.transaction(() => db.transaction(async () => undefined))).rejects.toBeInstanceOf(TransactionMisuseError);
    });

    it('a statement on a transaction that has ended', async () => {
      let leaked: import('../../../src/db/database').Tx | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['late', 1])).rejects.toBeInstanceOf(TransactionMisuseError);
      expect(await keys()).toEqual([]);
    });

    it('work a transaction left running may use the database once it has ended', async () => {
      let later: Promise<unknown> | undefined;
      await db.transaction(async () => {
        later = (async () => {
          await new Promise((r) => setTimeout(r, 20));
          return db.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['after', 1]);
        })();
      });
      await later;
      expect(await keys()).toEqual(['after']);
    });
  });

  it('runs after-commit work once committed, outside the transaction; drops it on rollback', async () => {
    let seen: Promise<string[]> | undefined;
    let ran = false;
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['ac', 1]);
      tx.afterCommit(() => {
        ran = true;
        // Outside the transaction's context: the database handle is usable and sees the rows.
        seen = keys();
      });
      await ticks();
      expect(ran).toBe(false);
    });
    await ticks(10);
    expect(ran).toBe(true);
    expect(await seen).toEqual(['ac']);
    let dropped = true;
    await expect(db.transaction(async (tx) => {
      tx.afterCommit(() => (dropped = false));
      throw new Error('no');
    })).rejects.toThrow('no');
    await ticks(10);
    expect(dropped).toBe(true);
  });

  it('a statement from outside never joins an open transaction (SQLite: it waits for it)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedInside = new Promise<void>((r) => (inserted = r));
    const tx = db.transaction(async (t) => {
      await t.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['in', 1]);
      inserted();
      await gate;
      throw new Error('roll back');
    });
    await insertedInside;
    let outsideDone = false;
    const outside = (async () => {
      await db.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['out', 2]);
      const seen = await keys();
      outsideDone = true;
      return seen;
    })();
    await ticks();
    if (!pg) expect(outsideDone).toBe(false);
    release();
    await expect(tx).rejects.toThrow('roll back');
    expect((await outside).includes('in')).toBe(false);
    expect(await keys()).toEqual(['out']);
  });

  it('many interleaved read-modify-write transactions lose no update; a failing one takes nobody with it', async () => {
    await db.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['n', 0]);
    const failing = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['f', 1]);
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('boom');
    });
    await Promise.all([
      expect(failing).rejects.toThrow('boom'),
      ...Array.from({ length: 50 }, () => db.transaction(async (tx) => {
        const row = (await tx.one<{ n: number }>(`SELECT n FROM t_db WHERE k = ?${tx.forUpdate}`, ['n']))!;
        await new Promise((r) => setImmediate(r));
        await tx.run('UPDATE t_db SET n = ? WHERE k = ?', [Number(row.n) + 1, 'n']);
      })),
    ]);
    expect(Number((await db.one<{ n: number }>('SELECT n FROM t_db WHERE k = ?', ['n']))!.n)).toBe(50);
    expect(await keys()).toEqual(['n']);
  });

  it('runs a transaction again after a unique violation when asked to (retries)', async () => {
    let attempts = 0;
    await db.transaction(async (tx) => {
      attempts++;
      if (!(await tx.one('SELECT k FROM t_db WHERE k = ?', ['r']))) await tx.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['r', attempts]);
      if (attempts === 1) await tx.run('INSERT INTO t_db (k, n) VALUES (?, ?)', ['r', 99]);
    }, { retries: 1 });
    expect(attempts).toBe(2);
    expect(await db.rows('SELECT k, n FROM t_db')).toEqual([{ k: 'r', n: 2 }]);
  });

  it('runs exclusive work in one caller at a time', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const holding = new Promise<void>((r) => (started = r));
    const first = db.exclusive('job', async () => {
      started();
      await gate;
      return 'first';
    });
    await holding;
    expect(await db.exclusive('job', async () => 'second')).toBeUndefined();
    expect(await db.exclusive('other-job', async () => 'other')).toBe('other');
    release();
    expect(await first).toBe('first');
    expect(await db.exclusive('job', async () => 'third')).toBe('third');
  });
});
