import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createSlate } from '../../../src/app';
import { loadConfig, type Config } from '../../../src/config';
import { silentLogger } from '../../../src/log/logger';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db';

/** A wrong SECRET_KEY stops Slate with one line before it changes anything (issue #11). */
describe(`SECRET_KEY check at start-up (${process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  const config = (env: Record<string, string>): Config => ({
    ...loadConfig({ NODE_ENV: 'test', DATA_DIR: testDb.dir, CERTS_DIR: join(testDb.dir, 'certs'), ...env }),
    database: testDb.database,
  });
  const start = (env: Record<string, string>) => createSlate(config(env), silentLogger(), { migrate: true });
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('hex');

  it('starts again with the same key, and refuses another one naming it, before a pending migration runs', async () => {
    await (await start({ SECRET_KEY: keyA })).close();
    await (await start({ SECRET_KEY: keyA })).close();
    // Make the newest migration pending again: had it run, it would fail on its existing tables.
    const db = await testDb.open();
    await db.run(`DELETE FROM migrations WHERE name = ?`, ['ServerState1700000000012']);
    await expect(start({ SECRET_KEY: keyB })).rejects.toMatchObject({
      code: 'config_invalid',
      message: "SECRET_KEY: not the key this database's secrets are sealed with (CA key, push certificate); start with the SECRET_KEY it was set up with",
    });
    expect(await db.one(`SELECT name FROM migrations WHERE name = ?`, ['ServerState1700000000012'])).toBeUndefined();
  });

  it('names the development key file when SECRET_KEY is not set', async () => {
    await expect(start({})).rejects.toMatchObject({ message: expect.stringMatching(/^SECRET_KEY \(not set; the development key generated in .*secret\.key\): not the key/) });
  });
});
