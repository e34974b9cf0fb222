import type { Config } from '../config';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/database';
import type { Stores } from '../db/stores';
import type { Logger } from '../log/logger';
import { generateKey, spkiDer } from '../pki/keys';
import type { Responder } from '../pki/scep-message';
import { buildName, derToPem, parseCertificate } from '../pki/x509';
import { loadCa, opened, seal, type CaMaterial } from './ca-loader';
import { CertificateAuthority } from './certificate-authority';

const RA_VALIDITY_MS = 2 * 365 * 24 * 3600 * 1000;
const RA_RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** Builds the certificate authority for app.ts: loads or creates the CA and, for an EC CA, its SCEP RA. */
export async function createCertificateAuthority(deps: {
  config: Config; db: Db; stores: Pick<Stores, 'certificates' | 'scepChallenges' | 'authorityKeys'>; secrets: SecretBox; logger: Logger; now?: () => Date;
}): Promise<CertificateAuthority> {
  const now = deps.now ?? (() => new Date());
  const ca = await loadCa({
    pki: deps.config.pki, certsDir: deps.config.certsDir, db: deps.db, store: deps.stores.authorityKeys, certificates: deps.stores.certificates,
    secrets: deps.secrets, logger: deps.logger, now: now(),
  });
  const build = (scep: Responder) => new CertificateAuthority({
    config: deps.config.pki, ca, scep, db: deps.db, certificates: deps.stores.certificates, challenges: deps.stores.scepChallenges,
    logger: deps.logger, verifiedCacheSize: deps.config.caches.verifiedCertificates, now,
  });
  const bootstrap = build({ cert: ca.cert, key: ca.key, chain: ca.chain });
  if (ca.key.asymmetricKeyType === 'rsa') return bootstrap;
  return build(await ensureScepRa(ca, bootstrap, deps.db, deps.stores.authorityKeys, deps.config.pki.caCommonName, deps.secrets, now()));
}

/**
 * SCEP encrypts requests to the CA's key with RSA key transport (RFC 8894 §3.5.2), which an EC CA
 * cannot do, so an EC CA answers SCEP through an RSA RA certificate it issued.
 */
async function ensureScepRa(ca: CaMaterial, authority: CertificateAuthority, db: Db, store: Stores['authorityKeys'], caName: string, secrets: SecretBox, now: Date): Promise<Responder> {
  const stored = await store.get(db, 'scep-ra');
  if (stored) {
    const ra = opened(secrets, stored, 'loaded');
    const x = parseCertificate(ra.cert);
    const fresh = new Date(x.validTo).getTime() - now.getTime() > RA_RENEW_BEFORE_MS;
    if (fresh && x.checkIssued(parseCertificate(ca.cert)) && x.verify(parseCertificate(ca.cert).publicKey)) {
      return { cert: ra.cert, key: ra.key, chain: [ca.cert, ...ca.chain] };
    }
  }
  const key = generateKey('rsa2048');
  const cert = await db.transaction(async (tx) => {
    const issued = await authority.issue(tx, 'scep-ra', { subject: buildName({ commonName: `${caName} SCEP RA` }), spki: spkiDer(key), validityMs: RA_VALIDITY_MS, now }, {}, null);
    // Two processes renewing at once each store theirs; either is the CA's, so the last one is as good.
    await store.put(tx, { name: 'scep-ra', certPem: derToPem(issued), keySealed: seal(secrets, key), source: 'created', createdAt: now });
    return issued;
  });
  return { cert, key, chain: [ca.cert, ...ca.chain] };
}
