import { z } from 'zod';
import type { Env } from './env-source';
import { positiveInt } from './schema';

/** Policy catalog (#12): where it is read from, and how refusals are retried. */
export const policyEnv = {
  /** The catalog `slate profiles validate|plan|apply` read (format: profiles/README.md). */
  POLICY_CATALOG_DIR: z.string().default('profiles/catalog'),
  /** PayloadOrganization of profiles whose entry names none; may use {{municipality.*}} and {{school.*}}. */
  POLICY_ORGANIZATION: z.string().default('{{municipality.name}}'),
  /** Refusals of one profile or app version after which Slate stops retrying it on its own (backoff before: 15 min doubling to 1 day). */
  POLICY_MAX_ATTEMPTS: positiveInt(5),
};

type PolicyEnv = z.infer<z.ZodObject<typeof policyEnv>>;

export interface PolicyConfig {
  catalogDir: string;
  organization: string;
  maxAttempts: number;
  /**
   * `POLICY_SECRET_<NAME>[__<SCHOOL>]_FILE` variables as given: files only, so a Wi-Fi password
   * never sits in the environment (read by secretSourceFromEnv in src/policy).
   */
  secretFiles: Record<string, string>;
}

const SECRET_FILE = /^POLICY_SECRET_[A-Z0-9_]+_FILE$/;

export function policyConfig(e: PolicyEnv, env: Env): PolicyConfig {
  const secretFiles: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (SECRET_FILE.test(k) && v) secretFiles[k] = v;
  return { catalogDir: e.POLICY_CATALOG_DIR, organization: e.POLICY_ORGANIZATION, maxAttempts: e.POLICY_MAX_ATTEMPTS, secretFiles };
}
