import { SqlDeviceStore } from '../../../src/db/stores/device.store.sql';
import { SqlOrgStore } from '../../../src/db/stores/org.store.sql';
import { bound, type Bound } from '../../helpers/bound-store';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

describe(`DeviceStore contract (${testDialect})`, () => {
  let db: TestDatabase;
  let store: Bound<SqlDeviceStore>;
  let schoolA: string;
  let schoolB: string;
  let grade: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const handle = await db.openMigrated();
    store = bound(new SqlDeviceStore(), handle);
    const org = bound(new SqlOrgStore(), handle);
    await org.applyUpserts([
      { code: 'a', kind: 'authority', name: 'A', parentCode: null, gradeLevel: null },
      { code: 'm', kind: 'municipality', name: 'M', parentCode: 'a', gradeLevel: null },
      { code: 'sa', kind: 'school', name: 'SA', parentCode: 'm', gradeLevel: null },
      { code: 'sa-3', kind: 'grade', name: 'G3', parentCode: 'sa', gradeLevel: 3 },
      { code: 'sb', kind: 'school', name: 'SB', parentCode: 'm', gradeLevel: null },
    ]);
    schoolA = (await org.getByCode('sa'))!.id;
    schoolB = (await org.getByCode('sb'))!.id;
    grade = (await org.getByCode('sa-3'))!.id;
  });
  afterAll(() => db.drop());

  it('creates with defaults and reads back by every identifier', async () => {
    const d = await store.create({ platform: 'apple', udid: 'UDID-1', serialNumber: 'SER1', schoolId: schoolA, gradeId: grade });
    expect(d.state).toBe('pending');
    expect(d.createdAt).toBeInstanceOf(Date);
    const byId = (await store.getById(d.id))!;
    expect(byId).toMatchObject({ udid: 'UDID-1', serialNumber: 'SER1', schoolId: schoolA, gradeId: grade, enrolledAt: null });
    expect(byId.createdAt.getTime()).toBe(d.createdAt.getTime());
    expect((await store.getByUdid('UDID-1'))!.id).toBe(d.id);
    expect((await store.getBySerial('SER1')).map((x) => x.id)).toEqual([d.id]);
    const android = await store.create({ platform: 'android', androidName: 'enterprises/e/devices/1', schoolId: schoolB });
    expect((await store.getByAndroidName('enterprises/e/devices/1'))!.id).toBe(android.id);
  });

  it('refuses a second device with the same UDID', async () => {
    await expect(store.create({ platform: 'apple', udid: 'UDID-1' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('updates state and times, keeps millisecond precision', async () => {
    const d = (await store.getByUdid('UDID-1'))!;
    const at = new Date('2026-11-29T08:15:30.123Z');
    const up = await store.update(d.id, { state: 'enrolled', enrolledAt: at, osVersion: '18.1' });
    expect(up).toMatchObject({ state: 'enrolled', osVersion: '18.1' });
    expect(up.enrolledAt!.toISOString()).toBe(at.toISOString());
    const seen = new Date('2026-11-29T09:00:00.456Z');
    await store.touch(d.id, seen);
    expect((await store.getById(d.id))!.lastSeenAt!.toISOString()).toBe(seen.toISOString());
    await expect(store.update('00000000-0000-4000-8000-000000000000', { state: 'lost' })).rejects.toMatchObject({ code: 'device_unknown' });
  });

  it('filters and paginates', async () => {
    for (let i = 0; i < 5; i++) await store.create({ platform: 'apple', udid: `P-${i}`, schoolId: schoolB });
    expect(await store.count({ schoolIds: [schoolB] })).toBe(6);
    expect(await store.count({ schoolIds: [schoolA], state: 'enrolled' })).toBe(1);
    expect(await store.count({ platform: 'android' })).toBe(1);
    const page1 = await store.list({ schoolIds: [schoolB], limit: 4 });
    const page2 = await store.list({ schoolIds: [schoolB], limit: 4, afterId: page1[page1.length - 1]!.id });
    expect(page1).toHaveLength(4);
    expect(page2).toHaveLength(2);
    expect(new Set([...page1, ...page2].map((d) => d.id)).size).toBe(6);
    expect(await store.list({ gradeId: grade })).toHaveLength(1);
  });
});
