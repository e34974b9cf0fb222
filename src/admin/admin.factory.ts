import type { AuditLog } from '../audit/audit-log';
import type { CommandService } from '../apple/command.service';
import type { EnrollmentTokenService } from '../apple/enrollment/enrollment-token.service';
import type { StaffCommands } from '../apple/staff-commands';
import type { AdminConfig } from '../config';
import type { Db } from '../db/database';
import type { Stores } from '../db/stores';
import type { DeviceService } from '../fleet/device.service';
import type { PolicyService } from '../reconciler/policy.service';
import { ApiTokenService } from './auth/api-token.service';
import { PasskeyService } from './auth/passkey.service';
import { ScopeResolver } from './auth/scope-resolver';
import { SessionService } from './auth/session.service';
import { StaffService } from './auth/staff.service';
import { AdminAudit } from './fleet/admin-audit.service';
import { AdminCertificates } from './fleet/admin-certificates.service';
import { AdminCommands } from './fleet/admin-commands.service';
import { AdminDevices } from './fleet/admin-devices.service';
import { AdminOrg } from './fleet/admin-org.service';
import { AdminProfiles } from './fleet/admin-profiles.service';
import { BulkJobs } from './fleet/bulk-jobs.service';
import { DeviceActions } from './fleet/device-actions.service';
import type { AfterMove } from './fleet/device-mover';
import { PlacementMover } from './fleet/device-mover';
import { EnrollmentLinks } from './fleet/enrollment-links.service';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookService } from './webhooks/webhook.service';
import type { SecretBox } from '../crypto/secret-box';
import type { Logger } from '../log/logger';

/** The admin API's services (issue #13): what the routers call and the CLI shares. */
export interface AdminServices {
  config: AdminConfig;
  staff: StaffService;
  passkeys: PasskeyService;
  sessions: SessionService;
  tokens: ApiTokenService;
  org: AdminOrg;
  devices: AdminDevices;
  actions: DeviceActions;
  commands: AdminCommands;
  bulk: BulkJobs;
  profiles: AdminProfiles;
  enrollment: EnrollmentLinks;
  certificates: AdminCertificates;
  audit: AdminAudit;
  webhooks: WebhookService;
  /** Collects events into the outbox and delivers them (periodic tasks in app.ts). */
  webhookDispatcher: WebhookDispatcher;
}

export interface AdminDeps {
  config: AdminConfig;
  publicUrl: string;
  db: Db;
  stores: Stores;
  audit: AuditLog;
  devices: DeviceService;
  commands: CommandService;
  staffCommands: StaffCommands;
  enrollmentTokens: EnrollmentTokenService;
  secrets: SecretBox;
  logger: Logger;
  /** Plain http webhook URLs (development and tests only). */
  allowHttpWebhooks: boolean;
  pushCertificateExpiry: () => { notAfter: Date; fingerprint: string } | null;
  /** The policy catalog's plan, apply and status (the same service `slate profiles` uses). */
  policy: PolicyService;
  /** Convergence after a device moved (the policy reconciler); see device-mover.ts. */
  afterMove?: AfterMove;
}

/** Builds the admin services from Slate's stores and services; called by the composition root only. */
export function createAdminServices(d: AdminDeps): AdminServices {
  const { config, db, stores, audit } = d;
  const scopes = new ScopeResolver(stores.org);
  const staff = new StaffService({ db, staff: stores.staff, sessions: stores.staffSessions, scopes, audit, publicUrl: d.publicUrl, inviteTtlMs: config.inviteTtlMs });
  const devices = new AdminDevices({
    db, scoped: stores.scopedDevices, fleet: stores.scopedFleet, devices: d.devices, commands: d.commands,
    mover: new PlacementMover(stores.devices, d.afterMove), audit,
  });
  return {
    config,
    staff,
    passkeys: new PasskeyService({
      db, staff: stores.staff, passkeys: stores.passkeys, sessions: stores.staffSessions, invites: staff, scopes, audit,
      webauthn: { rpId: config.rpId, rpName: config.rpName, origins: config.origins },
    }),
    sessions: new SessionService({ db, sessions: stores.staffSessions, staff: stores.staff, scopes, audit, settings: { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs } }),
    tokens: new ApiTokenService({ db, tokens: stores.apiTokens, scopes, audit, maxTtlMs: config.apiTokenMaxTtlMs, stepUpMaxAgeMs: config.stepUpMaxAgeMs }),
    org: new AdminOrg({ db, org: stores.org, tree: stores.orgTree, fleet: stores.scopedFleet, audit }),
    devices,
    commands: new AdminCommands({ db, fleet: stores.scopedFleet, queue: stores.commands, commands: d.commands, devices, audit }),
    actions: new DeviceActions({ db, devices, staff: d.staffCommands, audit, stepUpMaxAgeMs: config.stepUpMaxAgeMs }),
    bulk: new BulkJobs({
      db, scoped: stores.scopedDevices, fleet: stores.scopedFleet, staff: d.staffCommands, commands: d.commands, queue: stores.commands,
      audit, stepUpMaxAgeMs: config.stepUpMaxAgeMs,
    }),
    profiles: new AdminProfiles({ db, fleet: stores.scopedFleet, devices, audit, policy: d.policy }),
    enrollment: new EnrollmentLinks({ db, tokens: d.enrollmentTokens, fleet: stores.scopedFleet, audit }),
    certificates: new AdminCertificates({ db, fleet: stores.scopedFleet, certificates: stores.certificates, devices, audit }),
    audit: new AdminAudit(audit),
    webhooks: new WebhookService({ db, hooks: stores.webhooks, fleet: stores.scopedFleet, secrets: d.secrets, audit, allowHttp: d.allowHttpWebhooks }),
    webhookDispatcher: new WebhookDispatcher({
      db, hooks: stores.webhooks, sources: stores.webhookSources, secrets: d.secrets, logger: d.logger, pushCertificateExpiry: d.pushCertificateExpiry,
    }),
  };
}
