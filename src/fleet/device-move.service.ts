import type { AuditEvent, AuditEventSink } from '../audit/audit-events';
import type { Db, Tx } from '../db/database';
import type { Device, DeviceStore } from '../db/stores';
import { AppError } from '../errors';
import { classCodeOf } from './org-file';
import type { OrgService } from './org.service';

/** Told about a move inside its transaction (policy: swap the device's profiles and apps). */
export interface PlacementListener {
  moved(tx: Tx, deviceId: string, actor: string): Promise<void>;
}

export interface MoveRequest {
  /** Device id, UDID or serial number. */
  device: string;
  schoolCode: string;
  gradeLevel: number;
  /** Class name within the grade (`3a`), as on enrolment links. */
  className?: string;
  by: string;
}

export interface MoveResult {
  device: Device;
  from: { schoolId: string | null; gradeId: string | null; classId: string | null };
  to: { school: string; grade: string; class: string | null };
}

/**
 * A staff action: places a device in another school, grade or class. The placement, its audit
 * record and the policy it brings (commands to swap profiles and apps) are one transaction.
 * Only staff move devices: a re-enrolment never does (docs/security.md).
 */
export class DeviceMoves {
  constructor(private readonly deps: {
    db: Db;
    devices: DeviceStore;
    org: OrgService;
    audit: AuditEventSink;
    resolve(id: string): Promise<Device>;
    listener?: PlacementListener;
    now?: () => Date;
  }) {}

  async move(req: MoveRequest): Promise<MoveResult> {
    const { school, grade } = await this.deps.org.requireGrade(req.schoolCode, req.gradeLevel);
    let cls: { id: string; code: string } | null = null;
    if (req.className !== undefined) {
      const unit = await this.deps.org.requireByCode(classCodeOf(school.code, req.className), 'class');
      if (unit.parentId !== grade.id) throw new AppError('org_unit_unknown', `class ${req.className} is not in grade ${req.gradeLevel} of ${school.code}`, { details: { field: 'className', problem: `no class ${req.className} in grade ${req.gradeLevel} of ${school.code}` } });
      cls = unit;
    }
    const target = await this.deps.resolve(req.device);
    const now = this.deps.now?.() ?? new Date();
    return this.deps.db.transaction(async (tx) => {
      const before = await this.deps.devices.getById(tx, target.id);
      if (!before) throw new AppError('device_unknown', `no device ${req.device}`);
      const from = { schoolId: before.schoolId, gradeId: before.gradeId, classId: before.classId };
      const device = await this.deps.devices.update(tx, target.id, { schoolId: school.id, gradeId: grade.id, classId: cls?.id ?? null });
      const to = { school: school.code, grade: grade.code, class: cls?.code ?? null };
      await this.deps.audit.append(tx, [{ actor: req.by, action: 'device.move', target: device.id, at: now, details: { from, to } }]);
      await this.deps.listener?.moved(tx, device.id, req.by);
      return { device, from, to };
    }, { retries: 2 });
  }
}
