import { z } from 'zod';
import { DEVICE_STATES, ORG_KINDS, PLATFORMS } from '../fleet/admin-devices.service';

/** Shared schemas of the admin API. Responses use z.object (unknown fields dropped on the way out). */
export const timestamp = z.date().transform((d) => d.toISOString()).pipe(z.iso.datetime());
export const nullableTimestamp = timestamp.nullable();
export const dateQuery = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
export const limitQuery = (max = 200, dflt = 50) => z.coerce.number().int().min(1).max(max).default(dflt);
export const cursorQuery = z.string().max(200).optional();
export const boolQuery = z.enum(['true', 'false']).transform((s) => s === 'true');
export const idParams = z.strictObject({ id: z.string().min(1).max(200) });
export const code = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected a unit code such as gs-bildstock');
export const noBody = z.strictObject({});
export const optionalBody = z.strictObject({}).optional();

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const errorBody = z.object({
  error: z.string().describe('stable error code; clients branch on it, never on the message'),
  message: z.string(),
  fields: z.record(z.string(), z.string()).optional().describe('per input field: what is wrong with it'),
});

export const platform = z.enum(PLATFORMS);
export const deviceState = z.enum(DEVICE_STATES);
export const orgKind = z.enum(ORG_KINDS);

export const orgUnit = z.object({
  id: z.string(), code: z.string(), kind: orgKind, name: z.string(), parentId: z.string().nullable(), gradeLevel: z.number().nullable(),
  createdAt: timestamp, updatedAt: timestamp,
});

export const device = z.object({
  id: z.string(), platform, udid: z.string().nullable(), serialNumber: z.string().nullable(), name: z.string().nullable(),
  model: z.string().nullable(), modelName: z.string().nullable(), osVersion: z.string().nullable(), buildVersion: z.string().nullable(),
  state: deviceState, schoolId: z.string().nullable(), gradeId: z.string().nullable(), classId: z.string().nullable(),
  enrolledAt: nullableTimestamp, lastSeenAt: nullableTimestamp, createdAt: timestamp, updatedAt: timestamp,
});

export const command = z.object({
  commandUuid: z.string(), deviceId: z.string(), requestType: z.string(),
  status: z.string().describe('queued, sent, not_now, acknowledged, error, command_format_error, cancelled, expired'),
  params: z.record(z.string(), z.unknown()).nullable(), notNowCount: z.number(), attempts: z.number(), bulkJobId: z.string().nullable(),
  createdBy: z.string().nullable(), enqueuedAt: timestamp, pushedAt: nullableTimestamp, sentAt: nullableTimestamp,
  expiresAt: nullableTimestamp, finishedAt: nullableTimestamp, resultStatus: z.string().nullable(), errorChain: z.array(z.unknown()).nullable(),
  note: z.string().nullable(),
});

/** What a WebAuthn browser API returns (PublicKeyCredential.toJSON()); its inside is checked by @simplewebauthn/server. */
export const webauthnResponse = z.looseObject({
  id: z.string().max(1400), rawId: z.string().max(1400), type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: z.string().max(10_000) }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(40).optional(),
});

export const ceremony = z.object({
  challengeId: z.string().describe('send it back with the authenticator\'s response'),
  options: z.record(z.string(), z.unknown()).describe('for navigator.credentials.create()/get() (JSON form)'),
});
