import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config';
import type { SecretBox } from '../crypto/secret-box';
import type { Stores } from '../db/stores';
import type { Logger } from '../log/logger';
import { loadOrCreateCa, openSealed, readCertificates, writeSealed, type CaMaterial } from './ca-loader';
import { generateKey, spkiDer } from './keys';
import { PkiService } from './pki.service';
import type { Responder } from './scep-message';
import { buildName, derToPem, parseCertificate } from './x509';

const RA_VALIDITY_MS = 2 * 365 * 24 * 3600 * 1000;
const RA_RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** Builds the PKI service for app.ts: loads or creates the CA and, for an EC CA, its SCEP RA. */
export async function createPkiService(deps: { config: Config; stores: Pick<Stores, 'certificates' | 'scepChallenges'>; secrets: SecretBox; logger: Logger; now?: () => Date }): Promise<PkiService> {
  const now = deps.now ?? (() => new Date());
  const ca = loadOrCreateCa(deps.config.pki, deps.config.certsDir, deps.secrets, now());
  if (ca.source === 'created') deps.logger.info({ certsDir: deps.config.certsDir }, 'development CA created');
  const bootstrap = new PkiService({ config: deps.config.pki, ca, scep: { cert: ca.cert, key: ca.key, chain: ca.chain }, certificates: deps.stores.certificates, challenges: deps.stores.scepChallenges, logger: deps.logger, now });
  if (ca.key.asymmetricKeyType === 'rsa') return bootstrap;
  const scep = await ensureScepRa(ca, bootstrap, deps.config.certsDir, deps.config.pki.caCommonName, deps.secrets, now());
  return new PkiService({ config: deps.config.pki, ca, scep, certificates: deps.stores.certificates, challenges: deps.stores.scepChallenges, logger: deps.logger, now });
}

/**
 * SCEP encrypts requests to the CA's key with RSA key transport (RFC 8894 §3.5.2), which an EC CA
 * cannot do, so an EC CA answers SCEP through an RSA RA certificate it issued.
 */
async function ensureScepRa(ca: CaMaterial, pki: PkiService, certsDir: string, caName: string, secrets: SecretBox, now: Date): Promise<Responder> {
  const certPath = join(certsDir, 'scep-ra.pem');
  const keyPath = join(certsDir, 'scep-ra.key.sealed');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readCertificates(certPath)[0]!;
    const x = parseCertificate(cert);
    const fresh = new Date(x.validTo).getTime() - now.getTime() > RA_RENEW_BEFORE_MS;
    if (fresh && x.checkIssued(parseCertificate(ca.cert)) && x.verify(parseCertificate(ca.cert).publicKey)) {
      return { cert, key: openSealed(secrets, keyPath), chain: [ca.cert, ...ca.chain] };
    }
  }
  const key = generateKey('rsa2048');
  const cert = await pki.issue('scep-ra', { subject: buildName({ commonName: `${caName} SCEP RA` }), spki: spkiDer(key), validityMs: RA_VALIDITY_MS, now }, {}, null);
  writeSealed(secrets, certsDir, keyPath, key);
  writeFileSync(certPath, derToPem(cert));
  return { cert, key, chain: [ca.cert, ...ca.chain] };
}
