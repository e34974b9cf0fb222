import type { DataSource } from 'typeorm';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

// Settings that only exist on Postgres; on SQLite there is nothing to check.
const onPostgres = testDialect === 'postgres' ? describe : describe.skip;

onPostgres('Postgres session and table settings', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.openMigrated();
  });
  afterAll(() => db.drop());

  it('plans Slate\'s prepared statements once (generic plans) on every pooled connection', async () => {
    const rows = await Promise.all([1, 2, 3].map(() => ds.query('SHOW plan_cache_mode')));
    for (const r of rows) expect(r[0].plan_cache_mode).toBe('force_generic_plan');
  });

  it('vacuums the command queue by row count and leaves room for HOT updates', async () => {
    const [r] = await ds.query(`SELECT reloptions FROM pg_class WHERE relname = 'command_queue' AND relnamespace = current_schema()::regnamespace`);
    const opts = typeof r.reloptions === 'string' ? r.reloptions : (r.reloptions as string[]).join(',');
    expect(opts).toContain('fillfactor=80');
    expect(opts).toContain('autovacuum_vacuum_scale_factor=0');
  });
});
