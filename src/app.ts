import type { Express } from 'express';
import type { RequestListener } from 'node:http';
import type { Config } from './config';
import { loadSecretKey, secretKeyName } from './config';
import { SecretBox } from './crypto/secret-box';
import type { Db } from './db/database';
import { describeDatabase } from './db/data-source';
import { migrate, openDatabase } from './db/open-database';
import { createStores, type Stores } from './db/stores';
import type { ApnsCertificateService } from './apple/apns/apns-certificate.service';
import { createPush } from './apple/apns/push.factory';
import type { PushService } from './apple/apns/push.service';
import { CheckinService } from './apple/checkin.service';
import { CommandEffects } from './apple/command-effects';
import { CommandService } from './apple/command.service';
import { ContactTracker } from './apple/contact-tracker';
import { DeviceAuthenticator } from './apple/device-auth/device-authenticator';
import { EnrollmentService } from './apple/enrollment/enrollment.service';
import { EnrollmentTokenService } from './apple/enrollment/enrollment-token.service';
import { enrollRouter } from './apple/http/enroll.router';
import { commandEndpoint, mdmRouter } from './apple/http/mdm.router';
import { scepRouter } from './apple/http/scep.router';
import { IdentityRenewal } from './apple/identity-renewal';
import { createAppleProtocol, type AppleProtocol } from './apple/protocol';
import { StaffCommands } from './apple/staff-commands';
import { PeriodicTasks } from './background/periodic-tasks';
import { createCertificateAuthority } from './ca/ca.factory';
import { SCEP_CAPABILITIES, type CertificateAuthority } from './ca/certificate-authority';
import { DeviceMoves } from './fleet/device-move.service';
import { DeviceService } from './fleet/device.service';
import { OrgService } from './fleet/org.service';
import { healthRouter } from './http/health.router';
import { withFastRoutes } from './http/fast-routes';
import { buildHttpApp } from './http/http-app';
import type { Logger } from './log/logger';
import { AppleSchemas } from './apple/schema';
import { PolicyAnswerEffects } from './reconciler/policy-answer-effects';
import { createPolicy } from './reconciler/policy.factory';
import type { PolicyService } from './reconciler/policy.service';
import { createAdminServices, type AdminServices } from './admin/admin.factory';
import { adminHttp } from './admin/http/admin-http';
import { consoleRouter } from './admin/http/console-router';
import { auditEventSink } from './audit/audit-events';
import { AuditLog } from './audit/audit-log';
import { slateVersion } from './cli/version';
import { FleetGauges } from './metrics/fleet-gauges';
import { metricsRouter } from './metrics/metrics.router';
import { SlateMetrics } from './metrics/slate-metrics';
import { checkSecretKey, recordSecretCheck } from './startup/secret-check';
import { refuseDevelopmentDefaults } from './startup/production-defaults';
import { asServed, readServerRecord } from './startup/server-record';

export interface Services {
  org: OrgService;
  enrollmentTokens: EnrollmentTokenService;
  enrollment: EnrollmentService;
  devices: DeviceService;
  /** Staff moves a device to another school, grade or class; its policy follows in the same transaction. */
  deviceMoves: DeviceMoves;
  /** Policy catalog (#12): validate, plan, apply, status. */
  policy: PolicyService;
  /** APNs push certificate: upload, and the topic/credentials in use. */
  apnsCertificates: ApnsCertificateService;
  /** Push dispatcher; the CommandService's PushWaker. */
  push: PushService;
  /** The topic devices enrol with: the push certificate's, the development topic, or null (enrolment unavailable). */
  pushTopic(): string | null;
  /** The certificate authority (src/ca). */
  pki: CertificateAuthority;
  /** Apple MDM: command queue, check-ins, identity renewal and what staff may send. */
  apple: {
    commands: CommandService;
    checkins: CheckinService;
    /** Device authentication for both device endpoints (device-auth/). */
    auth: DeviceAuthenticator;
    staff: StaffCommands;
    renewal: IdentityRenewal;
    protocol: AppleProtocol;
  };
  /** The hash-chained audit log (src/audit). */
  audit: AuditLog;
  /** The admin API (src/admin): staff, passkeys, sessions, tokens, scoped fleet operations. */
  admin: AdminServices;
}

export interface Slate {
  config: Config;
  logger: Logger;
  db: Db;
  secrets: SecretBox;
  stores: Stores;
  services: Services;
  /** What the HTTP(S) server serves: the device fast routes, then `express`. */
  http: RequestListener;
  /** The express app behind `http` (staff and most device endpoints). */
  express: Express;
  /** Prometheus registry and counters (/metrics). */
  metrics: SlateMetrics;
  /** Starts the background work of a server process (push dispatcher, housekeeping). */
  startBackground(): void;
  /** Stops background work (waiting for pushes in flight), then closes the database. */
  close(): Promise<void>;
}

export interface CreateOptions {
  /** Run pending migrations on open (the server does; `slate migrate --status` does not). */
  migrate?: boolean;
  /** Import ORG_FILE when the database holds no organisation (first start). */
  importOrg?: boolean;
  /** Postgres schema (tests). */
  schema?: string;
  /**
   * This process is the server: it serves its own PUBLIC_URL (and announces it when it listens).
   * Every other process (the CLI) works with the URL the running server announced.
   */
  serving?: boolean;
}

/**
 * The one composition root: builds the database, stores, services and routers, and returns them
 * with a `close` that releases everything. Nothing else in Slate wires dependencies, and nothing
 * holds state at module level: every cache belongs to an object created here.
 */
export async function createSlate(config: Config, logger: Logger, opts: CreateOptions = {}): Promise<Slate> {
  const secretKey = loadSecretKey(config);
  const secrets = new SecretBox(secretKey);
  const stores = createStores();
  const db = await openDatabase(config.database, { schema: opts.schema, logger });
  try {
    await checkSecretKey(db, stores.serverSettings, secrets, secretKeyName(config));
    if (opts.migrate !== false) {
      const ran = await migrate(config.database, { schema: opts.schema });
      if (ran.length) logger.info({ migrations: ran, database: describeDatabase(config.database) }, 'migrations applied');
    }
    // Everything below (links, profiles) uses the URL the running server serves, in every process.
    if (!opts.serving) config = asServed(config, await readServerRecord(db, stores.serverSettings), slateVersion(), logger);
    await refuseDevelopmentDefaults(config, db, stores, !!opts.importOrg);
    const schemas = new AppleSchemas();
    const protocol = createAppleProtocol(schemas);
    const metrics = new SlateMetrics();
    const org = new OrgService(db, stores.org);
    const { apnsCertificates, push, pushTopic } = await createPush({ config, db, stores, secrets, logger, onResults: (r) => metrics.pushResults(r) });
    const ca = await createCertificateAuthority({ config, db, stores, secrets, logger });
    await recordSecretCheck(db, stores.serverSettings, secrets);
    const enrollmentTokens = new EnrollmentTokenService({ db, store: stores.enrollmentTokens, challenges: stores.scepChallenges, org, config });
    const enrollment = new EnrollmentService({
      db, tokens: enrollmentTokens, orgUnits: stores.org, ca, buildProfile: (o) => protocol.buildEnrollmentProfile(o),
      pushTopic, publicUrl: config.publicUrl, organization: config.pki.organization,
    });
    const devices = new DeviceService({ db, devices: stores.devices, appleDevices: stores.appleDevices, checkins: stores.checkins, org });
    const audit = new AuditLog({ db, store: stores.auditLog, key: secrets.subkey('audit-chain') });
    const policy = createPolicy({
      config, db, stores, audit: auditEventSink(audit), schemas, secretKey, signer: (b) => ca.signProfile(b), logger,
      // Late-bound: the command service is built with policy's answer effects below.
      commands: { enqueueIn: (tx, ids, command, o) => commands.enqueueIn(tx, ids, command, o) },
      build: (t, p) => protocol.buildCommand(t, p), schoolIdsUnder: (code) => org.schoolIdsUnder(code), resolveDevice: (id) => devices.require(id),
    });
    const effects = new PolicyAnswerEffects(new CommandEffects({
      devices: stores.devices, checkins: stores.checkins, appleDevices: stores.appleDevices, certificates: stores.certificates,
      queue: stores.commands, parsers: protocol.inventoryParsers, deviceFacts: protocol.deviceFactsOf, logger,
    }), policy.events);
    const commands = new CommandService({
      db, queue: metrics.countEnqueues(stores.commands), encode: protocol.encodeCommand, secrets, push, effects, logger, commandTtlMs: config.apple.commandTtlMs,
    });
    const checkins = new CheckinService({
      db, devices: stores.devices, appleDevices: stores.appleDevices, checkins: stores.checkins, commands: stores.commands,
      certificates: stores.certificates, enrollmentTokens: stores.enrollmentTokens, secrets, encodePlist: protocol.encodePlist, logger,
      onEnrolled: policy.events,
    });
    const renewal = new IdentityRenewal({
      db, appleDevices: stores.appleDevices, enrollment, commands, buildCommand: (t, p) => protocol.buildCommand(t, p),
      renewBeforeMs: config.apple.renewBeforeMs, logger,
    });
    const auth = new DeviceAuthenticator({ db, verifier: ca.verifier, certificates: stores.certificates, appleDevices: stores.appleDevices, logger });
    const staff = new StaffCommands({ db, commands, appleDevices: stores.appleDevices, secrets, build: (t, p) => protocol.buildCommand(t, p) });
    const services: Services = {
      org, enrollmentTokens, enrollment, apnsCertificates, push, pushTopic, pki: ca,
      devices, policy: policy.service,
      deviceMoves: new DeviceMoves({ db, devices: stores.devices, org, audit: auditEventSink(audit), resolve: (id) => devices.require(id), listener: policy.events }),
      apple: { commands, checkins, renewal, protocol, auth, staff },
      audit,
      admin: createAdminServices({
        config: config.admin, publicUrl: config.publicUrl, db, stores, audit, devices, commands, staffCommands: staff, enrollmentTokens,
        secrets, logger, allowHttpWebhooks: config.env !== 'production', pushCertificateExpiry: () => apnsCertificates.current(),
        policy: policy.service, afterMove: (tx, c) => policy.events.moved(tx, c.deviceId, c.by),
      }),
    };
    if (opts.importOrg && config.orgImportOnStart && config.orgFile && (await services.org.isEmpty())) {
      const result = await services.org.importFile(config.orgFile);
      logger.info({ file: config.orgFile, ...result }, 'organisation imported');
    }
    const deviceEndpoints = {
      auth,
      credentials: { clientCertHeader: config.apple.clientCertHeader, trustedProxies: config.apple.trustedProxies },
      decodeCheckin: protocol.decodeCheckin, decodeReport: protocol.decodeReport,
      checkins: metrics.countCheckins(checkins), commands, contacts: new ContactTracker(db, stores.devices, config.caches.contacts), logger,
    };
    const connect = commandEndpoint(deviceEndpoints);
    const admin = adminHttp(services.admin, logger, slateVersion());
    new FleetGauges({
      registry: metrics.registry, db, store: stores.metrics, logger, ttlMs: METRICS_DB_TTL_MS,
      apnsCertificate: () => apnsCertificates.current(), caNotAfter: () => ca.caSummary().notAfter,
    });
    const app = buildHttpApp(logger, [
      { path: '/', router: healthRouter({ pingDatabase: () => db.ping() }) },
      { path: '/', router: metricsRouter({ access: config.metrics, render: () => metrics.render() }) },
      { path: '/scep', router: scepRouter({ capabilities: SCEP_CAPABILITIES, caCertificate: () => ca.scepCaCertificate(), pkiOperation: (m) => ca.scepOperation(m), logger }) },
      { path: '/mdm', router: mdmRouter(deviceEndpoints, connect) },
      { path: '/api/v1', router: admin.api },
      { path: '/api/docs', router: admin.docs },
      { path: '/console', router: consoleRouter() },
      { path: '/enroll', router: enrollRouter({ profileFor: (t) => enrollment.forLink(t), sign: (p) => enrollment.sign(p), allowUnsigned: config.apple.allowUnsignedEnrollment, logger }) },
    ], { trustProxy: config.apple.trustProxy, observe: metrics.observeRequest });
    const tasks = housekeeping(config, db, stores, services, logger);
    return {
      config, logger, db, secrets, stores, services, http: withFastRoutes(app, [connect], logger, metrics.observeRequest), express: app, metrics,
      startBackground: () => {
        metrics.collectProcessMetrics();
        push.start();
        tasks.start();
      },
      close: async () => {
        await tasks.stop();
        await push.stop();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/**
 * How long one database reading serves /metrics scrapes: Prometheus scrapes every 15-60 s, so a
 * few seconds keeps gauges fresh while any number of scrapers cost one set of queries per interval.
 */
const METRICS_DB_TTL_MS = 5_000;

/** Sweeps each run once per interval across every Slate process on the database (task_runs). */
function housekeeping(config: Config, db: Db, stores: Stores, services: Services, logger: Logger): PeriodicTasks {
  const tasks = new PeriodicTasks(logger, (name, everyMs) => stores.taskRuns.claim(db, name, new Date(), everyMs));
  const ago = (ms: number) => new Date(Date.now() - ms);
  tasks.add('expire-commands', 60_000, () => services.apple.commands.expireDue());
  // Autovacuum wakes once a minute; at hundreds of answers a second the queue would carry tens of
  // thousands of dead rows in between (measured: paced-poll p99 173 ms instead of 17 ms).
  tasks.add('reclaim-command-queue', 10_000, () => stores.commands.reclaim(db));
  tasks.add('prune-checkins', 3_600_000, () => stores.checkins.pruneBefore(db, ago(config.checkinRetentionMs)));
  tasks.add('prune-command-history', 3_600_000, () => stores.commands.pruneHistory(db, ago(config.apple.commandHistoryRetentionMs), 10_000));
  // Challenges are one-time and short-lived; a day's margin keeps recent ones for diagnosis.
  tasks.add('prune-scep-challenges', 3_600_000, () => stores.scepChallenges.prune(db, ago(86_400_000)));
  tasks.add('renew-identities', 3_600_000, () => services.apple.renewal.renewDue());
  // Refused policy items whose backoff ran out; the task's own interval is the finest retry step.
  tasks.add('policy-retries', 60_000, () => services.policy.retryDue());
  tasks.add('prune-staff-sessions', 3_600_000, () => stores.staffSessions.prune(db, new Date()));
  tasks.add('prune-webauthn-challenges', 3_600_000, () => stores.passkeys.pruneChallenges(db, new Date()));
  tasks.add('webhook-collect', 15_000, () => services.admin.webhookDispatcher.collect());
  tasks.add('webhook-deliver', 5_000, () => services.admin.webhookDispatcher.deliver());
  return tasks;
}
