import { z } from 'zod';

/**
 * The catalog file format (profiles/catalog/*.yaml, documented in profiles/README.md). One file
 * holds one or more entries under `entries:`; a `.mobileconfig` with a sidecar `.scope.yaml`
 * becomes one entry. Apple payload keys are checked against Apple's own schemas afterwards
 * (catalog-checks.ts); this schema covers Slate's part.
 */
const code = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a code from the organisation file (a-z, 0-9, dot, dash, underscore)');
const codes = z.array(code).min(1);

/** Entry ids become part of PayloadIdentifier: keep them DNS-label-like and stable. */
export const ENTRY_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const entryId = z.string().regex(ENTRY_ID, 'lower-case letters, digits and dashes, at most 63 (it becomes part of PayloadIdentifier)');

const selectorShape = {
  municipalities: codes.optional(),
  schools: codes.optional(),
  grades: codes.optional(),
  /** Every school's grade of this level (3 = all grade-3 units), so one entry serves all schools. */
  gradeLevels: z.array(z.number().int().min(1).max(13)).min(1).optional(),
  classes: codes.optional(),
};
const includeSelector = z.object({ all: z.literal(true).optional(), ...selectorShape }).strict();
const excludeSelector = z.object(selectorShape).strict();

export const scopeSchema = z
  .object({ include: includeSelector, exclude: excludeSelector.optional() })
  .strict()
  .refine((s) => Object.values(s.include).some((v) => v !== undefined), { message: 'include names nobody: give all: true or municipalities, schools, grades, gradeLevels or classes', path: ['include'] });

const bundleId = z.string().min(1).max(255).regex(/^[A-Za-z0-9.\-_]+$/, 'a bundle identifier');
const plistDict = z.record(z.string(), z.unknown());

/** Slate sets these per payload (stable identifiers); a catalog may not. */
export const RESERVED_PAYLOAD_KEYS = ['PayloadIdentifier', 'PayloadUUID', 'PayloadVersion'] as const;

const payloadSchema = z.looseObject({ PayloadType: z.string().min(1).max(200) });

const appStoreApp = z
  .object({
    /** App Store id (the number in apps.apple.com/…/id361309726). */
    adamId: z.number().int().positive().max(99_999_999_999),
    /** What InstalledApplicationList reports, so Slate can see the app is there. */
    bundleId,
    name: z.string().min(1).max(200).optional(),
    /** Managed app configuration (com.apple.configuration.managed); variables allowed in values. */
    configuration: plistDict.optional(),
  })
  .strict();

const googlePlayApp = z
  .object({
    packageName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/, 'an Android package name'),
    name: z.string().min(1).max(200).optional(),
    managedConfiguration: plistDict.optional(),
  })
  .strict();

export const entrySchema = z
  .object({
    id: entryId,
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    scope: scopeSchema,
    apple: z
      .object({
        payloads: z.array(payloadSchema).min(1).max(50),
        /** Pupils cannot remove the profile (honoured on supervised devices). */
        removalDisallowed: z.boolean().default(true),
        /** For supervised iPads only: not installed on an iPad reporting IsSupervised false. */
        supervisedOnly: z.boolean().default(false),
        /** PayloadOrganization shown in Settings; variables allowed. */
        organization: z.string().min(1).max(200).optional(),
      })
      .strict()
      .optional(),
    /** An Android Management API Policy fragment, kept for the Android issue (not applied yet). */
    android: z.object({ policy: plistDict }).strict().optional(),
    apps: z
      .object({ appStore: z.array(appStoreApp).min(1).max(200).optional(), googlePlay: z.array(googlePlayApp).min(1).max(200).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((e) => e.apple || e.android || e.apps, { message: 'the entry configures nothing: give apple, android or apps' });

export const catalogFileSchema = z.object({ version: z.literal(1), entries: z.array(z.unknown()).min(1) }).strict();

/** Sidecar of a raw `.mobileconfig`: who gets it (`foo.mobileconfig` + `foo.scope.yaml`). */
export const sidecarSchema = z
  .object({
    version: z.literal(1),
    id: entryId.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    scope: scopeSchema,
    removalDisallowed: z.boolean().default(true),
    supervisedOnly: z.boolean().default(false),
  })
  .strict();

export type EntryInput = z.infer<typeof entrySchema>;
export type ScopeInput = z.infer<typeof scopeSchema>;
export type SidecarInput = z.infer<typeof sidecarSchema>;
export type AppStoreAppInput = z.infer<typeof appStoreApp>;
export type GooglePlayAppInput = z.infer<typeof googlePlayApp>;
