import { readBool, readDate } from '../columns';
import type { DeviceState } from '../entities';
import { placeholders, type Atomic, type Queryable, type Tx } from '../database';
import type { AppleAuthContext, AppleDevice, AppleDeviceStore, ConnectContext, PushTarget, RenewalCandidate } from './apple-device.store';
import { CERTIFICATE_COLS, certificateFromRow } from './certificate.store.sql';

const COLS = `device_id, udid, enrollment_token_id, cert_fingerprint, topic, push_token, push_magic, token_invalid_at,
  unlock_token, bootstrap_token, awaiting_configuration, enrolled_via, authenticated_at, token_updated_at, checked_out_at`;

const AUTH_COLS = 'a.device_id, a.udid, a.cert_fingerprint, a.checked_out_at, d.state, d.os_version, d.build_version';
const CERT_KEYS = CERTIFICATE_COLS.split(',').map((c) => c.trim());
const CERT_COLS = CERT_KEYS.map((k) => `c.${k} AS c_${k}`).join(', ');

function toAuthContext(r: Record<string, unknown>): AppleAuthContext {
  return {
    deviceId: String(r.device_id), udid: String(r.udid), state: r.state as DeviceState,
    certFingerprint: (r.cert_fingerprint as string | null) ?? null, checkedOutAt: readDate(r.checked_out_at),
    osVersion: (r.os_version as string | null) ?? null, buildVersion: (r.build_version as string | null) ?? null,
  };
}

export class SqlAppleDeviceStore implements AppleDeviceStore {
  async authContext(q: Queryable, udid: string): Promise<AppleAuthContext | null> {
    const r = await q.one<Record<string, unknown>>(
      `SELECT ${AUTH_COLS} FROM apple_devices a JOIN devices d ON d.id = a.device_id WHERE a.udid = ?`, [udid]);
    return r ? toAuthContext(r) : null;
  }

  async connectContext(q: Queryable, fingerprint: string): Promise<ConnectContext> {
    // The device is joined through the certificate's binding, so only the device holding this
    // very certificate comes back.
    const r = await q.one<Record<string, unknown>>(
      `SELECT ${CERT_COLS}, ${AUTH_COLS}
       FROM certificates c
       LEFT JOIN apple_devices a ON a.device_id = c.device_id AND a.cert_fingerprint = c.fingerprint
       LEFT JOIN devices d ON d.id = a.device_id
       WHERE c.fingerprint = ?`, [fingerprint.toLowerCase()]);
    if (!r) return { certificate: null, device: null };
    const cert: Record<string, unknown> = {};
    for (const k of CERT_KEYS) cert[k] = r[`c_${k}`];
    return { certificate: certificateFromRow(cert), device: r.device_id === null || r.device_id === undefined ? null : toAuthContext(r) };
  }

  async get(q: Queryable, deviceId: string): Promise<AppleDevice | null> {
    const r = await q.one(`SELECT ${COLS} FROM apple_devices WHERE device_id = ?`, [deviceId]);
    return r ? toAppleDevice(r) : null;
  }

  async getByUdid(q: Queryable, udid: string): Promise<AppleDevice | null> {
    const r = await q.one(`SELECT ${COLS} FROM apple_devices WHERE udid = ?`, [udid]);
    return r ? toAppleDevice(r) : null;
  }

  async upsertAuthenticated(tx: Tx, rec: { deviceId: string; udid: string; enrollmentTokenId: string | null; certFingerprint: string; enrolledVia: 'profile' | 'ade'; topic: string | null; at: Date }): Promise<void> {
    // Authenticate starts a new enrolment: push token, unlock and bootstrap tokens of the old one are void.
    await tx.run(
      `INSERT INTO apple_devices (device_id, udid, enrollment_token_id, cert_fingerprint, topic, awaiting_configuration, enrolled_via, authenticated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET udid = excluded.udid, enrollment_token_id = excluded.enrollment_token_id,
         cert_fingerprint = excluded.cert_fingerprint, topic = excluded.topic, push_token = NULL, push_magic = NULL,
         token_invalid_at = NULL, unlock_token = NULL, bootstrap_token = NULL, awaiting_configuration = excluded.awaiting_configuration,
         enrolled_via = excluded.enrolled_via, authenticated_at = excluded.authenticated_at, token_updated_at = NULL, checked_out_at = NULL`,
      [rec.deviceId, rec.udid, rec.enrollmentTokenId, rec.certFingerprint, rec.topic, false, rec.enrolledVia, rec.at]);
  }

  async updateToken(tx: Tx, deviceId: string, t: { topic: string; pushToken: string; pushMagic: string; unlockTokenSealed?: string | null; awaitingConfiguration: boolean; at: Date }): Promise<void> {
    // UnlockToken arrives only in the first TokenUpdate of an enrolment: keep it when later ones omit it.
    const keepUnlock = t.unlockTokenSealed === undefined;
    await tx.run(
      `UPDATE apple_devices SET topic = ?, push_token = ?, push_magic = ?, token_invalid_at = NULL,
         ${keepUnlock ? '' : 'unlock_token = ?,'} awaiting_configuration = ?, token_updated_at = ? WHERE device_id = ?`,
      keepUnlock
        ? [t.topic, t.pushToken, t.pushMagic, t.awaitingConfiguration, t.at, deviceId]
        : [t.topic, t.pushToken, t.pushMagic, t.unlockTokenSealed, t.awaitingConfiguration, t.at, deviceId]);
  }

  async setBootstrapToken(w: Atomic, deviceId: string, sealed: string | null): Promise<void> {
    await w.run(`UPDATE apple_devices SET bootstrap_token = ? WHERE device_id = ?`, [sealed, deviceId]);
  }

  async markCheckedOut(tx: Tx, deviceId: string, at: Date): Promise<void> {
    await tx.run(
      `UPDATE apple_devices SET checked_out_at = ?, cert_fingerprint = NULL, push_token = NULL, push_magic = NULL,
         unlock_token = NULL, bootstrap_token = NULL WHERE device_id = ?`, [at, deviceId]);
  }

  async rebind(tx: Tx, deviceId: string, from: string, to: string): Promise<boolean> {
    const r = await tx.run(`UPDATE apple_devices SET cert_fingerprint = ? WHERE device_id = ? AND cert_fingerprint = ?`,
      [to.toLowerCase(), deviceId, from.toLowerCase()]);
    return r.affected === 1;
  }

  async pushTargets(q: Queryable, deviceIds: readonly string[]): Promise<PushTarget[]> {
    const out: PushTarget[] = [];
    for (let i = 0; i < deviceIds.length; i += 500) {
      const part = deviceIds.slice(i, i + 500);
      const rows = await q.rows<Record<string, string>>(
        `SELECT device_id, topic, push_token, push_magic FROM apple_devices
         WHERE device_id IN (${placeholders(part.length)}) AND push_token IS NOT NULL AND push_magic IS NOT NULL
           AND topic IS NOT NULL AND token_invalid_at IS NULL AND checked_out_at IS NULL`, part);
      for (const r of rows) out.push({ deviceId: r.device_id!, topic: r.topic!, token: r.push_token!, pushMagic: r.push_magic! });
    }
    return out;
  }

  async renewalCandidates(q: Queryable, before: Date, now: Date, limit: number): Promise<RenewalCandidate[]> {
    const rows = await q.rows<Record<string, unknown>>(
      `SELECT a.device_id, d.school_id, d.grade_id, d.class_id, a.enrollment_token_id, c.not_after
       FROM apple_devices a
       JOIN certificates c ON c.fingerprint = a.cert_fingerprint
       JOIN devices d ON d.id = a.device_id
       WHERE a.checked_out_at IS NULL AND a.push_token IS NOT NULL AND c.revoked_at IS NULL AND c.not_after < ?
         AND d.state IN ('enrolled', 'lost') AND d.school_id IS NOT NULL AND d.grade_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM scep_challenges s WHERE s.device_id = a.device_id AND s.used_at IS NULL AND s.expires_at > ?)
       ORDER BY c.not_after LIMIT ${Math.max(1, Math.floor(limit))}`, [before, now]);
    return rows.map((r) => ({
      deviceId: String(r.device_id), schoolId: String(r.school_id), gradeId: String(r.grade_id), classId: (r.class_id as string | null) ?? null,
      enrollmentTokenId: (r.enrollment_token_id as string | null) ?? null, notAfter: readDate(r.not_after)!,
    }));
  }

  async markTokenInvalid(w: Atomic, deviceId: string, at: Date, token: string): Promise<boolean> {
    const r = await w.run(`UPDATE apple_devices SET token_invalid_at = ? WHERE device_id = ? AND push_token = ?`, [at, deviceId, token]);
    return r.affected > 0;
  }
}

function toAppleDevice(r: Record<string, unknown>): AppleDevice {
  const s = (k: string) => (r[k] as string | null | undefined) ?? null;
  return {
    deviceId: String(r.device_id), udid: String(r.udid), enrollmentTokenId: s('enrollment_token_id'),
    certFingerprint: s('cert_fingerprint'), topic: s('topic'), pushToken: s('push_token'), pushMagic: s('push_magic'),
    tokenInvalidAt: readDate(r.token_invalid_at), unlockTokenSealed: s('unlock_token'), bootstrapTokenSealed: s('bootstrap_token'),
    awaitingConfiguration: readBool(r.awaiting_configuration), enrolledVia: (s('enrolled_via') ?? 'profile') as 'profile' | 'ade',
    authenticatedAt: readDate(r.authenticated_at), tokenUpdatedAt: readDate(r.token_updated_at), checkedOutAt: readDate(r.checked_out_at),
  };
}
