import type { Queryable, Tx } from '../database';
import type { CertificateRecord } from './certificate.store';
import type { EnrollmentToken } from './enrollment-token.store';
import type { OrgUnit } from './org.store';
import type { Scope } from './scope';

export interface AdminBulkJob {
  jobId: string;
  action: string;
  unitId: string | null;
  /** Path of the unit the job's filter named (its scope): who may see the job. */
  unitPath: string;
  filter: Record<string, unknown> | null;
  createdBy: string | null;
  createdAt: Date;
}

/**
 * The admin API's reads of everything else in the fleet, each filtered by the reader's scope in
 * its SQL: organisation units, commands, certificates, enrolment links and bulk jobs.
 */
export interface ScopedFleetStore {
  /** Units at or under the scope's unit, parents before children. */
  units(q: Queryable, scope: Scope): Promise<OrgUnit[]>;
  /** A unit by id or code, if it lies at or under the scope's unit. */
  unit(q: Queryable, scope: Scope, ref: string): Promise<OrgUnit | null>;
  /** The device a command belongs to, if that device is in scope. */
  commandDevice(q: Queryable, scope: Scope, commandUuid: string): Promise<string | null>;
  certificates(q: Queryable, scope: Scope, filter: { deviceId?: string; includeRevoked?: boolean; limit: number }): Promise<CertificateRecord[]>;
  certificate(q: Queryable, scope: Scope, serial: string): Promise<CertificateRecord | null>;
  enrollmentLinks(q: Queryable, scope: Scope, filter: { includeInactive?: boolean; now: Date }): Promise<EnrollmentToken[]>;
  enrollmentLink(q: Queryable, scope: Scope, id: string): Promise<EnrollmentToken | null>;
  createBulkJob(tx: Tx, job: AdminBulkJob): Promise<void>;
  bulkJob(q: Queryable, scope: Scope, jobId: string): Promise<AdminBulkJob | null>;
  bulkJobs(q: Queryable, scope: Scope, limit: number): Promise<AdminBulkJob[]>;
}
