import type { OrgStore } from '../../src/db/stores';

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
