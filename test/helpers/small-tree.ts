import type { DataSource } from 'typeorm';
import { createStores, type OrgStore, type Stores } from '../../src/db/stores';
import { createTestDatabase, type TestDatabase } from './test-db';

/** The smallest organisation a device can be placed in: authority → municipality → school → grade 3. */
export async function smallTree(org: OrgStore): Promise<{ school: string; grade: string }> {
  await org.applyUpserts([
    { code: 'a', kind: 'authority', name: 'A', parentCode: null, gradeLevel: null },
    { code: 'm', kind: 'municipality', name: 'M', parentCode: 'a', gradeLevel: null },
    { code: 's', kind: 'school', name: 'S', parentCode: 'm', gradeLevel: null },
    { code: 's-3', kind: 'grade', name: 'G', parentCode: 's', gradeLevel: 3 },
  ]);
  return { school: (await org.getByCode('s'))!.id, grade: (await org.getByCode('s-3'))!.id };
}

export interface StoresWithTree {
  ds: DataSource;
  s: Stores;
  school: string;
  grade: string;
}

/**
 * The set-up store tests share: a migrated test database (SQLite or a Postgres schema), all stores
 * and the small tree; dropped after the file. `set` receives it in beforeAll.
 */
export function useStoresWithTree(set: (f: StoresWithTree) => void): void {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const ds = await db.openMigrated();
    const s = createStores(ds);
    set({ ds, s, ...(await smallTree(s.org)) });
  });
  afterAll(() => db.drop());
}
