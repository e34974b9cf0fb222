import { z } from 'zod';
import { AppError } from '../errors';
// A plain IP/CIDR matcher; its name is from its first use (CLIENT_CERT_TRUSTED_PROXIES).
import { TrustedProxies as AddressList } from './trusted-proxies';

/** `/metrics` (Prometheus): who may read it. Metrics reveal fleet sizes, so production keeps it closed by default. */
export const metricsEnv = {
  /** Bearer token a scraper sends (`Authorization: Bearer ...`); at least 16 characters. Also as METRICS_TOKEN_FILE. */
  METRICS_TOKEN: z.string().optional(),
  /** Peers (IPs or CIDRs, comma-separated) that may read /metrics without the token; matched against the TCP peer, never a forwarded header. */
  METRICS_ALLOW: z.string().optional(),
};

type MetricsEnv = z.infer<z.ZodObject<typeof metricsEnv>>;

/**
 * - `off`: /metrics answers 404 (production with neither METRICS_TOKEN nor METRICS_ALLOW).
 * - `open`: anyone who reaches the port (development and test with neither set).
 * - `restricted`: a peer in METRICS_ALLOW, or a request with the bearer token.
 */
export type MetricsAccessMode = 'off' | 'open' | 'restricted';

export interface MetricsConfig {
  access: MetricsAccessMode;
  token: string | undefined;
  allow: AddressList;
}

export function metricsConfig(e: MetricsEnv & { NODE_ENV: string }): MetricsConfig {
  if (e.METRICS_TOKEN !== undefined && e.METRICS_TOKEN.length < 16) {
    throw new AppError('config_invalid', 'METRICS_TOKEN: expected at least 16 characters (e.g. openssl rand -hex 24)');
  }
  let allow: AddressList;
  try {
    allow = AddressList.parse(e.METRICS_ALLOW);
  } catch (err) {
    throw new AppError('config_invalid', `METRICS_ALLOW: ${(err as Error).message}`);
  }
  const restricted = e.METRICS_TOKEN !== undefined || !allow.empty;
  const access: MetricsAccessMode = restricted ? 'restricted' : e.NODE_ENV === 'production' ? 'off' : 'open';
  return { access, token: e.METRICS_TOKEN, allow };
}
