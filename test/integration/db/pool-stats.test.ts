import type { Db } from '../../../src/db/database';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

/** Db.stats(): what slate_db_pool_* report, while work holds connections and more waits. */
describe(`Db.stats (${testDialect})`, () => {
  let testDb: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await testDb.openMigrated();
    await db.ping();
  });
  afterAll(() => testDb.drop());

  /** Opens `n` transactions that each hold their connection until `release` is called. */
  const hold = (n: number) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const opened: number[] = [];
    const done = Array.from({ length: n }, (_, i) => db.transaction(async (tx) => {
      await tx.run('SELECT 1');
      opened.push(i);
      await gate;
    }));
    return { opened, release: async () => {
      release();
      await Promise.all(done);
    } };
  };
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(cond()).toBe(true);
  };

  it('reports an idle pool with nothing waiting', () => {
    const s = db.stats();
    expect(s.waiting).toBe(0);
    expect(s.idle).toBe(s.total);
    expect(s.total).toBeGreaterThanOrEqual(1);
  });

  it('counts busy connections and the work queued behind them', async () => {
    if (testDialect === 'sqlite') {
      // One connection: the first transaction holds it, the other two wait in its queue.
      const h = hold(3);
      await until(() => h.opened.length === 1);
      expect(db.stats()).toEqual({ total: 1, idle: 0, waiting: 2 });
      await h.release();
    } else {
      const size = testDb.database.kind === 'postgres' ? testDb.database.poolSize : 0;
      const h = hold(size + 2);
      await until(() => h.opened.length === size);
      expect(db.stats()).toEqual({ total: size, idle: 0, waiting: 2 });
      await h.release();
    }
    const after = db.stats();
    expect(after.waiting).toBe(0);
    expect(after.idle).toBe(after.total);
  });
});
