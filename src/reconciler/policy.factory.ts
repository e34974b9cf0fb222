import { readFileSync } from 'node:fs';
import type { AuditEventSink } from '../audit/audit-events';
import type { AppleCommand } from '../apple/protocol';
import type { AppleSchemas } from '../apple/schema';
import type { Config } from '../config';
import type { Db } from '../db/database';
import type { Stores } from '../db/stores';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { AssumeLicencesExistProvider, policyHashKey, reverseDnsOfUrl, secretSourceFromEnv, type LicenceProvider, type ProfileSigner } from '../policy';
import { PolicyContexts, type PolicyEnvironment } from './policy-context';
import { PolicyEvents, type PolicyEventDeps } from './policy-events';
import { PolicyReconciler } from './policy-reconciler';
import { PolicyService } from './policy.service';

export interface PolicyParts {
  contexts: PolicyContexts;
  reconciler: PolicyReconciler;
  events: PolicyEvents;
  service: PolicyService;
}

/** Policy's database side, built once per process by the composition root. */
export function createPolicy(d: {
  config: Config;
  db: Db;
  stores: Stores;
  /** The hash-chained audit log, through the events interface the reconciler writes. */
  audit: AuditEventSink;
  schemas: AppleSchemas;
  secretKey: Buffer;
  signer: ProfileSigner;
  commands: PolicyEventDeps['commands'];
  build(requestType: string, params: Record<string, unknown>): AppleCommand;
  schoolIdsUnder(code: string): Promise<string[]>;
  resolveDevice(id: string): Promise<{ id: string }>;
  logger: Logger;
  /** Until Apple School Manager licences arrive (ASM issue): licences are assumed to exist. */
  licences?: LicenceProvider;
}): PolicyParts {
  const { config, stores, logger } = d;
  const licences = d.licences ?? new AssumeLicencesExistProvider();
  const env: PolicyEnvironment = {
    schemas: d.schemas,
    secrets: (schools) => secretsOf(config.policy.secretFiles, schools),
    settings: { identifierPrefix: reverseDnsOfUrl(config.publicUrl), organization: config.policy.organization },
    hashKey: policyHashKey(d.secretKey),
    signer: d.signer,
  };
  const contexts = new PolicyContexts({ catalogs: stores.policyCatalog, org: stores.org, env, logger });
  const reconciler = new PolicyReconciler({ devices: stores.policyDevices, audit: d.audit, queue: stores.commands, commands: d.commands, licences, logger });
  const events = new PolicyEvents({
    devices: stores.policyDevices, audit: d.audit, contexts, reconciler, commands: d.commands, build: d.build, licences, logger, maxAttempts: config.policy.maxAttempts,
  });
  const service = new PolicyService({
    db: d.db, catalogs: stores.policyCatalog, devices: stores.policyDevices, audit: d.audit, contexts, reconciler,
    schoolIdsUnder: d.schoolIdsUnder, resolveDevice: d.resolveDevice, catalogDir: config.policy.catalogDir, logger,
  });
  return { contexts, reconciler, events, service };
}

function secretsOf(files: Readonly<Record<string, string>>, schools: readonly string[]) {
  return secretSourceFromEnv(files, (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new AppError('config_invalid', `policy secret file ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }, schools);
}
