import type { Db } from '../../src/db/database';
import { createStores, type OrgStore } from '../../src/db/stores';
import { boundStores, type BoundStores } from './bound-store';
import { createTestDatabase, type TestDatabase } from './test-db';

/** The smallest organisation a device can be placed in: authority → municipality → school → grade 3. */
export async function smallTree(db: Db, org: OrgStore): Promise<{ school: string; grade: string }> {
  await db.transaction((tx) => org.applyUpserts(tx, [
    { code: 'a', kind: 'authority', name: 'A', parentCode: null, gradeLevel: null },
    { code: 'm', kind: 'municipality', name: 'M', parentCode: 'a', gradeLevel: null },
    { code: 's', kind: 'school', name: 'S', parentCode: 'm', gradeLevel: null },
    { code: 's-3', kind: 'grade', name: 'G', parentCode: 's', gradeLevel: 3 },
  ]));
  return { school: (await org.getByCode(db, 's'))!.id, grade: (await org.getByCode(db, 's-3'))!.id };
}

export type { BoundStores };

export interface StoresWithTree {
  db: Db;
  /** The stores bound to `db`. */
  s: BoundStores;
  /** The same stores taking explicit handles (transaction tests). */
  raw: ReturnType<typeof createStores>;
  school: string;
  grade: string;
}

/**
 * The set-up store tests share: a migrated test database (SQLite or a Postgres schema), all stores
 * and the small tree; dropped after the file. `set` receives it in beforeAll.
 */
export function useStoresWithTree(set: (f: StoresWithTree) => void): void {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    const db = await testDb.openMigrated();
    const raw = createStores();
    set({ db, s: boundStores(db, raw), raw, ...(await smallTree(db, raw.org)) });
  });
  afterAll(() => testDb.drop());
}
