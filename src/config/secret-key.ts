import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../errors';
import type { Config } from './config';

/** Decodes a 32-byte key given as 64 hex characters or base64. */
export function decodeSecretKey(text: string, source: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new AppError('config_invalid', `${source}: expected 32 bytes as 64 hex characters or base64`);
  return key;
}

const secretKeyFile = (config: Config) => join(config.dataDir, 'secret.key');

/**
 * The key that encrypts secrets at rest (CA keys, unlock tokens, push keys). In development a key
 * is generated once into DATA_DIR so `npm start` works on a fresh machine; production must bring
 * its own, because a key that lives next to the database protects nothing.
 */
export function loadSecretKey(config: Config): Buffer {
  if (config.secretKey !== undefined) return decodeSecretKey(config.secretKey, 'SECRET_KEY');
  if (config.env === 'production') {
    throw new AppError('config_invalid', 'SECRET_KEY: required in production (32 bytes, base64 or hex; or SECRET_KEY_FILE)');
  }
  const file = secretKeyFile(config);
  if (existsSync(file)) return decodeSecretKey(readFileSync(file, 'utf8'), file);
  // Owner-only: the directory holds the secret key and (SQLite) the database.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/** Where the key comes from, as an operator would look for it: the name for one-line errors. */
export function secretKeyName(config: Config): string {
  if (config.secretKeyFile) return `SECRET_KEY_FILE (${config.secretKeyFile})`;
  if (config.secretKey !== undefined) return 'SECRET_KEY';
  return `SECRET_KEY (not set; the development key generated in ${secretKeyFile(config)})`;
}
