import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadSecretKey } from '../../../src/config';

const fail = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected loadConfig to fail');
};

describe('loadConfig', () => {
  it('has working defaults (SQLite in DATA_DIR)', () => {
    const c = loadConfig({ DATA_DIR: '/tmp/x' });
    expect(c.port).toBe(8080);
    expect(c.database).toEqual({ kind: 'sqlite', path: '/tmp/x/slate.db', transactionGuard: true });
    // Development serves HTTPS itself (DEV_TLS), so the default URL is one iPads accept.
    expect(c.publicUrl).toBe('https://localhost:8080');
    expect(c.devTls).toBe(true);
    expect(c.env).toBe('development');
  });

  it('DEV_TLS: on by default in development only, refused in production and next to TLS_CERT_FILE', () => {
    expect(loadConfig({ NODE_ENV: 'test' })).toMatchObject({ devTls: false, publicUrl: 'http://localhost:8080' });
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ devTls: false, publicUrl: 'http://localhost:8080' });
    expect(loadConfig({ DEV_TLS: 'false', PORT: '9000' })).toMatchObject({ devTls: false, publicUrl: 'http://localhost:9000' });
    expect(loadConfig({ TLS_CERT_FILE: '/a', TLS_KEY_FILE: '/b' })).toMatchObject({ devTls: false, publicUrl: 'https://localhost:8080' });
    expect(fail({ NODE_ENV: 'production', DEV_TLS: 'true' }).message).toBe('DEV_TLS: development only; in production put a TLS proxy in front of Slate or set TLS_CERT_FILE/TLS_KEY_FILE');
    expect(fail({ DEV_TLS: 'true', TLS_CERT_FILE: '/a', TLS_KEY_FILE: '/b' }).message).toMatch(/^DEV_TLS: /);
    expect(fail({ DEV_TLS: 'maybe' }).message).toMatch(/^DEV_TLS: expected true or false/);
  });

  it('DATABASE_TRANSACTION_GUARD: on except in production, either way on request', () => {
    expect(loadConfig({}).database.transactionGuard).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).database.transactionGuard).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).database.transactionGuard).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', DATABASE_TRANSACTION_GUARD: 'true' }).database.transactionGuard).toBe(true);
    expect(loadConfig({ DATABASE_TRANSACTION_GUARD: 'false' }).database.transactionGuard).toBe(false);
    expect(fail({ DATABASE_TRANSACTION_GUARD: 'sometimes' }).message).toMatch(/^DATABASE_TRANSACTION_GUARD: /);
  });

  it('CA_CREATE: Slate creates a CA by default except in production', () => {
    expect(loadConfig({}).pki.caCreate).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).pki.caCreate).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', CA_CREATE: 'true' }).pki.caCreate).toBe(true);
    expect(loadConfig({ CA_CREATE: 'no' }).pki.caCreate).toBe(false);
  });

  it('names the variable of a bad value', () => {
    expect(fail({ PORT: 'abc' })).toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/^PORT: .*'abc'/) });
    expect(fail({ PORT: '70000' }).message).toMatch(/^PORT:/);
    expect(fail({ PORT: '-1' }).message).toMatch(/^PORT:/);
    expect(fail({ LOG_LEVEL: 'loud' }).message).toMatch(/^LOG_LEVEL:/);
    expect(fail({ PUBLIC_URL: 'ftp://x' }).message).toMatch(/^PUBLIC_URL:/);
    expect(fail({ DATABASE_URL: 'mysql://x' }).message).toMatch(/^DATABASE_URL:/);
    expect(fail({ TLS_CERT_FILE: '/a' }).message).toMatch(/^TLS_CERT_FILE/);
  });

  it('never echoes secret values in errors', () => {
    const e = fail({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(e.message).not.toContain('hunter2');
  });

  it('reads *_FILE variants and refuses both forms at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slate-cfg-'));
    const file = join(dir, 'db');
    writeFileSync(file, 'postgres://postgres@127.0.0.1:5432/test\n');
    expect(loadConfig({ DATABASE_URL_FILE: file }).database).toMatchObject({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(fail({ DATABASE_URL_FILE: file, DATABASE_URL: 'postgres://x' }).message).toMatch(/^DATABASE_URL:/);
    expect(fail({ SECRET_KEY_FILE: join(dir, 'missing') }).message).toMatch(/^SECRET_KEY_FILE: cannot read/);
  });

  it('trims a trailing slash from PUBLIC_URL and treats empty values as unset', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://mdm.example.org/', PORT: '' }).publicUrl).toBe('https://mdm.example.org');
  });
});

describe('loadSecretKey', () => {
  it('generates a key once in development, with private permissions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slate-key-'));
    const c = loadConfig({ DATA_DIR: dir });
    const k1 = loadSecretKey(c);
    const k2 = loadSecretKey(c);
    expect(k1).toHaveLength(32);
    expect(k2.equals(k1)).toBe(true);
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(k1.toString('base64'));
  });

  it('requires SECRET_KEY in production and validates its length', () => {
    expect(() => loadSecretKey(loadConfig({ NODE_ENV: 'production' }))).toThrow(/^SECRET_KEY: required in production/);
    expect(() => loadSecretKey(loadConfig({ SECRET_KEY: 'abcd' }))).toThrow(/^SECRET_KEY: expected 32 bytes/);
    expect(loadSecretKey(loadConfig({ SECRET_KEY: 'ab'.repeat(32) }))).toEqual(Buffer.alloc(32, 0xab));
  });
});
