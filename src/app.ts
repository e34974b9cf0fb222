import type { Express } from 'express';
import type { RequestListener } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { loadSecretKey } from './config';
import { SecretBox } from './crypto/secret-box';
import { buildDataSource, describeDatabase, openDataSource, runMigrations } from './db/data-source';
import { createStores, type Stores } from './db/stores';
import type { ApnsCertificateService } from './apple/apns/apns-certificate.service';
import { createPush } from './apple/apns/push.factory';
import type { PushService } from './apple/apns/push.service';
import { createAppleSpine, type AppleSpine } from './apple/apple-spine';
import { createAppleProtocol } from './apple/protocol';
import { StaffCommands } from './apple/staff-commands';
import { PeriodicTasks } from './background/periodic-tasks';
import { Sql } from './db/sql';
import { EnrollmentTokenService } from './apple/enrollment/enrollment-token.service';
import { DeviceService } from './fleet/device.service';
import { OrgService } from './fleet/org.service';
import { createPkiService } from './pki/pki.factory';
import { PkiService, SCEP_CAPABILITIES } from './pki/pki.service';
import { scepRouter } from './apple/http/scep.router';
import { healthRouter } from './http/health.router';
import { withFastRoutes } from './http/fast-routes';
import { buildHttpApp } from './http/http-app';
import type { Logger } from './log/logger';

export interface Services {
  org: OrgService;
  enrollmentTokens: EnrollmentTokenService;
  devices: DeviceService;
  /** APNs push certificate: upload, and the topic/credentials in use. */
  apnsCertificates: ApnsCertificateService;
  /** Push dispatcher; the CommandService's PushWaker. */
  push: PushService;
  pki: PkiService;
  /** Apple MDM: command queue, check-ins, and what staff may send. */
  apple: AppleSpine & { staff: StaffCommands };
}

export interface Slate {
  config: Config;
  logger: Logger;
  ds: DataSource;
  secrets: SecretBox;
  stores: Stores;
  services: Services;
  /** What the HTTP(S) server serves: the device fast routes, then `express`. */
  http: RequestListener;
  /** The express app behind `http` (staff and most device endpoints). */
  express: Express;
  /** Starts the background work of a server process (the push dispatcher's rounds). */
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
}

/**
 * The one composition root: builds the database, stores, services and routers, and returns them
 * with a `close` that releases everything. Nothing else in Slate wires dependencies.
 */
export async function createSlate(config: Config, logger: Logger, opts: CreateOptions = {}): Promise<Slate> {
  const secrets = new SecretBox(loadSecretKey(config));
  const ds = await openDataSource(buildDataSource(config.database, { schema: opts.schema }), describeDatabase(config.database), logger);
  try {
    if (opts.migrate !== false) {
      const ran = await runMigrations(ds);
      if (ran.length) logger.info({ migrations: ran }, 'migrations applied');
    }
    const stores = createStores(ds);
    const org = new OrgService(stores.org);
    const { apnsCertificates, push } = await createPush({ config, ds, stores, secrets, logger });
    const pki = await createPkiService({ config, stores, secrets, logger });
    const enrollmentTokens = new EnrollmentTokenService(stores.enrollmentTokens, org, config);
    const spine = createAppleSpine({
      config, logger, sql: new Sql(ds), stores, secrets, org, enrollmentTokens, pki, push,
      pushTopic: () => apnsCertificates.current()?.topic ?? null,
      protocol: createAppleProtocol(),
    });
    const services: Services = {
      org,
      enrollmentTokens,
      devices: new DeviceService({ devices: stores.devices, appleDevices: stores.appleDevices, checkins: stores.checkins, org }),
      apnsCertificates,
      push,
      pki,
      apple: { ...spine, staff: new StaffCommands({ commands: spine.commands, appleDevices: stores.appleDevices, secrets, build: spine.buildCommand }) },
    };
    if (opts.importOrg && config.orgImportOnStart && (await services.org.isEmpty())) {
      const result = await services.org.importFile(config.orgFile);
      logger.info({ file: config.orgFile, ...result }, 'organisation imported');
    }
    const app = buildHttpApp(logger, [
      { path: '/', router: healthRouter({ pingDatabase: () => ds.query('SELECT 1').then(() => undefined) }) },
      { path: '/scep', router: scepRouter({ capabilities: SCEP_CAPABILITIES, caCertificate: () => pki.scepCaCertificate(), pkiOperation: (m) => pki.scepOperation(m), logger }) },
      ...spine.mounts,
    ], { trustProxy: config.apple.trustProxy });
    const http = withFastRoutes(app, spine.fastRoutes, logger);
    const tasks = housekeeping(config, stores, spine, logger);
    return {
      config, logger, ds, secrets, stores, services, http, express: app,
      startBackground: () => {
        push.start();
        tasks.start();
      },
      close: async () => {
        await tasks.stop();
        await push.stop();
        if (ds.isInitialized) await ds.destroy();
      },
    };
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw err;
  }
}

/** Idempotent sweeps every server process runs (safe in several processes at once). */
function housekeeping(config: Config, stores: Stores, spine: AppleSpine, logger: Logger): PeriodicTasks {
  const tasks = new PeriodicTasks(logger);
  const ago = (ms: number) => new Date(Date.now() - ms);
  tasks.add('expire-commands', 60_000, () => spine.commands.expireDue());
  // Autovacuum wakes once a minute; at hundreds of answers a second the queue would carry tens of
  // thousands of dead rows in between (measured: paced-poll p99 173 ms instead of 17 ms).
  tasks.add('reclaim-command-queue', 10_000, () => stores.commands.reclaim());
  tasks.add('prune-checkins', 3_600_000, () => stores.checkins.pruneBefore(ago(config.checkinRetentionMs)));
  // Challenges are one-time and short-lived; a day's margin keeps recent ones for diagnosis.
  tasks.add('prune-scep-challenges', 3_600_000, () => stores.scepChallenges.prune(ago(86_400_000)));
  return tasks;
}
