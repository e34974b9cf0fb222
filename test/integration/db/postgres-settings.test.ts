import type { Db } from '../../../src/db/database';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

// Settings that only exist on Postgres; on SQLite there is nothing to check.
const onPostgres = testDialect === 'postgres' ? describe : describe.skip;

onPostgres('Postgres session and table settings', () => {
  let db: TestDatabase;
  let ds: Db;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.openMigrated();
  });
  afterAll(() => db.drop());

  it('plans the poll functions once (generic plans), and leaves every other statement to Postgres', async () => {
    const fns = await ds.rows<{ proname: string; proconfig: string[] }>(
      `SELECT proname, proconfig FROM pg_proc WHERE pronamespace = current_schema()::regnamespace AND proname IN ('slate_next_command', 'slate_answer_and_next')`);
    expect(fns).toHaveLength(2);
    for (const f of fns) expect(f.proconfig).toEqual(expect.arrayContaining(['plan_cache_mode=force_generic_plan', 'enable_seqscan=off']));
    const rows = await Promise.all([1, 2, 3].map(() => ds.one<{ plan_cache_mode: string }>('SHOW plan_cache_mode')));
    for (const r of rows) expect(r!.plan_cache_mode).toBe('auto');
  });

  it('vacuums the command queue by row count and leaves room for HOT updates', async () => {
    const r = (await ds.one<{ reloptions: string | string[] }>(`SELECT reloptions FROM pg_class WHERE relname = 'command_queue' AND relnamespace = current_schema()::regnamespace`))!;
    const opts = typeof r.reloptions === 'string' ? r.reloptions : (r.reloptions as string[]).join(',');
    expect(opts).toContain('fillfactor=80');
    expect(opts).toContain('autovacuum_vacuum_scale_factor=0');
  });
});
