import { z } from 'zod';
import { duration, optionalBool } from './schema';

/** Certificate authority and SCEP. */
export const pkiEnv = {
  /** Operator-provided CA (or intermediate) certificate, PEM. Without it Slate creates a CA (development, or CA_CREATE=true). */
  CA_CERT_FILE: z.string().optional(),
  /** Its private key, PEM; imported once into the database and then kept encrypted with SECRET_KEY. */
  CA_KEY_FILE: z.string().optional(),
  /** Let Slate create its own CA when the database holds none and CA_CERT_FILE is not set. Default: true, except in production. */
  CA_CREATE: optionalBool,
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
  /** CA_CREATE, with its default for NODE_ENV applied. */
  caCreate: boolean;
  caKeyAlgorithm: 'rsa2048' | 'p256';
  caCommonName: string;
  organization: string;
  deviceCertValidityMs: number;
  scepChallengeTtlMs: number;
}

export function pkiConfig(e: PkiEnv, nodeEnv: string): PkiConfig {
  return {
    caCertFile: e.CA_CERT_FILE,
    caKeyFile: e.CA_KEY_FILE,
    // Production creates no CA by itself: a CA nobody chose would sign every device identity.
    caCreate: e.CA_CREATE ?? nodeEnv !== 'production',
    caKeyAlgorithm: e.CA_KEY_ALGORITHM,
    caCommonName: e.CA_COMMON_NAME,
    organization: e.CA_ORGANIZATION,
    deviceCertValidityMs: e.DEVICE_CERT_VALIDITY,
    scepChallengeTtlMs: e.SCEP_CHALLENGE_TTL,
  };
}
