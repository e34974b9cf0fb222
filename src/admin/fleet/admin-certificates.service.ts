import type { AuditLog } from '../../audit/audit-log';
import type { Db } from '../../db/database';
import type { CertificateRecord, CertificateStore, ScopedFleetStore } from '../../db/stores';
import { AppError } from '../../errors';
import { actorOf, requirePermission, type Principal } from '../auth/principal';
import type { AdminDevices } from './admin-devices.service';

export type { CertificateRecord } from '../../db/stores';

/** Certificates Slate's CA issued, through the caller's scope: a device's follow the device. */
export class AdminCertificates {
  constructor(private readonly deps: { db: Db; fleet: ScopedFleetStore; certificates: CertificateStore; devices: AdminDevices; audit: AuditLog; now?: () => Date }) {}

  async list(p: Principal, f: { device?: string; includeRevoked?: boolean; limit: number }): Promise<CertificateRecord[]> {
    requirePermission(p, 'certificates.read');
    const deviceId = f.device === undefined ? undefined : (await this.deps.devices.require(this.deps.db, p.scope, f.device)).id;
    return this.deps.fleet.certificates(this.deps.db, p.scope, { deviceId, includeRevoked: f.includeRevoked, limit: f.limit });
  }

  async revoke(p: Principal, serial: string, reason: string, ip: string | null): Promise<CertificateRecord> {
    requirePermission(p, 'certificates.revoke');
    const normalised = serial.replace(/[:\s]/g, '').toLowerCase().replace(/^0+(?=.)/, '');
    const { db, fleet, certificates, audit } = this.deps;
    return db.transaction(async (tx) => {
      const cert = await fleet.certificate(tx, p.scope, normalised);
      if (!cert) throw new AppError('not_found', `no certificate with serial ${serial}`);
      const at = this.deps.now?.() ?? new Date();
      if (!cert.revokedAt) await certificates.revokeBySerial(tx, normalised, reason, at);
      await audit.append(tx, {
        actor: actorOf(p), action: 'certificate.revoke', target: { type: 'certificate', id: normalised, path: p.scope.path },
        detail: { reason, deviceId: cert.deviceId, alreadyRevoked: !!cert.revokedAt }, ip,
      });
      return { ...cert, revokedAt: cert.revokedAt ?? at, revokeReason: cert.revokeReason ?? reason };
    });
  }
}
