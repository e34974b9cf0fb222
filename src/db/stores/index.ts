import type { DataSource } from 'typeorm';
import { Sql } from '../sql';
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
import { TypeOrmDeviceStore } from './device.store.typeorm';
import type { PushOutboxStore } from './push-outbox.store';
import { SqlPushOutboxStore } from './push-outbox.store.sql';
import type { OrgStore } from './org.store';
import { TypeOrmOrgStore } from './org.store.typeorm';

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
export { isUniqueViolation } from './device.store.typeorm';

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
}

export function createStores(ds: DataSource): Stores {
  const sql = new Sql(ds);
  return {
    commands: new SqlCommandQueueStore(sql),
    enrollmentTokens: new SqlEnrollmentTokenStore(sql),
    appleDevices: new SqlAppleDeviceStore(sql),
    checkins: new SqlCheckinStore(sql),
    apnsCertificates: new SqlApnsCertificateStore(sql),
    pushOutbox: new SqlPushOutboxStore(sql),
    certificates: new SqlCertificateStore(sql),
    scepChallenges: new SqlScepChallengeStore(sql),
    org: new TypeOrmOrgStore(ds),
    devices: new TypeOrmDeviceStore(ds),
  };
}
