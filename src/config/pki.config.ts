import { z } from 'zod';
import { duration } from './schema';

/** Certificate authority and SCEP. */
export const pkiEnv = {
  /** Operator-provided CA (or intermediate) certificate, PEM. Without it a development CA is created in CERTS_DIR. */
  CA_CERT_FILE: z.string().optional(),
  /** Its private key, PEM; imported once and then kept encrypted with SECRET_KEY. */
  CA_KEY_FILE: z.string().optional(),
  /** Key type of a CA Slate creates: rsa2048 or p256. */
  CA_KEY_ALGORITHM: z.enum(['rsa2048', 'p256']).default('rsa2048'),
  /** Subject common name of a CA Slate creates. */
  CA_COMMON_NAME: z.string().default('Slate Device CA'),
  /** Organisation in subjects Slate writes. */
  CA_ORGANIZATION: z.string().default('Slate MDM'),
  /** Validity of device identity certificates. */
  DEVICE_CERT_VALIDITY: duration('365d'),
  /** Lifetime of a SCEP challenge handed out in an enrolment profile. */
  SCEP_CHALLENGE_TTL: duration('1h'),
};

type PkiEnv = z.infer<z.ZodObject<typeof pkiEnv>>;

export interface PkiConfig {
  caCertFile: string | undefined;
  caKeyFile: string | undefined;
  caKeyAlgorithm: 'rsa2048' | 'p256';
  caCommonName: string;
  organization: string;
  deviceCertValidityMs: number;
  scepChallengeTtlMs: number;
}

export function pkiConfig(e: PkiEnv): PkiConfig {
  return {
    caCertFile: e.CA_CERT_FILE,
    caKeyFile: e.CA_KEY_FILE,
    caKeyAlgorithm: e.CA_KEY_ALGORITHM,
    caCommonName: e.CA_COMMON_NAME,
    organization: e.CA_ORGANIZATION,
    deviceCertValidityMs: e.DEVICE_CERT_VALIDITY,
    scepChallengeTtlMs: e.SCEP_CHALLENGE_TTL,
  };
}
