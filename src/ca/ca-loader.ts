import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { PkiConfig } from '../config/pki.config';
import type { SecretBox } from '../crypto/secret-box';
import { AppError } from '../errors';
import { generateKey, privateKeyFromPem, spkiDer } from '../pki/keys';
import { certificateParts, derToPem, parseCertificate, pemToDers, selfSignedCa } from '../pki/x509';

/** The signing CA: its certificate, its key (in memory only), and any certificates above it. */
export interface CaMaterial {
  cert: Buffer;
  key: KeyObject;
  /** Issuers above `cert` (operator intermediates); empty for a self-signed CA. */
  chain: Buffer[];
  source: 'created' | 'loaded' | 'operator';
}

const CA_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;

export const caPaths = (certsDir: string) => ({ cert: join(certsDir, 'ca.pem'), sealedKey: join(certsDir, 'ca.key.sealed') });

/**
 * Loads the CA, or creates a development CA on first start. An operator CA (CA_CERT_FILE +
 * CA_KEY_FILE) is imported once: its key is then kept as `ca.key.sealed` (SecretBox, SECRET_KEY),
 * so the plaintext key file can be removed after the first start.
 */
export function loadOrCreateCa(cfg: PkiConfig, certsDir: string, secrets: SecretBox, now = new Date()): CaMaterial {
  const paths = caPaths(certsDir);
  if (cfg.caCertFile) {
    const certs = readCertificates(cfg.caCertFile);
    const cert = certs[0]!;
    const key = existsSync(paths.sealedKey) ? openSealed(secrets, paths.sealedKey) : undefined;
    if (key && keyMatches(cert, key)) return checked({ cert, key, chain: certs.slice(1), source: 'operator' });
    if (!cfg.caKeyFile) throw new AppError('config_invalid', 'CA_CERT_FILE is set but its key is neither sealed in CERTS_DIR nor given in CA_KEY_FILE');
    const imported = privateKeyFromPem(readFileSync(cfg.caKeyFile));
    if (!keyMatches(cert, imported)) throw new AppError('config_invalid', 'CA_KEY_FILE does not belong to CA_CERT_FILE');
    writeSealed(secrets, certsDir, paths.sealedKey, imported);
    return checked({ cert, key: imported, chain: certs.slice(1), source: 'operator' });
  }
  const haveCert = existsSync(paths.cert);
  const haveKey = existsSync(paths.sealedKey);
  if (haveCert && haveKey) {
    const certs = readCertificates(paths.cert);
    const key = openSealed(secrets, paths.sealedKey);
    if (!keyMatches(certs[0]!, key)) throw new AppError('config_invalid', `${paths.sealedKey} does not belong to ${paths.cert}`);
    return checked({ cert: certs[0]!, key, chain: certs.slice(1), source: 'loaded' });
  }
  if (haveCert || haveKey) throw new AppError('config_invalid', `CERTS_DIR holds only one of ca.pem and ca.key.sealed; restore the other or remove both`);
  const key = generateKey(cfg.caKeyAlgorithm);
  const cert = selfSignedCa(key, { commonName: cfg.caCommonName, organization: cfg.organization }, CA_VALIDITY_MS, now);
  writeSealed(secrets, certsDir, paths.sealedKey, key);
  writeFileSync(paths.cert, derToPem(cert));
  return { cert, key, chain: [], source: 'created' };
}

export function readCertificates(file: string): Buffer[] {
  const raw = readFileSync(file);
  const text = raw.toString('latin1');
  const certs = text.includes('-----BEGIN CERTIFICATE-----') ? pemToDers(text) : [raw];
  if (certs.length === 0) throw new AppError('config_invalid', `${file}: no certificate`);
  for (const c of certs) parseCertificate(c);
  return certs;
}

export function openSealed(secrets: SecretBox, file: string): KeyObject {
  try {
    return privateKeyFromPem(secrets.open('ca-key', readFileSync(file, 'utf8').trim()));
  } catch (err) {
    throw new AppError('config_invalid', `${file}: cannot open with this SECRET_KEY (sealed under another key, or another DATA_DIR's generated key?)`, { cause: err });
  }
}

export function writeSealed(secrets: SecretBox, dir: string, file: string, key: KeyObject): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
  writeFileSync(file, secrets.seal('ca-key', pem) + '\n', { mode: 0o600 });
}

function keyMatches(cert: Buffer, key: KeyObject): boolean {
  return certificateParts(cert).spki.equals(spkiDer(key));
}

function checked(m: CaMaterial): CaMaterial {
  if (!parseCertificate(m.cert).ca) throw new AppError('config_invalid', 'CA certificate is not a CA (basicConstraints cA missing)');
  return m;
}
