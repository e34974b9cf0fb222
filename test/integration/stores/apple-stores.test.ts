import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/db/database';
import { useStoresWithTree, type BoundStores } from '../../helpers/small-tree';
import { testDialect } from '../../helpers/test-db';

describe(`enrolment, Apple device and check-in stores (${testDialect})`, () => {
  let db: Db;
  let s: BoundStores;
  let school: string;
  let grade: string;
  const now = new Date('2026-11-29T10:00:00.000Z');
  useStoresWithTree((f) => ({ db, s, school, grade } = f));

  describe('EnrollmentTokenStore', () => {
    const base = () => ({
      id: randomUUID(), platform: 'apple' as const, schoolId: school, gradeId: grade, classId: null, label: 'x',
      expiresAt: new Date(now.getTime() + 3600_000), maxUses: null, createdBy: 'test', createdAt: now,
    });

    it('finds by hash and counts uses until max_uses', async () => {
      const t = { ...base(), maxUses: 2 };
      await s.enrollmentTokens.create(t, 'h'.repeat(64));
      const found = (await s.enrollmentTokens.findByHash('h'.repeat(64)))!;
      expect(found).toMatchObject({ id: t.id, uses: 0, maxUses: 2, schoolId: school, gradeId: grade });
      expect(await s.enrollmentTokens.consume(t.id, now)).toBe(true);
      expect(await s.enrollmentTokens.consume(t.id, now)).toBe(true);
      expect(await s.enrollmentTokens.consume(t.id, now)).toBe(false);
      expect((await s.enrollmentTokens.get(t.id))!).toMatchObject({ uses: 2, lastUsedAt: now });
    });

    it('refuses expired and revoked tokens and lists only active ones by default', async () => {
      const t = base();
      await s.enrollmentTokens.create(t, 'e'.repeat(64));
      expect(await s.enrollmentTokens.consume(t.id, new Date(now.getTime() + 7200_000))).toBe(false);
      expect(await s.enrollmentTokens.revoke(t.id, now)).toBe(true);
      expect(await s.enrollmentTokens.revoke(t.id, now)).toBe(false);
      expect(await s.enrollmentTokens.consume(t.id, now)).toBe(false);
      const active = await s.enrollmentTokens.list({ now });
      expect(active.map((x) => x.id)).not.toContain(t.id);
      expect((await s.enrollmentTokens.list({ includeInactive: true })).map((x) => x.id)).toContain(t.id);
      expect(await s.enrollmentTokens.list({ schoolIds: [] })).toEqual([]);
    });
  });

  describe('AppleDeviceStore', () => {
    it('binds at Authenticate, takes tokens, resets them on re-enrolment, and yields push targets', async () => {
      const d = await s.devices.create({ platform: 'apple', udid: 'U-1', schoolId: school, gradeId: grade, state: 'enrolled', osVersion: '18.1', buildVersion: '22B83' });
      await s.appleDevices.upsertAuthenticated({ deviceId: d.id, udid: 'U-1', enrollmentTokenId: null, certFingerprint: 'f1', enrolledVia: 'profile', topic: 'com.apple.mgmt.x', at: now });
      expect(await s.appleDevices.authContext('U-1')).toEqual({ deviceId: d.id, udid: 'U-1', state: 'enrolled', certFingerprint: 'f1', checkedOutAt: null, osVersion: '18.1', buildVersion: '22B83' });
      expect(await s.appleDevices.pushTargets([d.id])).toEqual([]);
      await s.appleDevices.updateToken(d.id, { topic: 'com.apple.mgmt.x', pushToken: 'ab'.repeat(32), pushMagic: 'magic', unlockTokenSealed: 'v1:sealed', awaitingConfiguration: true, at: now });
      await s.appleDevices.updateToken(d.id, { topic: 'com.apple.mgmt.x', pushToken: 'cd'.repeat(32), pushMagic: 'magic2', awaitingConfiguration: false, at: now });
      const a = (await s.appleDevices.get(d.id))!;
      expect(a).toMatchObject({ pushToken: 'cd'.repeat(32), pushMagic: 'magic2', unlockTokenSealed: 'v1:sealed', awaitingConfiguration: false, tokenUpdatedAt: now });
      expect(await s.appleDevices.pushTargets([d.id, randomUUID()])).toEqual([{ deviceId: d.id, topic: 'com.apple.mgmt.x', token: 'cd'.repeat(32), pushMagic: 'magic2' }]);
      expect(await s.appleDevices.markTokenInvalid(d.id, now, 'ab'.repeat(32))).toBe(false); // replaced meanwhile
      expect(await s.appleDevices.pushTargets([d.id])).toHaveLength(1);
      expect(await s.appleDevices.markTokenInvalid(d.id, now, 'cd'.repeat(32))).toBe(true);
      expect(await s.appleDevices.pushTargets([d.id])).toEqual([]);

      await s.appleDevices.upsertAuthenticated({ deviceId: d.id, udid: 'U-1', enrollmentTokenId: null, certFingerprint: 'f2', enrolledVia: 'profile', topic: 'com.apple.mgmt.x', at: now });
      expect((await s.appleDevices.getByUdid('U-1'))!).toMatchObject({ certFingerprint: 'f2', pushToken: null, unlockTokenSealed: null, tokenInvalidAt: null });

      await s.appleDevices.setBootstrapToken(d.id, 'v1:boot');
      expect((await s.appleDevices.get(d.id))!.bootstrapTokenSealed).toBe('v1:boot');
      await s.appleDevices.markCheckedOut(d.id, now);
      expect((await s.appleDevices.authContext('U-1'))!).toMatchObject({ certFingerprint: null, checkedOutAt: now });
      expect(await s.appleDevices.authContext('nope')).toBeNull();
    });
  });

  describe('connectContext (certificate and bound device in one read)', () => {
    const cert = (fingerprint: string, deviceId: string | null) => ({
      id: randomUUID(), serial: randomUUID().replace(/-/g, ''), kind: 'device' as const, subject: 'CN=x', fingerprint, deviceId,
      schoolId: school, gradeId: grade, classId: null, enrollmentTokenId: null,
      notBefore: new Date('2026-01-01T00:00:00.000Z'), notAfter: new Date('2027-01-01T00:00:00.000Z'), createdAt: now,
    });

    it('returns the record and only the device that holds this very certificate', async () => {
      const d = await s.devices.create({ platform: 'apple', udid: 'C-1', schoolId: school, gradeId: grade, state: 'enrolled', osVersion: '18.2', buildVersion: '22C' });
      await s.certificates.insert(cert('aa'.repeat(32), null));
      expect(await s.appleDevices.connectContext('aa'.repeat(32))).toMatchObject({ certificate: { fingerprint: 'aa'.repeat(32), deviceId: null, revokedAt: null }, device: null });

      await s.certificates.insert(cert('bb'.repeat(32), d.id));
      await s.appleDevices.upsertAuthenticated({ deviceId: d.id, udid: 'C-1', enrollmentTokenId: null, certFingerprint: 'bb'.repeat(32), enrolledVia: 'profile', topic: 't', at: now });
      const ctx = await s.appleDevices.connectContext('BB'.repeat(32));
      expect(ctx.certificate).toMatchObject({ fingerprint: 'bb'.repeat(32), deviceId: d.id, kind: 'device', schoolId: school, notAfter: new Date('2027-01-01T00:00:00.000Z') });
      expect(ctx.device).toEqual({ deviceId: d.id, udid: 'C-1', state: 'enrolled', certFingerprint: 'bb'.repeat(32), checkedOutAt: null, osVersion: '18.2', buildVersion: '22C' });

      // Bound to the device, but the device has moved on to a newer certificate.
      await s.certificates.insert(cert('cc'.repeat(32), d.id));
      await s.appleDevices.upsertAuthenticated({ deviceId: d.id, udid: 'C-1', enrollmentTokenId: null, certFingerprint: 'cc'.repeat(32), enrolledVia: 'profile', topic: 't', at: now });
      expect((await s.appleDevices.connectContext('bb'.repeat(32))).device).toBeNull();
      expect((await s.appleDevices.connectContext('cc'.repeat(32))).device?.udid).toBe('C-1');

      await s.certificates.revokeByDevice(d.id, 'test', now);
      expect((await s.appleDevices.connectContext('cc'.repeat(32))).certificate!.revokedAt).toEqual(now);
      expect(await s.appleDevices.connectContext('dd'.repeat(32))).toEqual({ certificate: null, device: null });
    });
  });

  describe('CheckinStore', () => {
    it('records, lists newest first, prunes by age, keeps the latest inventory per kind', async () => {
      const d = await s.devices.create({ platform: 'apple', udid: 'U-2' });
      for (const [i, type] of ['Authenticate', 'TokenUpdate', 'CheckOut'].entries()) {
        await s.checkins.record({ deviceId: d.id, udid: 'U-2', messageType: type, osVersion: '18.1', buildVersion: null, createdAt: new Date(now.getTime() + i * 1000) });
      }
      expect((await s.checkins.list(d.id, 10)).map((c) => c.messageType)).toEqual(['CheckOut', 'TokenUpdate', 'Authenticate']);
      expect(await s.checkins.pruneBefore(new Date(now.getTime() + 1500))).toBe(2);
      expect(await s.checkins.list(d.id, 10)).toHaveLength(1);
      await s.checkins.putInventory(d.id, 'DeviceInformation', { DeviceName: 'iPad 1' }, now);
      await s.checkins.putInventory(d.id, 'DeviceInformation', { DeviceName: 'iPad 2' }, now);
      await s.checkins.putInventory(d.id, 'ProfileList', [{ id: 'p' }], now);
      expect(await s.checkins.inventory(d.id)).toEqual({
        DeviceInformation: { data: { DeviceName: 'iPad 2' }, updatedAt: now },
        ProfileList: { data: [{ id: 'p' }], updatedAt: now },
      });
      await s.checkins.deleteInventory(d.id, 'ProfileList');
      expect(Object.keys(await s.checkins.inventory(d.id))).toEqual(['DeviceInformation']);
    });
  });
});
