import { readDate } from '../columns';
import { placeholders, type Queryable, type Tx } from '../database';
import { readJson, jsonParam } from '../json-column';
import { CERTIFICATE_COLS, certificateFromRow } from './certificate.store.sql';
import type { CertificateRecord } from './certificate.store';
import { COLS as LINK_COLS, toToken } from './enrollment-token.store.sql';
import type { EnrollmentToken } from './enrollment-token.store';
import type { OrgKind } from '../entities';
import type { OrgUnit } from './org.store';
import { deviceScopeSql, pathPrefix, placementScopeSql, type Scope } from './scope';
import type { AdminBulkJob, ScopedFleetStore } from './scoped-fleet.store';

const UNIT = 'id, code, kind, name, parent_id, path, grade_level, created_at, updated_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JOB = 'job_id, action, unit_id, unit_path, filter, created_by, created_at';

export class SqlScopedFleetStore implements ScopedFleetStore {
  async units(q: Queryable, scope: Scope): Promise<OrgUnit[]> {
    const rows = (await q.rows(`SELECT ${UNIT} FROM org_units WHERE path LIKE ? ORDER BY code`, [pathPrefix(scope)])).map(toUnit);
    return rows.sort((a, b) => a.path.split('/').length - b.path.split('/').length || a.code.localeCompare(b.code));
  }

  async unit(q: Queryable, scope: Scope, ref: string): Promise<OrgUnit | null> {
    const by = UUID.test(ref) ? 'id' : 'code';
    const r = await q.one(`SELECT ${UNIT} FROM org_units WHERE ${by} = ? AND path LIKE ?`, [by === 'id' ? ref.toLowerCase() : ref, pathPrefix(scope)]);
    return r ? toUnit(r) : null;
  }

  async commandDevice(q: Queryable, scope: Scope, commandUuid: string): Promise<string | null> {
    const s = deviceScopeSql(scope);
    const inScope = `device_id IN (SELECT d.id FROM devices d WHERE ${s.sql})`;
    const r = await q.one<{ device_id: string }>(
      `SELECT device_id FROM command_queue WHERE command_uuid = ? AND ${inScope}
       UNION ALL SELECT device_id FROM command_history WHERE command_uuid = ? AND ${inScope}`,
      [commandUuid, ...s.params, commandUuid, ...s.params]);
    return r ? String(r.device_id) : null;
  }

  async certificates(q: Queryable, scope: Scope, f: { deviceId?: string; includeRevoked?: boolean; limit: number }): Promise<CertificateRecord[]> {
    const s = certificateScope(scope);
    const where = [s.sql];
    const params = [...s.params];
    if (f.deviceId) {
      where.push('c.device_id = ?');
      params.push(f.deviceId);
    }
    if (!f.includeRevoked) where.push('c.revoked_at IS NULL');
    const cols = CERTIFICATE_COLS.split(', ').map((c) => `c.${c}`).join(', ');
    const limit = Math.max(1, Math.min(5000, Math.floor(f.limit)));
    return (await q.rows(`SELECT ${cols} FROM certificates c WHERE ${where.join(' AND ')} ORDER BY c.created_at DESC LIMIT ${limit}`, params)).map(certificateFromRow);
  }

  async certificate(q: Queryable, scope: Scope, serial: string): Promise<CertificateRecord | null> {
    const s = certificateScope(scope);
    const cols = CERTIFICATE_COLS.split(', ').map((c) => `c.${c}`).join(', ');
    const r = await q.one(`SELECT ${cols} FROM certificates c WHERE c.serial = ? AND ${s.sql}`, [serial, ...s.params]);
    return r ? certificateFromRow(r) : null;
  }

  async enrollmentLinks(q: Queryable, scope: Scope, f: { includeInactive?: boolean; now: Date }): Promise<EnrollmentToken[]> {
    const s = placementScopeSql(scope, '');
    const active = f.includeInactive ? '' : ' AND revoked_at IS NULL AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses)';
    const rows = await q.rows(`SELECT ${LINK_COLS} FROM enrollment_tokens WHERE ${s.sql}${active} ORDER BY created_at DESC`,
      [...s.params, ...(f.includeInactive ? [] : [f.now])]);
    return rows.map(toToken);
  }

  async enrollmentLink(q: Queryable, scope: Scope, id: string): Promise<EnrollmentToken | null> {
    if (!UUID.test(id)) return null;
    const s = placementScopeSql(scope, '');
    const r = await q.one(`SELECT ${LINK_COLS} FROM enrollment_tokens WHERE id = ? AND ${s.sql}`, [id.toLowerCase(), ...s.params]);
    return r ? toToken(r) : null;
  }

  async createBulkJob(tx: Tx, j: AdminBulkJob): Promise<void> {
    await tx.run(`INSERT INTO admin_bulk_jobs (${JOB}) VALUES (${placeholders(7)})`,
      [j.jobId, j.action, j.unitId, j.unitPath, jsonParam(j.filter), j.createdBy, j.createdAt]);
  }

  async bulkJob(q: Queryable, scope: Scope, jobId: string): Promise<AdminBulkJob | null> {
    if (!UUID.test(jobId)) return null;
    const r = await q.one(`SELECT ${JOB} FROM admin_bulk_jobs WHERE job_id = ? AND unit_path LIKE ?`, [jobId.toLowerCase(), pathPrefix(scope)]);
    return r ? toJob(r) : null;
  }

  async bulkJobs(q: Queryable, scope: Scope, limit: number): Promise<AdminBulkJob[]> {
    const n = Math.max(1, Math.min(1000, Math.floor(limit)));
    return (await q.rows(`SELECT ${JOB} FROM admin_bulk_jobs WHERE unit_path LIKE ? ORDER BY created_at DESC LIMIT ${n}`, [pathPrefix(scope)])).map(toJob);
  }
}

/** A device's certificate follows the device; one without a device its placement at issue; CA certificates the root. */
function certificateScope(scope: Scope): { sql: string; params: unknown[] } {
  if (scope.root) return { sql: '1 = 1', params: [] };
  const d = deviceScopeSql(scope);
  const p = placementScopeSql(scope, 'c.');
  return { sql: `((c.device_id IS NOT NULL AND c.device_id IN (SELECT d.id FROM devices d WHERE ${d.sql})) OR (c.device_id IS NULL AND ${p.sql}))`, params: [...d.params, ...p.params] };
}

function toUnit(r: Record<string, unknown>): OrgUnit {
  return {
    id: String(r.id), code: String(r.code), kind: r.kind as OrgKind, name: String(r.name), parentId: (r.parent_id as string | null) ?? null,
    path: String(r.path), gradeLevel: r.grade_level === null || r.grade_level === undefined ? null : Number(r.grade_level),
    createdAt: readDate(r.created_at)!, updatedAt: readDate(r.updated_at)!,
  };
}

function toJob(r: Record<string, unknown>): AdminBulkJob {
  return {
    jobId: String(r.job_id), action: String(r.action), unitId: (r.unit_id as string | null) ?? null, unitPath: String(r.unit_path),
    filter: readJson(r.filter), createdBy: (r.created_by as string | null) ?? null, createdAt: readDate(r.created_at)!,
  };
}
