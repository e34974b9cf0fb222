import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/database';
import type { Stores } from '../db/stores';
import type { Logger } from '../log/logger';
import { generateKey, spkiDer } from '../pki/keys';
import type { Responder } from '../pki/scep-message';
import { buildName, derToPem, parseCertificate } from '../pki/x509';
import { loadOrCreateCa, openSealed, readCertificates, writeSealed, type CaMaterial } from './ca-loader';
import { CertificateAuthority } from './certificate-authority';

const RA_VALIDITY_MS = 2 * 365 * 24 * 3600 * 1000;
const RA_RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** Builds the certificate authority for app.ts: loads or creates the CA and, for an EC CA, its SCEP RA. */
export async function createCertificateAuthority(deps: { config: Config; db: Db; stores: Pick<Stores, 'certificates' | 'scepChallenges'>; secrets: SecretBox; logger: Logger; now?: () => Date }): Promise<CertificateAuthority> {
  const now = deps.now ?? (() => new Date());
  const ca = loadOrCreateCa(deps.config.pki, deps.config.certsDir, deps.secrets, now());
  if (ca.source === 'created') deps.logger.info({ certsDir: deps.config.certsDir }, 'development CA created');
  const build = (scep: Responder) => new CertificateAuthority({
    config: deps.config.pki, ca, scep, db: deps.db, certificates: deps.stores.certificates, challenges: deps.stores.scepChallenges,
    logger: deps.logger, verifiedCacheSize: deps.config.caches.verifiedCertificates, now,
  });
  const bootstrap = build({ cert: ca.cert, key: ca.key, chain: ca.chain });
  if (ca.key.asymmetricKeyType === 'rsa') return bootstrap;
  return build(await ensureScepRa(ca, bootstrap, deps.db, deps.config.certsDir, deps.config.pki.caCommonName, deps.secrets, now()));
}

/**
 * SCEP encrypts requests to the CA's key with RSA key transport (RFC 8894 §3.5.2), which an EC CA
 * cannot do, so an EC CA answers SCEP through an RSA RA certificate it issued.
 */
async function ensureScepRa(ca: CaMaterial, authority: CertificateAuthority, db: Db, certsDir: string, caName: string, secrets: SecretBox, now: Date): Promise<Responder> {
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
  const cert = await db.transaction((tx) => authority.issue(tx, 'scep-ra', { subject: buildName({ commonName: `${caName} SCEP RA` }), spki: spkiDer(key), validityMs: RA_VALIDITY_MS, now }, {}, null));
  writeSealed(secrets, certsDir, keyPath, key);
  writeFileSync(certPath, derToPem(cert));
  return { cert, key, chain: [ca.cert, ...ca.chain] };
}
