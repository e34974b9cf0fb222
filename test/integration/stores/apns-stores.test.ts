import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/db/database';
import type { Stores } from '../../../src/db/stores';
import { useStoresWithTree, type BoundStores } from '../../helpers/small-tree';
import { backendPid, inTransactions, settlesWithin, waitForLockWait } from '../../helpers/concurrency';
import { testDialect } from '../../helpers/test-db';
import { seedAppleDevices } from '../../bench/load/seed';

describe(`APNs certificate and push outbox stores (${testDialect})`, () => {
  let db: Db;
  let s: BoundStores;
  let raw: Stores;
  let school: string;
  let grade: string;
  const t0 = new Date('2026-11-29T10:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const device = async () =>
    (await s.devices.create({ platform: 'apple', udid: `U-${randomUUID()}`, schoolId: school, gradeId: grade, state: 'enrolled' })).id;

  useStoresWithTree((f) => ({ db, s, raw, school, grade } = f));

  describe('ApnsCertificateStore', () => {
    it('keeps one active certificate and the earlier ones as history', async () => {
      expect(await s.apnsCertificates.active()).toBeNull();
      const base = { topic: 'com.apple.mgmt.External.x', certPem: 'PEM', keySealed: 'v1:k', notAfter: at(86_400_000), fingerprint: 'f'.repeat(64) };
      const first = { ...base, id: randomUUID(), uploadedAt: t0 };
      const second = { ...base, id: randomUUID(), uploadedAt: at(1000), fingerprint: 'e'.repeat(64) };
      await s.apnsCertificates.activate(first);
      expect(await s.apnsCertificates.active()).toEqual({ ...first, active: true });
      await s.apnsCertificates.activate(second);
      expect(await s.apnsCertificates.active()).toEqual({ ...second, active: true });
      expect((await s.apnsCertificates.list()).map((c) => [c.id, c.active])).toEqual([[second.id, true], [first.id, false]]);
    });
  });

  describe('PushOutboxStore', () => {
    beforeEach(() => db.run('DELETE FROM push_outbox'));

    it('coalesces wakes into one row per device and bumps the generation', async () => {
      const d = await device();
      await s.pushOutbox.add([d, d], t0);
      await s.pushOutbox.add([d], at(5));
      expect(await s.pushOutbox.get(d)).toEqual({ deviceId: d, generation: 2, enqueuedAt: t0, attempts: 0, nextAttemptAt: at(5), lastError: null });
    });

    it('claims due rows under a lease and completes only the claimed generation', async () => {
      const [a, b, later] = [await device(), await device(), await device()];
      await s.pushOutbox.add([a, b], at(10_000));
      await s.pushOutbox.add([later], at(20_000));
      const claimed = await s.pushOutbox.claimDue(at(15_000), 10, at(75_000));
      expect(claimed.map((c) => c.deviceId).sort()).toEqual([a, b].sort());
      expect(await s.pushOutbox.claimDue(at(15_000), 10, at(75_000))).toEqual([]); // leased
      await s.pushOutbox.add([b], at(16_000)); // a new wake while the push is in flight
      expect(await s.pushOutbox.complete(claimed)).toBe(1);
      expect(await s.pushOutbox.get(a)).toBeNull();
      expect(await s.pushOutbox.get(b)).toMatchObject({ generation: 2, nextAttemptAt: at(16_000) });
      // After the lease the row comes back (crash between claim and send).
      const again = await s.pushOutbox.claimDue(at(80_000), 10, at(140_000));
      expect(again.map((c) => c.deviceId).sort()).toEqual([b, later].sort());
      await s.pushOutbox.complete(again);
    });

    it('keeps a row in backoff on a new wake, counts attempts, and releases without counting', async () => {
      const d = await device();
      await s.pushOutbox.add([d], t0);
      await s.pushOutbox.claimDue(t0, 10, at(60_000));
      await s.pushOutbox.retry(d, at(30_000), 'HTTP 500 InternalServerError');
      await s.pushOutbox.add([d], at(1000));
      expect(await s.pushOutbox.get(d)).toMatchObject({ attempts: 1, nextAttemptAt: at(30_000), lastError: 'HTTP 500 InternalServerError', generation: 2 });
      await s.pushOutbox.release([d], at(2000));
      expect(await s.pushOutbox.get(d)).toMatchObject({ attempts: 1, nextAttemptAt: at(2000) });
      expect(await s.pushOutbox.claimDue(at(2000), 1, at(3000))).toHaveLength(1);
      expect(await s.pushOutbox.count()).toBe(1);
    });

    // Postgres only: SQLite has one writer at a time, so its transactions never wait on each other's rows.
    const onPostgres = testDialect === 'postgres' ? it : it.skip;

    onPostgres('completes pushes without waiting for an enqueue that is waking one of the devices again', async () => {
      const [a, b] = [await device(), await device()];
      await s.pushOutbox.add([a, b], t0);
      const claimed = await s.pushOutbox.claimDue(t0, 10, at(60_000));
      await inTransactions(db, 1, async ([tx]) => {
        await raw.pushOutbox.add(tx!, [a], at(1)); // holds a's row until commit
        // Waiting here (while that enqueue waits for a row this DELETE holds) was a deadlock.
        expect(await settlesWithin(s.pushOutbox.complete(claimed), 5000)).toBe(1);
      });
      expect(await s.pushOutbox.get(b)).toBeNull();
      expect(await s.pushOutbox.get(a)).toMatchObject({ generation: 2 });
    });

    onPostgres('lets two wakes of the same devices in opposite order wait for each other instead of deadlocking', async () => {
      const [lo, hi] = [await device(), await device()].sort() as [string, string];
      await inTransactions(db, 2, async ([first, second], commit) => {
        await raw.pushOutbox.add(first!, [lo], t0);
        const pid = await backendPid(second!);
        // In the order given, the second would hold hi while waiting for lo, and the first, asking
        // for hi next, would close the cycle. In device order the second waits holding nothing.
        const waking = raw.pushOutbox.add(second!, [hi, lo], t0);
        await waitForLockWait(db, pid);
        await raw.pushOutbox.add(first!, [hi], t0);
        await commit(0);
        await waking;
      });
      expect(await s.pushOutbox.get(lo)).toMatchObject({ generation: 2 });
      expect(await s.pushOutbox.get(hi)).toMatchObject({ generation: 2 });
    });

    it('claims and completes a batch of 2,000 devices (#9: SQLite refused the OR chain of a batch over ~450 and re-pushed it for ever)', async () => {
      const ids = await seedAppleDevices(db, 2000, { schoolId: school, gradeId: grade });
      await s.pushOutbox.add(ids, t0);
      const claimed = await s.pushOutbox.claimDue(t0, 2000, at(60_000));
      expect(claimed).toHaveLength(2000);
      expect(await s.pushOutbox.complete(claimed)).toBe(2000);
      expect(await s.pushOutbox.count()).toBe(0);
      await db.run(`DELETE FROM apple_devices WHERE udid LIKE 'BENCH-%'`);
      await db.run(`DELETE FROM devices WHERE udid LIKE 'BENCH-%'`);
    });

    it('limits a claim and drops rows with their device', async () => {
      const ids = [await device(), await device(), await device()];
      await s.pushOutbox.add(ids, at(-1_000_000));
      expect(await s.pushOutbox.claimDue(at(-1_000_000), 2, at(-900_000))).toHaveLength(2);
      await db.run('DELETE FROM devices WHERE id = ?', [ids[2]]);
      expect(await s.pushOutbox.get(ids[2]!)).toBeNull();
    });
  });
});
