import { readFileSync } from 'node:fs';
import type { Config } from '../../config';
import type { SecretBox } from '../../crypto/secret-box';
import type { Db } from '../../db/database';
import type { Stores } from '../../db/stores';
import { AppError } from '../../errors';
import type { Logger } from '../../log/logger';
import { ApnsCertificateService } from './apns-certificate.service';
import { Http2ApnsClient } from './apns-client';
import { DEVELOPMENT_TOPIC, DevelopmentApnsClient, withDevelopmentTopic } from './development-push';
import { PushService, type PushResults } from './push.service';

/**
 * The push certificate and the dispatcher that wakes devices with it. A development Slate without
 * a push certificate enrols with the development topic (development-push.ts) instead of refusing.
 */
export async function createPush(d: {
  config: Config; db: Db; stores: Stores; secrets: SecretBox; logger: Logger; onResults?: (r: PushResults) => void;
}): Promise<{ apnsCertificates: ApnsCertificateService; push: PushService; pushTopic: () => string | null }> {
  const { config, stores, logger } = d;
  const development = config.env === 'development';
  const apnsCertificates = new ApnsCertificateService({ db: d.db, store: stores.apnsCertificates, secrets: d.secrets, logger });
  // A push certificate that cannot be opened must not stop the server (or `slate apns set-cert`).
  await apnsCertificates.refresh().catch((err) => logger.error({ err }, 'cannot load the APNs push certificate'));
  const apns = new Http2ApnsClient({ url: config.apple.apnsUrl, ca: readCaFile(config.apple.apnsCaFile), concurrency: config.apple.apnsConcurrency, logger });
  const push = new PushService({
    db: d.db, outbox: stores.pushOutbox, appleDevices: stores.appleDevices,
    certificates: development ? withDevelopmentTopic(apnsCertificates) : apnsCertificates,
    client: development ? new DevelopmentApnsClient(apns) : apns,
    onPushed: (ids, at) => stores.commands.markPushed(d.db, ids, at), onResults: d.onResults, logger,
    rate: config.apple.apnsRate, pushTtlMs: config.apple.apnsPushTtlMs, pollIntervalMs: config.apple.apnsPollIntervalMs,
    claimRound: () => stores.taskRuns.claim(d.db, 'push-dispatch', new Date(), config.apple.apnsPollIntervalMs),
  });
  const pushTopic = () => apnsCertificates.current()?.topic ?? (development ? DEVELOPMENT_TOPIC : null);
  return { apnsCertificates, push, pushTopic };
}

function readCaFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('config_invalid', `APNS_CA_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
