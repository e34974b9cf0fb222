import type { DataSource } from 'typeorm';
import { AfterCommit } from '../../../src/db/after-commit';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

describe(`AfterCommit (${testDialect})`, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let after: AfterCommit;
  const settled = () => new Promise((r) => setImmediate(r));

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.openMigrated();
    after = new AfterCommit(ds);
  });
  afterAll(() => db.drop());

  it('runs after the outermost commit, not inside the transaction or at a savepoint', async () => {
    const calls: string[] = [];
    await ds.transaction(async (ex) => {
      after.run(ex, () => calls.push('outer'));
      await ex.transaction(async (inner) => {
        after.run(inner, () => calls.push('inner'));
      });
      await settled();
      expect(calls).toEqual([]);
    });
    await settled();
    expect(calls).toEqual(['outer', 'inner']);
  });

  it('drops the work of a transaction that rolls back', async () => {
    const calls: string[] = [];
    await expect(ds.transaction(async (ex) => {
      after.run(ex, () => calls.push('x'));
      throw new Error('no');
    })).rejects.toThrow('no');
    await settled();
    await settled();
    expect(calls).toEqual([]);
  });

  it('runs on the next tick without a transaction, and sees committed rows', async () => {
    const seen: number[] = [];
    await ds.transaction(async (ex) => {
      await ex.query(`INSERT INTO apns_certificates (id, topic, cert_pem, key_sealed, not_after, fingerprint, uploaded_at, active)
        VALUES ('00000000-0000-4000-8000-000000000001', 't', 'c', 'k', '2030-01-01', 'f', '2026-01-01', ${testDialect === 'postgres' ? 'false' : '0'})`);
      after.run(ex, () => void ds.query('SELECT COUNT(*) AS n FROM apns_certificates').then((r: { n: string }[]) => seen.push(Number(r[0]!.n))));
    });
    const direct: string[] = [];
    after.run(undefined, () => direct.push('now'));
    expect(direct).toEqual([]);
    await settled();
    expect(direct).toEqual(['now']);
    // A Postgres round trip on a loaded machine can outlast any fixed number of ticks.
    for (const until = Date.now() + 5000; seen.length === 0 && Date.now() < until; ) await settled();
    expect(seen).toEqual([1]);
  });
});
