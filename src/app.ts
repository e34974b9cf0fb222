import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { loadSecretKey } from './config';
import { SecretBox } from './crypto/secret-box';
import { AfterCommit } from './db/after-commit';
import { buildDataSource, describeDatabase, openDataSource, runMigrations } from './db/data-source';
import { createStores, type Stores } from './db/stores';
import { ApnsCertificateService } from './apple/apns/apns-certificate.service';
import { Http2ApnsClient } from './apple/apns/apns-client';
import { PushService } from './apple/apns/push.service';
import { EnrollmentTokenService } from './apple/enrollment/enrollment-token.service';
import { DeviceService } from './fleet/device.service';
import { OrgService } from './fleet/org.service';
import { createPkiService } from './pki/pki.factory';
import { PkiService, SCEP_CAPABILITIES } from './pki/pki.service';
import { scepRouter } from './apple/http/scep.router';
import { healthRouter } from './http/health.router';
import { buildHttpApp } from './http/http-app';
import { AppError } from './errors';
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
}

export interface Slate {
  config: Config;
  logger: Logger;
  ds: DataSource;
  secrets: SecretBox;
  stores: Stores;
  services: Services;
  http: Express;
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
  const ds = await openDataSource(buildDataSource(config.database, { schema: opts.schema }), describeDatabase(config.database));
  try {
    if (opts.migrate !== false) {
      const ran = await runMigrations(ds);
      if (ran.length) logger.info({ migrations: ran }, 'migrations applied');
    }
    const stores = createStores(ds);
    const org = new OrgService(stores.org);
    const apnsCertificates = new ApnsCertificateService({ store: stores.apnsCertificates, secrets, logger });
    // A push certificate that cannot be opened must not stop the server (or `slate apns set-cert`).
    await apnsCertificates.refresh().catch((err) => logger.error({ err }, 'cannot load the APNs push certificate'));
    const push = new PushService({
      outbox: stores.pushOutbox, appleDevices: stores.appleDevices, certificates: apnsCertificates,
      client: new Http2ApnsClient({ url: config.apple.apnsUrl, ca: readCaFile(config.apple.apnsCaFile), concurrency: config.apple.apnsConcurrency, logger }),
      afterCommit: new AfterCommit(ds), onPushed: (ids, at) => stores.commands.markPushed(ids, at), logger,
      rate: config.apple.apnsRate, pushTtlMs: config.apple.apnsPushTtlMs, pollIntervalMs: config.apple.apnsPollIntervalMs,
    });
    const services: Services = {
      org,
      enrollmentTokens: new EnrollmentTokenService(stores.enrollmentTokens, org, config),
      devices: new DeviceService({ devices: stores.devices, appleDevices: stores.appleDevices, checkins: stores.checkins, org }),
      apnsCertificates,
      push,
      pki: await createPkiService({ config, stores, secrets, logger }),
    };
    if (opts.importOrg && config.orgImportOnStart && (await services.org.isEmpty())) {
      const result = await services.org.importFile(config.orgFile);
      logger.info({ file: config.orgFile, ...result }, 'organisation imported');
    }
    const pki = services.pki;
    const http = buildHttpApp(logger, [
      { path: '/', router: healthRouter({ pingDatabase: () => ds.query('SELECT 1').then(() => undefined) }) },
      { path: '/scep', router: scepRouter({ capabilities: SCEP_CAPABILITIES, caCertificate: () => pki.scepCaCertificate(), pkiOperation: (m) => pki.scepOperation(m), logger }) },
    ]);
    return {
      config, logger, ds, secrets, stores, services, http,
      startBackground: () => push.start(),
      close: async () => {
        await push.stop();
        if (ds.isInitialized) await ds.destroy();
      },
    };
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw err;
  }
}

function readCaFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('config_invalid', `APNS_CA_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
