import type { Db } from '../../../src/db/database';
import { SqlTaskRunStore } from '../../../src/db/stores/task-run.store.sql';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

/** Periodic tasks run once per interval across every Slate process on a database (migration 0010). */
describe(`TaskRunStore (${testDialect})`, () => {
  let testDb: TestDatabase;
  let db: Db;
  const store = new SqlTaskRunStore();
  const t0 = new Date('2026-12-01T10:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await testDb.openMigrated();
  });
  afterAll(() => testDb.drop());

  it('gives each interval to exactly one of many concurrent claimants', async () => {
    // Ten "processes" claiming at once (on Postgres, on separate connections).
    const first = await Promise.all(Array.from({ length: 10 }, () => store.claim(db, 'vacuum', t0, 10_000)));
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await store.claim(db, 'vacuum', at(9_999), 10_000)).toBe(false);
    const next = await Promise.all(Array.from({ length: 10 }, () => store.claim(db, 'vacuum', at(10_000), 10_000)));
    expect(next.filter(Boolean)).toHaveLength(1);
    // Tasks are independent.
    expect(await store.claim(db, 'prune', at(10_000), 60_000)).toBe(true);
  });

  it('joins the caller\'s transaction, so a claim rolled back is not spent', async () => {
    await expect(db.transaction(async (tx) => {
      expect(await store.claim(tx, 'renew', t0, 1000)).toBe(true);
      throw new Error('crashed before the run');
    })).rejects.toThrow('crashed');
    expect(await store.claim(db, 'renew', t0, 1000)).toBe(true);
  });
});
