import { createSlate, type CreateOptions, type Slate } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { silentLogger, type Logger } from '../../src/log/logger';
import { boundStores, type BoundStores } from './bound-store';
import { createTestDatabase, type TestDatabase } from './test-db';

export interface TestSlate extends Slate {
  testDb: TestDatabase;
  /** The stores bound to Slate's database (each call its own transaction), for set-up and checks. */
  s: BoundStores;
  /** Closes Slate and drops its database. */
  dispose(): Promise<void>;
}

/** A fully wired Slate on a fresh test database (the same composition root as production). */
export async function createTestSlate(env: Record<string, string> = {}, opts: CreateOptions = {}, logger: Logger = silentLogger()): Promise<TestSlate> {
  const testDb = await createTestDatabase();
  const config: Config = {
    ...loadConfig({ NODE_ENV: 'test', DATA_DIR: testDb.dir, CERTS_DIR: `${testDb.dir}/certs`, PUBLIC_URL: 'https://slate.test', ...env }),
    database: testDb.database,
  };
  const slate = await createSlate(config, logger, { migrate: true, ...opts });
  return {
    ...slate,
    testDb,
    s: boundStores(slate.db, slate.stores),
    dispose: async () => {
      await slate.close();
      await testDb.drop();
    },
  };
}
