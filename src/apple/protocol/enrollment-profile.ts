import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../errors';
import { encodePlist } from './plist';
import { describeIssues } from './checkin';
import { profileProblems, type AppleSchemas } from '../schema';

/**
 * The enrolment profile (.mobileconfig) an iPad installs from /enroll/:token: an optional root CA
 * (so the device trusts Slate's TLS while it runs on the dev CA), a SCEP payload that makes the
 * device create its key and fetch its identity certificate, and the MDM payload that names that
 * identity, the push topic and Slate's URLs.
 * https://developer.apple.com/documentation/devicemanagement/mdm
 * https://developer.apple.com/documentation/devicemanagement/scep
 */
export interface EnrollmentProfileOptions {
  /** Reverse-DNS, stable per school/grade link (re-enrolling replaces instead of duplicating). */
  identifier: string;
  displayName: string;
  organization: string;
  description?: string;
  scep: {
    url: string;
    /** One-time challenge; a secret: the profile bytes must not be logged. */
    challenge: string;
    /** CN of the device's identity certificate: the per-enrolment identifier. */
    subjectCommonName: string;
    /** 2048 (default) or 4096; checked at runtime. */
    keySize?: number;
    /** Sent as GetCACert `message`; defaults to the profile identifier. */
    name?: string;
  };
  mdm: { topic: string; serverUrl: string; checkInUrl: string; accessRights?: number };
  /** DER of a CA the device must trust for Slate's TLS (dev CA); omitted with a public certificate. */
  rootCaDer?: Buffer;
}

/** All rights (1|2|4|...|4096): a school owns its tablets and manages them fully. */
export const ALL_ACCESS_RIGHTS = 8191;
/** Digital signature (1) and key encipherment (4): what the identity certificate is used for. */
const KEY_USAGE_SIGN_AND_ENCRYPT = 5;

const reverseDns = z.string().min(3).max(200).regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'reverse-DNS identifier');
const https = z.url({ protocol: /^https$/ });
const OPTIONS = z.object({
  identifier: reverseDns,
  displayName: z.string().min(1).max(200),
  organization: z.string().min(1).max(200),
  description: z.string().max(1000).optional(),
  scep: z.object({
    url: z.url({ protocol: /^https?$/ }),
    challenge: z.string().min(8).max(512),
    subjectCommonName: z.string().min(1).max(64),
    keySize: z.union([z.literal(2048), z.literal(4096)]).optional(),
    name: z.string().min(1).max(200).optional(),
  }),
  mdm: z.object({
    topic: z.string().regex(/^com\.apple\.mgmt\.[A-Za-z0-9.\-_]+$/, 'an APNs MDM topic (com.apple.mgmt.…)'),
    serverUrl: https,
    checkInUrl: https,
    accessRights: z.number().int().min(1).max(ALL_ACCESS_RIGHTS).optional(),
  }),
  rootCaDer: z.custom<Buffer>((v) => Buffer.isBuffer(v) && v.length > 0, 'DER bytes').optional(),
});

/** The profile as a plist value; fresh PayloadUUIDs on every call, stable identifiers. */
export function enrollmentProfilePayload(opts: EnrollmentProfileOptions): Record<string, unknown> {
  const parsed = OPTIONS.safeParse(opts);
  // Options come from Slate's config and stores, not from a request: a failure is a server fault.
  if (!parsed.success) throw new AppError('profile_invalid', `enrolment profile options: ${describeIssues(parsed.error)}`);
  const o = parsed.data;
  const scepUuid = randomUUID().toUpperCase();
  const payloads: Record<string, unknown>[] = [];
  if (o.rootCaDer) {
    payloads.push({
      ...common('com.apple.security.root', `${o.identifier}.ca`, `${o.organization} CA`, o.organization),
      PayloadCertificateFileName: 'slate-ca.cer',
      PayloadContent: o.rootCaDer,
    });
  }
  payloads.push({
    ...common('com.apple.security.scep', `${o.identifier}.scep`, 'Device identity', o.organization, scepUuid),
    PayloadContent: {
      URL: o.scep.url,
      Name: o.scep.name ?? o.identifier,
      Challenge: o.scep.challenge,
      Keysize: o.scep.keySize ?? 2048,
      'Key Type': 'RSA',
      'Key Usage': KEY_USAGE_SIGN_AND_ENCRYPT,
      Subject: [[['CN', o.scep.subjectCommonName]]],
    },
  });
  payloads.push({
    ...common('com.apple.mdm', `${o.identifier}.mdm`, 'Device management', o.organization),
    IdentityCertificateUUID: scepUuid,
    Topic: o.mdm.topic,
    ServerURL: o.mdm.serverUrl,
    CheckInURL: o.mdm.checkInUrl,
    SignMessage: true,
    AccessRights: o.mdm.accessRights ?? ALL_ACCESS_RIGHTS,
    CheckOutWhenRemoved: true,
    ServerCapabilities: ['com.apple.mdm.bootstraptoken'],
  });
  return {
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: o.identifier,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadDisplayName: o.displayName,
    PayloadOrganization: o.organization,
    PayloadDescription: o.description,
    PayloadContent: payloads,
  };
}

/**
 * The profile as plist bytes (unsigned; the enroll router signs them). With `schemas`, the profile
 * is checked against Apple's TopLevel and payload schemas first (profile_invalid on a mismatch).
 */
export function buildEnrollmentProfile(opts: EnrollmentProfileOptions, schemas?: AppleSchemas): Buffer {
  const profile = enrollmentProfilePayload(opts);
  if (schemas) {
    const problems = profileProblems(schemas, profile);
    if (problems.length) throw new AppError('profile_invalid', `enrolment profile does not match Apple's schema: ${problems.slice(0, 5).join('; ')}`);
  }
  return encodePlist(profile);
}

function common(type: string, identifier: string, displayName: string, organization: string, uuid = randomUUID().toUpperCase()) {
  return { PayloadType: type, PayloadVersion: 1, PayloadIdentifier: identifier, PayloadUUID: uuid, PayloadDisplayName: displayName, PayloadOrganization: organization };
}
