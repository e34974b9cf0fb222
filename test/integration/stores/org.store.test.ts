import type { OrgUnitUpsert } from '../../../src/db/stores';
import { SqlOrgStore } from '../../../src/db/stores/org.store.sql';
import { bound, type Bound } from '../../helpers/bound-store';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

const tree: OrgUnitUpsert[] = [
  { code: 'a', kind: 'authority', name: 'Authority', parentCode: null, gradeLevel: null },
  { code: 'm1', kind: 'municipality', name: 'M1', parentCode: 'a', gradeLevel: null },
  { code: 's1', kind: 'school', name: 'S1', parentCode: 'm1', gradeLevel: null },
  { code: 's1-3', kind: 'grade', name: 'Grade 3', parentCode: 's1', gradeLevel: 3 },
  { code: 'm2', kind: 'municipality', name: 'M2', parentCode: 'a', gradeLevel: null },
  { code: 's2', kind: 'school', name: 'S2', parentCode: 'm2', gradeLevel: null },
];

describe(`OrgStore contract (${testDialect})`, () => {
  let db: TestDatabase;
  let store: Bound<SqlOrgStore>;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = bound(new SqlOrgStore(), await db.openMigrated());
  });
  afterAll(() => db.drop());

  it('creates a tree with materialised paths', async () => {
    expect(await store.applyUpserts(tree)).toEqual({ created: 6, updated: 0, unchanged: 0 });
    const a = (await store.getByCode('a'))!;
    const s1 = (await store.getByCode('s1'))!;
    expect(a.path).toBe(`/${a.id}/`);
    expect(s1.path.startsWith(a.path)).toBe(true);
    expect(s1.path.split('/').filter(Boolean)).toHaveLength(3);
    expect((await store.getByCode('s1-3'))!.gradeLevel).toBe(3);
    expect(await store.count()).toBe(6);
  });

  it('is idempotent and updates names', async () => {
    expect(await store.applyUpserts(tree)).toEqual({ created: 0, updated: 0, unchanged: 6 });
    const renamed = tree.map((u) => (u.code === 's2' ? { ...u, name: 'S2 renamed' } : u));
    expect(await store.applyUpserts(renamed)).toEqual({ created: 0, updated: 1, unchanged: 5 });
    expect((await store.getByCode('s2'))!.name).toBe('S2 renamed');
  });

  it('lists parents before children and scopes by subtree', async () => {
    const all = await store.list();
    expect(all[0]!.code).toBe('a');
    const underM1 = await store.list({ underId: (await store.getByCode('m1'))!.id });
    expect(underM1.map((u) => u.code)).toEqual(['m1', 's1', 's1-3']);
    const schools = await store.list({ kind: 'school' });
    expect(schools.map((u) => u.code)).toEqual(['s1', 's2']);
    expect((await store.getByCodes(['s1', 'nope', 'm2'])).map((u) => u.code).sort()).toEqual(['m2', 's1']);
  });

  it('rolls back everything when one unit fails', async () => {
    const bad: OrgUnitUpsert[] = [
      { code: 's3', kind: 'school', name: 'S3', parentCode: 'm2', gradeLevel: null },
      { code: 's4', kind: 'school', name: 'S4', parentCode: 'missing', gradeLevel: null },
    ];
    await expect(store.applyUpserts(bad)).rejects.toMatchObject({ code: 'org_unit_unknown' });
    expect(await store.getByCode('s3')).toBeNull();
  });

  it('refuses to move a unit or change its kind', async () => {
    await expect(store.applyUpserts([{ code: 's1', kind: 'school', name: 'S1', parentCode: 'm2', gradeLevel: null }])).rejects.toMatchObject({ code: 'org_import_invalid' });
    await expect(store.applyUpserts([{ code: 's1', kind: 'municipality', name: 'S1', parentCode: 'a', gradeLevel: null }])).rejects.toMatchObject({ code: 'org_import_invalid' });
  });
});
