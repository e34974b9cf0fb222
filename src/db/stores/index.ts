import type { ApnsCertificateStore } from './apns-certificate.store';
import { SqlApnsCertificateStore } from './apns-certificate.store.sql';
import type { AppleDeviceStore } from './apple-device.store';
import { SqlAppleDeviceStore } from './apple-device.store.sql';
import type { CertificateStore } from './certificate.store';
import { SqlCertificateStore } from './certificate.store.sql';
import type { ScepChallengeStore } from './scep-challenge.store';
import { SqlScepChallengeStore } from './scep-challenge.store.sql';
import type { CheckinStore } from './checkin.store';
import { SqlCheckinStore } from './checkin.store.sql';
import type { CommandQueueStore } from './command-queue.store';
import { SqlCommandQueueStore } from './command-queue.store.sql';
import type { DeviceStore } from './device.store';
import type { EnrollmentTokenStore } from './enrollment-token.store';
import { SqlEnrollmentTokenStore } from './enrollment-token.store.sql';
import { SqlDeviceStore } from './device.store.sql';
import type { PushOutboxStore } from './push-outbox.store';
import { SqlPushOutboxStore } from './push-outbox.store.sql';
import type { OrgStore } from './org.store';
import type { TaskRunStore } from './task-run.store';
import { SqlTaskRunStore } from './task-run.store.sql';
import { SqlOrgStore } from './org.store.sql';
import type { AuditStore } from './audit.store';
import { SqlAuditStore } from './audit.store.sql';
import type { PolicyCatalogStore } from './policy-catalog.store';
import { SqlPolicyCatalogStore } from './policy-catalog.store.sql';
import type { PolicyDeviceStore } from './policy-device.store';
import { SqlPolicyDeviceStore } from './policy-device.store.sql';

export * from './apns-certificate.store';
export * from './apple-device.store';
export * from './certificate.store';
export * from './checkin.store';
export * from './scep-challenge.store';
export * from './command-queue.store';
export * from './enrollment-token.store';
export * from './device.store';
export * from './org.store';
export * from './push-outbox.store';
export * from './task-run.store';
export * from './audit.store';
export * from './policy-catalog.store';
export * from './policy-device.store';

/** Every store Slate uses, behind its interface. Services receive the ones they need. */
export interface Stores {
  org: OrgStore;
  devices: DeviceStore;
  commands: CommandQueueStore;
  enrollmentTokens: EnrollmentTokenStore;
  appleDevices: AppleDeviceStore;
  checkins: CheckinStore;
  apnsCertificates: ApnsCertificateStore;
  pushOutbox: PushOutboxStore;
  certificates: CertificateStore;
  scepChallenges: ScepChallengeStore;
  taskRuns: TaskRunStore;
  audit: AuditStore;
  policyCatalog: PolicyCatalogStore;
  policyDevices: PolicyDeviceStore;
}

/**
 * The stores hold no connection: every method takes the handle it runs on (the database, or the
 * caller's transaction), so one instance serves both databases and every transaction.
 */
export function createStores(): Stores {
  return {
    commands: new SqlCommandQueueStore(),
    enrollmentTokens: new SqlEnrollmentTokenStore(),
    appleDevices: new SqlAppleDeviceStore(),
    checkins: new SqlCheckinStore(),
    apnsCertificates: new SqlApnsCertificateStore(),
    pushOutbox: new SqlPushOutboxStore(),
    certificates: new SqlCertificateStore(),
    scepChallenges: new SqlScepChallengeStore(),
    org: new SqlOrgStore(),
    devices: new SqlDeviceStore(),
    taskRuns: new SqlTaskRunStore(),
    audit: new SqlAuditStore(),
    policyCatalog: new SqlPolicyCatalogStore(),
    policyDevices: new SqlPolicyDeviceStore(),
  };
}
