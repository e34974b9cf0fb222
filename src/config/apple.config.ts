import { z } from 'zod';
import { TrustedProxies } from './trusted-proxies';
import { AppError } from '../errors';
import { bool, duration, httpUrl, positiveInt } from './schema';

/** Apple MDM: enrolment, device authentication, command queue, APNs. */
export const appleEnv = {
  /** Serve `?unsigned=1` enrolment profiles (development only; never in production). */
  ENROLL_ALLOW_UNSIGNED: bool(false),
  /** Default lifetime of an enrolment link. */
  ENROLL_TOKEN_TTL: duration('14d'),
  /** Uses of an enrolment link unless `--max-uses` says otherwise (a class set with spares); 0: unlimited. */
  ENROLL_TOKEN_MAX_USES: z.string().default('40').refine((s) => /^\d{1,6}$/.test(s), 'expected 0 (unlimited) or a positive integer').transform(Number),
  /** Accept a client certificate forwarded by the TLS proxy in this header (RFC 9440 `Client-Cert`); empty: off. */
  CLIENT_CERT_HEADER: z.string().optional(),
  /** The TLS proxies (IPs or CIDRs, comma-separated) whose CLIENT_CERT_HEADER is believed; from anyone else it is ignored. */
  CLIENT_CERT_TRUSTED_PROXIES: z.string().optional(),
  /** Renew a device's identity certificate this long before it expires (the enrolment profile is re-sent). */
  DEVICE_CERT_RENEW_BEFORE: duration('30d'),
  /** Keep command history (answers, errors) this long. */
  COMMAND_HISTORY_RETENTION: duration('365d'),
  /** express `trust proxy` setting (e.g. `loopback` or a CIDR list) when Slate sits behind a proxy. */
  TRUST_PROXY: z.string().optional(),
  /** How long a queued command may wait before it expires. */
  COMMAND_TTL: duration('30d'),
  /** APNs endpoint (production: https://api.push.apple.com; sandbox: https://api.sandbox.push.apple.com). */
  APNS_URL: httpUrl.default('https://api.push.apple.com'),
  /** Pushes per second the dispatcher sends at most. */
  APNS_RATE: positiveInt(500),
  /** Concurrent HTTP/2 streams per APNs session. */
  APNS_CONCURRENCY: positiveInt(100),
  /** How long APNs keeps an undelivered push for an offline device (apns-expiration = now + this). */
  APNS_PUSH_TTL: duration('7d'),
  /** How often the push dispatcher looks for pushes left behind (retries, crash recovery, other processes). */
  APNS_POLL_INTERVAL: duration('10s'),
  /** Extra PEM CA certificate to trust for APNS_URL besides the system roots (tests against a fake APNs). */
  APNS_CA_FILE: z.string().optional(),
};

type AppleEnv = z.infer<z.ZodObject<typeof appleEnv>>;

export interface AppleConfig {
  allowUnsignedEnrollment: boolean;
  enrollTokenTtlMs: number;
  enrollTokenMaxUses: number;
  clientCertHeader: string | undefined;
  /** Parsed CLIENT_CERT_TRUSTED_PROXIES (empty: the header is never believed). */
  trustedProxies: TrustedProxies;
  renewBeforeMs: number;
  commandHistoryRetentionMs: number;
  trustProxy: string | undefined;
  commandTtlMs: number;
  apnsUrl: string;
  apnsRate: number;
  apnsConcurrency: number;
  apnsPushTtlMs: number;
  apnsPollIntervalMs: number;
  apnsCaFile: string | undefined;
}

export function appleConfig(e: AppleEnv): AppleConfig {
  return {
    allowUnsignedEnrollment: e.ENROLL_ALLOW_UNSIGNED,
    enrollTokenTtlMs: e.ENROLL_TOKEN_TTL,
    enrollTokenMaxUses: e.ENROLL_TOKEN_MAX_USES,
    clientCertHeader: e.CLIENT_CERT_HEADER?.toLowerCase(),
    trustedProxies: trustedProxies(e.CLIENT_CERT_HEADER, e.CLIENT_CERT_TRUSTED_PROXIES),
    renewBeforeMs: e.DEVICE_CERT_RENEW_BEFORE,
    commandHistoryRetentionMs: e.COMMAND_HISTORY_RETENTION,
    trustProxy: e.TRUST_PROXY,
    commandTtlMs: e.COMMAND_TTL,
    apnsUrl: e.APNS_URL.replace(/\/+$/, ''),
    apnsRate: e.APNS_RATE,
    apnsConcurrency: e.APNS_CONCURRENCY,
    apnsPushTtlMs: e.APNS_PUSH_TTL,
    apnsPollIntervalMs: e.APNS_POLL_INTERVAL,
    apnsCaFile: e.APNS_CA_FILE,
  };
}

/** A forwarded client certificate is only as good as the proxy that forwarded it: both or neither. */
function trustedProxies(header: string | undefined, spec: string | undefined): TrustedProxies {
  let parsed: TrustedProxies;
  try {
    parsed = TrustedProxies.parse(spec);
  } catch (err) {
    throw new AppError('config_invalid', `CLIENT_CERT_TRUSTED_PROXIES: ${(err as Error).message}`);
  }
  if (header && parsed.empty) throw new AppError('config_invalid', 'CLIENT_CERT_HEADER: set CLIENT_CERT_TRUSTED_PROXIES to the TLS proxies allowed to send it');
  return parsed;
}
