import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SqlCommandQueueStore } from '../../../src/db/stores/command-queue.store.sql';
import { TypeOrmDeviceStore } from '../../../src/db/stores/device.store.typeorm';
import type { CommandQueueStore, NewCommand } from '../../../src/db/stores/command-queue.store';
import { Sql } from '../../../src/db/sql';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

const cmd = (deviceId: string, requestType: string, priority = 0, extra: Partial<NewCommand> = {}): NewCommand => ({
  commandUuid: randomUUID(), deviceId, requestType, priority, params: { requestType }, body: `<plist>${requestType}</plist>`, bodySealed: false, ...extra,
});
const ack = { status: 'acknowledged' as const, resultStatus: 'Acknowledged', errorChain: null, raw: '<plist/>' };
const notNow = { status: 'not_now' as const, resultStatus: 'NotNow', errorChain: null, raw: null };

describe(`CommandQueueStore contract (${testDialect})`, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let q: CommandQueueStore;
  let dev: string;
  let other: string;
  const t0 = new Date('2026-11-29T10:00:00.000Z');
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.openMigrated();
    q = new SqlCommandQueueStore(new Sql(ds));
    const devices = new TypeOrmDeviceStore(ds);
    dev = (await devices.create({ platform: 'apple', udid: 'Q-1' })).id;
    other = (await devices.create({ platform: 'apple', udid: 'Q-2' })).id;
  });
  afterAll(() => db.drop());

  it('delivers by priority, then FIFO, and moves answered commands to the history', async () => {
    const a = cmd(dev, 'DeviceInformation');
    const b = cmd(dev, 'ProfileList');
    const lock = cmd(dev, 'DeviceLock', 100);
    await q.enqueue([a, b]);
    await q.enqueue([lock]);
    const first = (await q.next(dev, t0, { skipNotNow: false }))!;
    expect(first).toMatchObject({ commandUuid: lock.commandUuid, requestType: 'DeviceLock', body: '<plist>DeviceLock</plist>', bodySealed: false });
    expect((await q.recordAnswer(dev, lock.commandUuid, ack, t0)).kind).toBe('finished');
    expect((await q.next(dev, t0, { skipNotNow: false }))!.commandUuid).toBe(a.commandUuid);
    expect((await q.recordAnswer(dev, a.commandUuid, ack, t0)).kind).toBe('finished');
    expect((await q.next(dev, t0, { skipNotNow: false }))!.commandUuid).toBe(b.commandUuid);
    const done = await q.recordAnswer(dev, b.commandUuid, { status: 'error', resultStatus: 'Error', errorChain: [{ ErrorCode: 12021 }], raw: 'x' }, t0);
    expect(done).toMatchObject({ kind: 'finished', command: { status: 'error', resultStatus: 'Error', errorChain: [{ ErrorCode: 12021 }], attempts: 1 } });
    expect(await q.next(dev, t0, { skipNotNow: false })).toBeNull();
    expect(await q.pendingCount(dev)).toBe(0);
  });

  it('is idempotent by CommandUUID, also after the command finished', async () => {
    const c = cmd(dev, 'SecurityInfo');
    expect(await q.enqueue([c])).toEqual({ inserted: [c.commandUuid], duplicates: [] });
    expect(await q.enqueue([c])).toEqual({ inserted: [], duplicates: [c.commandUuid] });
    await q.next(dev, t0, { skipNotNow: false });
    await q.recordAnswer(dev, c.commandUuid, ack, t0);
    expect(await q.enqueue([c])).toEqual({ inserted: [], duplicates: [c.commandUuid] });
    expect(await q.next(dev, t0, { skipNotNow: false })).toBeNull();
  });

  it('reports repeated and unknown answers without changing anything', async () => {
    const c = cmd(dev, 'DeviceLock');
    await q.enqueue([c]);
    await q.next(dev, t0, { skipNotNow: false });
    expect((await q.recordAnswer(dev, c.commandUuid, ack, t0)).kind).toBe('finished');
    const again = await q.recordAnswer(dev, c.commandUuid, { ...ack, status: 'error', resultStatus: 'Error' }, t0);
    expect(again).toMatchObject({ kind: 'duplicate', command: { status: 'acknowledged' } });
    expect((await q.recordAnswer(dev, randomUUID(), ack, t0)).kind).toBe('unknown');
    // Another device cannot answer for this one.
    expect((await q.recordAnswer(other, c.commandUuid, ack, t0)).kind).toBe('unknown');
  });

  it('skips NotNow commands until the next Idle and tallies them', async () => {
    const x = cmd(dev, 'InstallProfile');
    const y = cmd(dev, 'ProfileList');
    await q.enqueue([x, y]);
    expect((await q.next(dev, t0, { skipNotNow: false }))!.commandUuid).toBe(x.commandUuid);
    expect(await q.recordAnswer(dev, x.commandUuid, notNow, t0)).toMatchObject({ kind: 'not_now', command: { notNowCount: 1 } });
    expect((await q.next(dev, t0, { skipNotNow: true }))!.commandUuid).toBe(y.commandUuid);
    await q.recordAnswer(dev, y.commandUuid, ack, t0);
    expect(await q.next(dev, t0, { skipNotNow: true })).toBeNull();
    // Idle: NotNow work is offered again.
    const again = (await q.next(dev, t0, { skipNotNow: false }))!;
    expect(again.commandUuid).toBe(x.commandUuid);
    await q.recordAnswer(dev, x.commandUuid, notNow, t0);
    expect((await q.get(x.commandUuid))!).toMatchObject({ status: 'not_now', notNowCount: 2, attempts: 2 });
    await q.next(dev, t0, { skipNotNow: false });
    await q.recordAnswer(dev, x.commandUuid, ack, t0);
  });

  it('resends a command that was sent but never answered', async () => {
    const c = cmd(dev, 'RestartDevice');
    await q.enqueue([c]);
    expect((await q.next(dev, t0, { skipNotNow: false }))!.commandUuid).toBe(c.commandUuid);
    expect((await q.next(dev, t0, { skipNotNow: false }))!.commandUuid).toBe(c.commandUuid);
    expect((await q.get(c.commandUuid))!).toMatchObject({ status: 'sent', attempts: 2 });
    await q.recordAnswer(dev, c.commandUuid, ack, t0);
  });

  it('expires and cancels, and still records a late answer', async () => {
    const old = cmd(dev, 'DeviceLocation', 0, { expiresAt: new Date(t0.getTime() + 1000) });
    const keep = cmd(dev, 'ProfileList');
    await q.enqueue([old, keep]);
    const later = new Date(t0.getTime() + 5000);
    // Past its expiry a command is never delivered, even before the sweeper runs.
    expect((await q.next(dev, later, { skipNotNow: false }))!.commandUuid).toBe(keep.commandUuid);
    expect(await q.expireDue(later, 100)).toBe(1);
    expect((await q.get(old.commandUuid))!).toMatchObject({ status: 'expired', note: 'expired before delivery' });
    expect(await q.cancel(keep.commandUuid, later, 'cancelled by admin')).toBe(true);
    expect(await q.cancel(keep.commandUuid, later, 'again')).toBe(false);
    const late = await q.recordAnswer(dev, keep.commandUuid, ack, later);
    expect(late).toMatchObject({ kind: 'late', command: { status: 'cancelled', resultStatus: 'Acknowledged' } });
  });

  it('cancels all pending work of a device and keeps other devices untouched', async () => {
    await q.enqueue([cmd(dev, 'A'), cmd(dev, 'B'), cmd(other, 'C')]);
    expect(await q.cancelAllForDevice(dev, t0, 're-enrolled')).toBe(2);
    expect(await q.pendingCount(dev)).toBe(0);
    expect(await q.pendingCount(other)).toBe(1);
    const tl = await q.timeline(dev, 5);
    expect(tl[0]).toMatchObject({ status: 'cancelled', note: 're-enrolled' });
    expect(tl.map((c) => c.id)).toEqual([...tl.map((c) => c.id)].sort((a, b) => b - a));
  });

  it('tracks bulk jobs and push times', async () => {
    const jobId = randomUUID();
    await q.createBulkJob({ id: jobId, requestType: 'DeviceLock', target: 'school:x', total: 2, createdBy: 'test', createdAt: t0 });
    const c1 = cmd(dev, 'DeviceLock', 100, { bulkJobId: jobId });
    const c2 = cmd(other, 'DeviceLock', 100, { bulkJobId: jobId });
    await q.enqueue([c1, c2]);
    await q.markPushed([dev, other], t0);
    expect((await q.get(c1.commandUuid))!.pushedAt!.toISOString()).toBe(t0.toISOString());
    await q.next(dev, t0, { skipNotNow: false });
    await q.recordAnswer(dev, c1.commandUuid, ack, t0);
    const p = (await q.bulkProgress(jobId))!;
    expect(p).toMatchObject({ total: 2, requestType: 'DeviceLock', byStatus: { acknowledged: 1, queued: 1 } });
    expect(await q.bulkProgress(randomUUID())).toBeNull();
  });

  it('enqueues thousands in one call', async () => {
    const before = await q.pendingCount(other);
    const many = Array.from({ length: 1500 }, () => cmd(other, 'DeviceInformation', -10));
    const r = await q.enqueue(many);
    expect(r.inserted).toHaveLength(1500);
    expect(await q.pendingCount(other)).toBe(before + 1500);
  });
});
