import { resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import { dropEmpty, Env, resolveFileVariants } from './env-source';
import { appleConfig, appleEnv, type AppleConfig } from './apple.config';
import { metricsConfig, metricsEnv, type MetricsConfig } from './metrics.config';
import { pkiConfig, pkiEnv, type PkiConfig } from './pki.config';
import { policyConfig, policyEnv, type PolicyConfig } from './policy.config';
import { adminConfig, adminEnv, type AdminConfig } from './admin.config';
import { bool, duration, httpUrl, optionalBool, port } from './schema';

/**
 * Every variable Slate reads, validated once at start-up. A bad value stops the process with one
 * line naming the variable (fail fast: a half-configured MDM silently mis-enrolls tablets).
 */
const schema = z.object({
  /** development | production | test. Production refuses unsafe defaults (generated SECRET_KEY). */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** TCP port the HTTP(S) server listens on. */
  PORT: port(8080),
  /** Interface to bind. */
  HOST: z.string().default('0.0.0.0'),
  /** Base URL devices and staff reach Slate at (behind the TLS proxy, if any). Default http://localhost:PORT. */
  PUBLIC_URL: httpUrl.optional(),
  /** Where SQLite, the development secret key and other local state live. */
  DATA_DIR: z.string().default('./data'),
  /** postgres://user@host:port/db for production; default: SQLite file DATA_DIR/slate.db. sqlite:PATH also works. */
  DATABASE_URL: z
    .string()
    .refine((s) => /^(postgres|postgresql):\/\//.test(s) || s.startsWith('sqlite:'), 'expected postgres://... or sqlite:PATH')
    .optional(),
  /** Postgres schema Slate's tables live in (default: the user's search_path, usually public). */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier').optional(),
  /** Pool size per process on Postgres. */
  /**
   * TransactionMisuseError checks on every database call (a statement on the pool inside an open
   * transaction). Default: on, except in production, where their promise hooks cost throughput.
   */
  DATABASE_TRANSACTION_GUARD: optionalBool,
  DATABASE_POOL_SIZE: z.string().default('10').refine((s) => /^\d+$/.test(s) && Number(s) > 0, 'expected a positive integer').transform(Number),
  /**
   * Entries per per-device cache (certificates checked against the CA, parsed certificates, last
   * contact writes): at least the fleet's size, or every request past it repeats work.
   */
  DEVICE_CACHE_SIZE: z.string().default('200000').refine((s) => /^\d+$/.test(s) && Number(s) >= 1000, 'expected an integer of at least 1000').transform(Number),
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 32-byte key (base64 or 64 hex chars) that encrypts secrets at rest. Generated into DATA_DIR in development; required in production. */
  SECRET_KEY: z.string().optional(),
  /** Built-in HTTPS: PEM certificate chain and key. Without them, run Slate behind a TLS proxy. */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  /**
   * Development only: serve HTTPS on PORT with a certificate for localhost from the development CA
   * (kept in CERTS_DIR), so iPads and `slate sim` can enrol at https://localhost:PORT. Default: on in
   * development without TLS_CERT_FILE; production refuses it.
   */
  DEV_TLS: optionalBool,
  /** Organisation tree imported on first start with an empty database. Default: the example (profiles/organisation.yaml), except in production. */
  ORG_FILE: z.string().optional(),
  /** Import ORG_FILE when the database holds no organisation yet. */
  ORG_IMPORT_ON_START: bool(true),
  /** Where the CA, push and signing certificates live. */
  CERTS_DIR: z.string().default('./certs'),
  /** Seconds to wait for in-flight requests on SIGTERM before closing connections. */
  SHUTDOWN_GRACE_SECONDS: z.string().default('10').refine((s) => /^\d+$/.test(s), 'expected whole seconds').transform(Number),
  /** How long check-in history is kept (pupils' data minimal: contact logs are not kept forever). */
  CHECKIN_RETENTION: duration('180d'),
  // Sections: each lives in its own file with one doc line per variable.
  ...pkiEnv,
  ...appleEnv,
  ...policyEnv,
  ...adminEnv,
  ...metricsEnv,
});

export type RawConfig = z.infer<typeof schema>;

export interface Config {
  env: RawConfig['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string;
  /** PUBLIC_URL was set (not derived from PORT): a CLI says so when the server announces another one. */
  publicUrlGiven: boolean;
  dataDir: string;
  /** transactionGuard: see DATABASE_TRANSACTION_GUARD (absent: on). */
  database: ({ kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; poolSize: number; schema?: string }) & { transactionGuard?: boolean };
  logLevel: RawConfig['LOG_LEVEL'];
  /** Raw SECRET_KEY as given; resolved to bytes by loadSecretKey (needs the filesystem). */
  secretKey: string | undefined;
  /** SECRET_KEY_FILE, when the key came from there (messages name the file an operator must fix). */
  secretKeyFile: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  /** HTTPS with the development certificate for localhost (DEV_TLS); never with `tls`. */
  devTls: boolean;
  /** ORG_FILE; production has no default (it never imports the example organisation). */
  orgFile: string | undefined;
  orgImportOnStart: boolean;
  certsDir: string;
  shutdownGraceMs: number;
  checkinRetentionMs: number;
  pki: PkiConfig;
  apple: AppleConfig;
  policy: PolicyConfig;
  admin: AdminConfig;
  metrics: MetricsConfig;
  /** Sizes of the per-device caches the composition root creates (DEVICE_CACHE_SIZE). */
  caches: { verifiedCertificates: number; contacts: number };
}

const SECRET_NAMES: readonly string[] = ['SECRET_KEY', 'DATABASE_URL', 'METRICS_TOKEN'];

export function loadConfig(processEnv: Env = process.env): Config {
  const env = dropEmpty(resolveFileVariants(processEnv, SECRET_NAMES));
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'config');
    const got = env[name];
    const shown = got === undefined || SECRET_NAMES.includes(name) ? '' : ` (got '${got}')`;
    throw new AppError('config_invalid', `${name}: ${issue.message}${shown}`);
  }
  const c = parsed.data;
  if ((c.TLS_CERT_FILE === undefined) !== (c.TLS_KEY_FILE === undefined)) {
    throw new AppError('config_invalid', 'TLS_CERT_FILE/TLS_KEY_FILE: set both or neither');
  }
  if (c.DEV_TLS && c.NODE_ENV === 'production') {
    throw new AppError('config_invalid', 'DEV_TLS: development only; in production put a TLS proxy in front of Slate or set TLS_CERT_FILE/TLS_KEY_FILE');
  }
  if (c.DEV_TLS && c.TLS_CERT_FILE) throw new AppError('config_invalid', 'DEV_TLS: set either DEV_TLS or TLS_CERT_FILE/TLS_KEY_FILE, not both');
  const devTls = c.DEV_TLS ?? (c.NODE_ENV === 'development' && c.TLS_CERT_FILE === undefined);
  const dataDir = resolve(c.DATA_DIR);
  const publicUrl = (c.PUBLIC_URL ?? `${devTls || c.TLS_CERT_FILE ? 'https' : 'http'}://localhost:${c.PORT}`).replace(/\/+$/, '');
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    publicUrl,
    publicUrlGiven: c.PUBLIC_URL !== undefined,
    dataDir,
    database: { ...databaseFrom(c.DATABASE_URL, dataDir, c.DATABASE_POOL_SIZE, c.DATABASE_SCHEMA), transactionGuard: c.DATABASE_TRANSACTION_GUARD ?? c.NODE_ENV !== 'production' },
    logLevel: c.LOG_LEVEL,
    secretKey: c.SECRET_KEY,
    secretKeyFile: c.SECRET_KEY === undefined ? undefined : dropEmpty(processEnv).SECRET_KEY_FILE,
    tls: c.TLS_CERT_FILE && c.TLS_KEY_FILE ? { certFile: c.TLS_CERT_FILE, keyFile: c.TLS_KEY_FILE } : undefined,
    devTls,
    orgFile: c.ORG_FILE ?? (c.NODE_ENV === 'production' ? undefined : 'profiles/organisation.yaml'),
    orgImportOnStart: c.ORG_IMPORT_ON_START,
    certsDir: resolve(c.CERTS_DIR),
    shutdownGraceMs: c.SHUTDOWN_GRACE_SECONDS * 1000,
    checkinRetentionMs: c.CHECKIN_RETENTION,
    pki: pkiConfig(c, c.NODE_ENV),
    apple: appleConfig(c),
    policy: policyConfig(c, env),
    admin: adminConfig(c, publicUrl),
    metrics: metricsConfig(c),
    caches: { verifiedCertificates: c.DEVICE_CACHE_SIZE, contacts: c.DEVICE_CACHE_SIZE },
  };
}

function databaseFrom(url: string | undefined, dataDir: string, poolSize: number, schema: string | undefined): Config['database'] {
  if (url === undefined) return { kind: 'sqlite', path: resolve(dataDir, 'slate.db') };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new AppError('config_invalid', 'DATABASE_URL: sqlite: needs a file path');
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  return { kind: 'postgres', url, poolSize, ...(schema ? { schema } : {}) };
}
