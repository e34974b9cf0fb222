import QRCode from 'qrcode';
import type { AuditLog } from '../../audit/audit-log';
import type { EnrollmentTokenService } from '../../apple/enrollment/enrollment-token.service';
import type { Db } from '../../db/database';
import type { EnrollmentToken, ScopedFleetStore } from '../../db/stores';
import { AppError } from '../../errors';
import { classCodeOf, gradeCodeOf } from '../../fleet/org-file';
import { actorOf, requirePermission, type Principal } from '../auth/principal';

export type { EnrollmentToken } from '../../db/stores';

export interface NewLink {
  school: string;
  grade: number;
  class?: string;
  ttlMs?: number;
  maxUses?: number;
  label?: string;
}

export interface IssuedLink {
  record: EnrollmentToken;
  url: string;
  /** The URL as a QR code (PNG, base64) to scan with the iPad's camera; like the URL, shown once. */
  qrPng: string;
}

/** Enrolment links per school and grade, through the caller's scope. */
export class EnrollmentLinks {
  constructor(private readonly deps: { db: Db; tokens: EnrollmentTokenService; fleet: ScopedFleetStore; audit: AuditLog; now?: () => Date }) {}

  async create(p: Principal, req: NewLink, ip: string | null): Promise<IssuedLink> {
    requirePermission(p, 'enrollment.write');
    const { db, tokens, fleet, audit } = this.deps;
    // The deepest unit the link places devices in must be inside the scope (a grade-scoped IT admin links only that grade).
    const deepest = req.class !== undefined ? classCodeOf(req.school, req.class) : gradeCodeOf(req.school, req.grade);
    const unit = await fleet.unit(db, p.scope, deepest);
    if (!unit) throw new AppError('org_unit_unknown', `no ${req.class !== undefined ? 'class' : 'grade'} '${deepest}'`);
    const t = await tokens.prepare({
      schoolCode: req.school, gradeLevel: req.grade, className: req.class, ttlMs: req.ttlMs, maxUses: req.maxUses, label: req.label, createdBy: p.label,
    }, this.deps.now?.() ?? new Date());
    const issued = await db.transaction(async (tx) => {
      await tokens.save(tx, t);
      await audit.append(tx, { actor: actorOf(p), action: 'enrollment.create', target: { type: 'enrollment_link', id: t.record.id, path: unit.path }, detail: { label: t.record.label, expiresAt: t.record.expiresAt }, ip });
      return t;
    });
    const png = await QRCode.toBuffer(issued.url, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 320 });
    return { record: issued.record, url: issued.url, qrPng: png.toString('base64') };
  }

  list(p: Principal, includeInactive: boolean): Promise<EnrollmentToken[]> {
    requirePermission(p, 'enrollment.read');
    return this.deps.fleet.enrollmentLinks(this.deps.db, p.scope, { includeInactive, now: new Date() });
  }

  async revoke(p: Principal, id: string, ip: string | null): Promise<void> {
    requirePermission(p, 'enrollment.write');
    await this.deps.db.transaction(async (tx) => {
      const link = await this.deps.fleet.enrollmentLink(tx, p.scope, id);
      if (!link) throw new AppError('not_found', `no enrolment link ${id}`);
      await this.deps.tokens.revokeIn(tx, link.id);
      await this.deps.audit.append(tx, { actor: actorOf(p), action: 'enrollment.revoke', target: { type: 'enrollment_link', id, path: p.scope.path }, detail: { label: link.label }, ip });
    });
  }
}
