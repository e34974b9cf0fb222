import type { ApnsCertificateStore } from './apns-certificate.store';
import type { AuthorityKeyStore } from './authority-key.store';
import { SqlAuthorityKeyStore } from './authority-key.store.sql';
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
import type { MetricsStore } from './metrics.store';
import { SqlMetricsStore } from './metrics.store.sql';
import type { OrgStore } from './org.store';
import type { TaskRunStore } from './task-run.store';
import { SqlTaskRunStore } from './task-run.store.sql';
import { SqlOrgStore } from './org.store.sql';
import type { PolicyCatalogStore } from './policy-catalog.store';
import { SqlPolicyCatalogStore } from './policy-catalog.store.sql';
import type { PolicyDeviceStore } from './policy-device.store';
import { SqlPolicyDeviceStore } from './policy-device.store.sql';
import type { AuditLogStore } from './audit-log.store';
import { SqlAuditLogStore } from './audit-log.store.sql';
import type { StaffStore } from './staff.store';
import { SqlStaffStore } from './staff.store.sql';
import type { PasskeyStore } from './passkey.store';
import { SqlPasskeyStore } from './passkey.store.sql';
import type { StaffSessionStore } from './staff-session.store';
import { SqlStaffSessionStore } from './staff-session.store.sql';
import type { ApiTokenStore } from './api-token.store';
import { SqlApiTokenStore } from './api-token.store.sql';
import type { ScopedDeviceStore } from './scoped-device.store';
import { SqlScopedDeviceStore } from './scoped-device.store.sql';
import type { ScopedFleetStore } from './scoped-fleet.store';
import { SqlScopedFleetStore } from './scoped-fleet.store.sql';
import type { OrgTreeStore } from './org-tree.store';
import { SqlOrgTreeStore } from './org-tree.store.sql';
import type { WebhookStore } from './webhook.store';
import { SqlWebhookStore } from './webhook.store.sql';
import type { WebhookSourceStore } from './webhook-source.store';
import { SqlWebhookSourceStore } from './webhook-source.store.sql';
import type { ServerSettingStore } from './server-setting.store';
import { SqlServerSettingStore } from './server-setting.store.sql';

export * from './apns-certificate.store';
export * from './authority-key.store';
export * from './apple-device.store';
export * from './certificate.store';
export * from './checkin.store';
export * from './scep-challenge.store';
export * from './command-queue.store';
export * from './enrollment-token.store';
export * from './device.store';
export * from './metrics.store';
export * from './org.store';
export * from './push-outbox.store';
export * from './server-setting.store';
export * from './task-run.store';
export * from './policy-catalog.store';
export * from './policy-device.store';
export * from './audit-log.store';
export * from './staff.store';
export * from './passkey.store';
export * from './staff-session.store';
export * from './api-token.store';
export * from './scope';
export * from './scoped-device.store';
export * from './scoped-fleet.store';
export * from './org-tree.store';
export * from './webhook.store';
export * from './webhook-source.store';

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
  policyCatalog: PolicyCatalogStore;
  policyDevices: PolicyDeviceStore;
  /** The admin API (issue #13): audit log, staff, passkeys, sessions, tokens, scoped reads. */
  auditLog: AuditLogStore;
  staff: StaffStore;
  passkeys: PasskeyStore;
  staffSessions: StaffSessionStore;
  apiTokens: ApiTokenStore;
  scopedDevices: ScopedDeviceStore;
  scopedFleet: ScopedFleetStore;
  orgTree: OrgTreeStore;
  webhooks: WebhookStore;
  webhookSources: WebhookSourceStore;
  /** Aggregates for /metrics. */
  metrics: MetricsStore;
  authorityKeys: AuthorityKeyStore;
  serverSettings: ServerSettingStore;
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
    policyCatalog: new SqlPolicyCatalogStore(),
    policyDevices: new SqlPolicyDeviceStore(),
    auditLog: new SqlAuditLogStore(),
    staff: new SqlStaffStore(),
    passkeys: new SqlPasskeyStore(),
    staffSessions: new SqlStaffSessionStore(),
    apiTokens: new SqlApiTokenStore(),
    scopedDevices: new SqlScopedDeviceStore(),
    scopedFleet: new SqlScopedFleetStore(),
    orgTree: new SqlOrgTreeStore(),
    webhooks: new SqlWebhookStore(),
    webhookSources: new SqlWebhookSourceStore(),
    metrics: new SqlMetricsStore(),
    authorityKeys: new SqlAuthorityKeyStore(),
    serverSettings: new SqlServerSettingStore(),
  };
}
