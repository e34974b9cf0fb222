import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { PkiConfig } from '../config/pki.config';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/database';
import type { AuthorityKeyRecord, AuthorityKeyStore, CertificateStore } from '../db/stores';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { generateKey, privateKeyFromPem, spkiDer } from '../pki/keys';
import { certificateParts, derToPem, fingerprintOf, parseCertificate, pemToDers, selfSignedCa } from '../pki/x509';

/** The signing CA: its certificate, its key (in memory only), and any certificates above it. */
export interface CaMaterial {
  cert: Buffer;
  key: KeyObject;
  /** Issuers above `cert` (operator intermediates); empty for a self-signed CA. */
  chain: Buffer[];
  /** created: on this start; loaded: created earlier; operator: CA_CERT_FILE. */
  source: 'created' | 'loaded' | 'operator';
}

export interface CaLoaderDeps {
  pki: PkiConfig;
  /** Where Slate before migration 0012 kept ca.pem and ca.key.sealed (read once, to move them). */
  certsDir: string;
  db: Db;
  store: AuthorityKeyStore;
  certificates: Pick<CertificateStore, 'list'>;
  secrets: SecretBox;
  logger: Logger;
  now: Date;
}

const CA_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;

/** The one line a start without a CA to use, and no permission to create one, ends with. */
export const CA_MISSING = 'CA_CERT_FILE/CA_KEY_FILE: not set, and production creates no CA of its own (give the authority\'s CA, or CA_CREATE=true to have Slate create one)';

/**
 * Loads the CA from the database, or puts one there: the operator's (CA_CERT_FILE + CA_KEY_FILE,
 * imported once: the key is then kept sealed with SECRET_KEY, and the key file may go), or one
 * Slate creates (development, or CA_CREATE=true). Every process on the database uses the same CA,
 * and a new database gets its own, whatever CERTS_DIR holds.
 */
export async function loadCa(d: CaLoaderDeps): Promise<CaMaterial> {
  const stored = await d.store.get(d.db, 'ca');
  if (d.pki.caCertFile) return operatorCa(d, d.pki.caCertFile, stored);
  if (stored) return checked(opened(d.secrets, stored, stored.source === 'operator' ? 'operator' : 'loaded'));
  const moved = await legacyCa(d);
  if (moved) return moved;
  if (!d.pki.caCreate) throw new AppError('config_invalid', CA_MISSING);
  const key = generateKey(d.pki.caKeyAlgorithm);
  const cert = selfSignedCa(key, { commonName: d.pki.caCommonName, organization: d.pki.organization }, CA_VALIDITY_MS, d.now);
  const mine: AuthorityKeyRecord = { name: 'ca', certPem: derToPem(cert), keySealed: seal(d.secrets, key), source: 'created', createdAt: d.now };
  const kept = await d.store.insertIfAbsent(d.db, mine);
  // Another process created one first: use that one, as every other process will.
  if (kept.keySealed !== mine.keySealed) return checked(opened(d.secrets, kept, 'loaded'));
  d.logger.info({ fingerprint: fingerprintOf(cert) }, 'development CA created');
  return { cert, key, chain: [], source: 'created' };
}

async function operatorCa(d: CaLoaderDeps, certFile: string, stored: AuthorityKeyRecord | null): Promise<CaMaterial> {
  const certs = readCertificates(certFile);
  const cert = certs[0]!;
  if (stored && pemToDers(stored.certPem)[0]!.equals(cert)) {
    return checked({ ...opened(d.secrets, stored, 'operator'), chain: certs.slice(1) });
  }
  const key = operatorKey(d, cert);
  if (stored) d.logger.warn({ previous: stored.source }, 'CA_CERT_FILE replaces the CA in the database: devices enrolled under the previous CA must enrol again');
  const material = checked({ cert, key, chain: certs.slice(1), source: 'operator' });
  await d.store.put(d.db, { name: 'ca', certPem: certs.map(derToPem).join(''), keySealed: seal(d.secrets, key), source: 'operator', createdAt: d.now });
  d.logger.info({ fingerprint: fingerprintOf(cert) }, 'operator CA imported into the database (CA_KEY_FILE is no longer needed)');
  return material;
}

/** The operator CA's key: CA_KEY_FILE, or the key an earlier Slate sealed into CERTS_DIR. */
function operatorKey(d: CaLoaderDeps, cert: Buffer): KeyObject {
  if (d.pki.caKeyFile) {
    const key = privateKeyFromPem(readFileSync(d.pki.caKeyFile));
    if (!keyMatches(cert, key)) throw new AppError('config_invalid', 'CA_KEY_FILE does not belong to CA_CERT_FILE');
    return key;
  }
  const sealed = legacyPaths(d.certsDir).sealedKey;
  const key = existsSync(sealed) ? openFile(d.secrets, sealed) : undefined;
  if (key && keyMatches(cert, key)) return key;
  throw new AppError('config_invalid', 'CA_CERT_FILE is set but its key is neither in the database nor given in CA_KEY_FILE');
}

const legacyPaths = (certsDir: string) => ({ cert: join(certsDir, 'ca.pem'), sealedKey: join(certsDir, 'ca.key.sealed') });

/**
 * A CA that a Slate before migration 0012 kept in CERTS_DIR, moved into the database it belongs
 * to: one that has issued certificates but holds no CA. A database without certificates gets a
 * CA of its own instead: files in CERTS_DIR may well be another database's, sealed under its key
 * (the DATABASE_URL one-liner of issue #11 failed on exactly that).
 */
async function legacyCa(d: CaLoaderDeps): Promise<CaMaterial | null> {
  const paths = legacyPaths(d.certsDir);
  if (!existsSync(paths.cert) || !existsSync(paths.sealedKey)) return null;
  if ((await d.certificates.list(d.db, { includeRevoked: true, limit: 1 })).length === 0) return null;
  const certs = readCertificates(paths.cert);
  const key = openFile(d.secrets, paths.sealedKey);
  if (!keyMatches(certs[0]!, key)) throw new AppError('config_invalid', `${paths.sealedKey} does not belong to ${paths.cert}`);
  await d.store.insertIfAbsent(d.db, { name: 'ca', certPem: certs.map(derToPem).join(''), keySealed: seal(d.secrets, key), source: 'created', createdAt: d.now });
  d.logger.info({ from: d.certsDir }, 'CA moved from CERTS_DIR into the database');
  return checked({ cert: certs[0]!, key, chain: certs.slice(1), source: 'loaded' });
}

export function readCertificates(file: string): Buffer[] {
  const raw = readFileSync(file);
  const text = raw.toString('latin1');
  const certs = text.includes('-----BEGIN CERTIFICATE-----') ? pemToDers(text) : [raw];
  if (certs.length === 0) throw new AppError('config_invalid', `${file}: no certificate`);
  for (const c of certs) parseCertificate(c);
  return certs;
}

/** A key and certificate stored in authority_keys, opened with SECRET_KEY. */
export function opened(secrets: SecretBox, rec: AuthorityKeyRecord, source: CaMaterial['source']): CaMaterial {
  const certs = pemToDers(rec.certPem);
  let key: KeyObject;
  try {
    key = privateKeyFromPem(secrets.open('ca-key', rec.keySealed));
  } catch (err) {
    throw new AppError('config_invalid', `SECRET_KEY: cannot open the ${rec.name === 'ca' ? 'CA' : 'SCEP responder'} key stored in the database (sealed under another key)`, { cause: err });
  }
  if (!keyMatches(certs[0]!, key)) throw new AppError('config_invalid', `authority_keys: the stored ${rec.name} key does not belong to its certificate`);
  return { cert: certs[0]!, key, chain: certs.slice(1), source };
}

export function seal(secrets: SecretBox, key: KeyObject): string {
  return secrets.seal('ca-key', key.export({ type: 'pkcs8', format: 'pem' }) as string);
}

function openFile(secrets: SecretBox, file: string): KeyObject {
  try {
    return privateKeyFromPem(secrets.open('ca-key', readFileSync(file, 'utf8').trim()));
  } catch (err) {
    throw new AppError('config_invalid', `${file}: cannot open with this SECRET_KEY (sealed under another key, or another DATA_DIR's generated key?)`, { cause: err });
  }
}

export function keyMatches(cert: Buffer, key: KeyObject): boolean {
  return certificateParts(cert).spki.equals(spkiDer(key));
}

function checked(m: CaMaterial): CaMaterial {
  if (!parseCertificate(m.cert).ca) throw new AppError('config_invalid', 'CA certificate is not a CA (basicConstraints cA missing)');
  return m;
}
