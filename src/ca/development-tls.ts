import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/database';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { generateKey, spkiDer } from '../pki/keys';
import { buildName, derToPem } from '../pki/x509';
import type { CertificateAuthority } from './certificate-authority';

/** What the development certificate is valid for: this machine, by name and loopback address. */
const HOSTS = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] };
// Apple platforms refuse TLS server certificates valid longer than 398 days.
const VALIDITY_MS = 365 * 86_400_000;
const RENEW_BEFORE_MS = 30 * 86_400_000;

export const developmentTlsPaths = (certsDir: string) => ({ cert: join(certsDir, 'dev-tls.pem'), key: join(certsDir, 'dev-tls.key') });

/**
 * DEV_TLS: an HTTPS certificate for localhost issued by the development CA, so a development Slate
 * serves https://localhost:PORT itself; iPads trust it through the root payload of the enrolment
 * profile, `slate sim` by the CA it reads from the database. Kept in CERTS_DIR (a key for
 * localhost protects nothing worth sealing) and issued again when it nears its end or the CA changed.
 */
export async function developmentTls(ca: CertificateAuthority, db: Db, certsDir: string, env: string, logger: Logger, now = new Date()): Promise<{ cert: string; key: string }> {
  if (env === 'production') throw new AppError('config_invalid', 'DEV_TLS: development only');
  const paths = developmentTlsPaths(certsDir);
  if (existsSync(paths.cert) && existsSync(paths.key)) {
    const cert = readFileSync(paths.cert, 'utf8');
    if (usable(cert, ca, now)) return { cert, key: readFileSync(paths.key, 'utf8') };
  }
  const key = generateKey('rsa2048');
  const der = await db.transaction((tx) => ca.issue(tx, 'tls-server', {
    subject: buildName({ commonName: 'localhost', organization: 'Slate development' }), spki: spkiDer(key), validityMs: VALIDITY_MS, now, subjectAltNames: HOSTS,
  }, {}, null));
  const pem = { cert: derToPem(der) + ca.caCertificatePem(), key: key.export({ type: 'pkcs8', format: 'pem' }) as string };
  mkdirSync(certsDir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.key, pem.key, { mode: 0o600 });
  writeFileSync(paths.cert, pem.cert);
  logger.info({ file: paths.cert, hosts: [...HOSTS.dns, ...HOSTS.ip] }, 'development TLS certificate issued by the development CA');
  return pem;
}

function usable(pem: string, ca: CertificateAuthority, now: Date): boolean {
  try {
    const cert = new X509Certificate(pem);
    const issuer = new X509Certificate(ca.caCertificateDer());
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey) && new Date(cert.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}
