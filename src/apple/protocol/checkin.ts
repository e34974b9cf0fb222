import { z } from 'zod';
import { AppError } from '../../errors';
import type { CheckinMessage } from './messages';
import { decodeDevicePlist, isPlistDict, type PlistLimits } from './plist';

/**
 * Check-in messages (`PUT CheckInURL`), one zod schema per MessageType with Apple's key names.
 * Unknown keys are dropped (devices add keys with every OS release); known keys must have the
 * documented type. https://developer.apple.com/documentation/devicemanagement/check-in
 */
const text = (max: number) => z.string().max(max);
const data = (maxBytes: number) => z.custom<Buffer>((v) => Buffer.isBuffer(v) && v.length <= maxBytes, `data of at most ${maxBytes} bytes`);

const base = {
  UDID: text(128).optional(),
  EnrollmentID: text(256).optional(),
  UserID: text(256).optional(),
};

const authenticate = z.object({
  ...base,
  MessageType: z.literal('Authenticate'),
  Topic: text(256).min(1),
  SerialNumber: text(64).optional(),
  Model: text(128).optional(),
  ModelName: text(128).optional(),
  ProductName: text(128).optional(),
  DeviceName: text(256).optional(),
  OSVersion: text(64).optional(),
  BuildVersion: text(64).optional(),
});

const tokenUpdate = z.object({
  ...base,
  MessageType: z.literal('TokenUpdate'),
  Topic: text(256).min(1),
  // APNs device tokens are 32 bytes today; Apple reserves the right to grow them.
  Token: data(256).refine((b) => b.length > 0, 'empty Token'),
  PushMagic: text(256).min(1),
  // The escrow keybag that clears a passcode; ~1.3 KB on the iPads we have seen.
  UnlockToken: data(64 * 1024).optional(),
  AwaitingConfiguration: z.boolean().optional(),
});

const SCHEMAS = {
  Authenticate: authenticate,
  TokenUpdate: tokenUpdate,
  CheckOut: z.object({ ...base, MessageType: z.literal('CheckOut'), Topic: text(256).optional() }),
  UserAuthenticate: z.object({ ...base, MessageType: z.literal('UserAuthenticate') }),
  GetBootstrapToken: z.object({ ...base, MessageType: z.literal('GetBootstrapToken'), AwaitingConfiguration: z.boolean().optional() }),
  SetBootstrapToken: z.object({
    ...base,
    MessageType: z.literal('SetBootstrapToken'),
    BootstrapToken: data(64 * 1024).optional(),
    AwaitingConfiguration: z.boolean().optional(),
  }),
  DeclarativeManagement: z.object({
    ...base,
    MessageType: z.literal('DeclarativeManagement'),
    Endpoint: text(1024).min(1),
    Data: data(512 * 1024).optional(),
  }),
  GetToken: z.object({ ...base, MessageType: z.literal('GetToken'), TokenServiceType: text(256).optional() }),
} as const;

export type CheckinMessageType = keyof typeof SCHEMAS;

// Compile-time proof that every schema yields a member of the service's CheckinMessage union.
type Decoded = z.infer<(typeof SCHEMAS)[CheckinMessageType]>;
const _fits: (d: Decoded) => CheckinMessage = (d) => d;
void _fits;

/**
 * Decodes and validates a check-in body. Errors: `plist_invalid` (not an XML plist), `message_invalid`
 * (not a dict, no MessageType, wrong types, no device identifier), `message_type_unknown`.
 */
export function decodeCheckin(body: Buffer, limits?: Partial<PlistLimits>): CheckinMessage {
  const dict = decodeDevicePlist(body, limits);
  if (!isPlistDict(dict)) throw new AppError('message_invalid', 'check-in is not a dict');
  const type = dict.MessageType;
  if (typeof type !== 'string') throw new AppError('message_invalid', 'check-in without MessageType');
  if (!Object.prototype.hasOwnProperty.call(SCHEMAS, type)) {
    throw new AppError('message_type_unknown', `unknown check-in MessageType ${JSON.stringify(type.slice(0, 64))}`);
  }
  const parsed = SCHEMAS[type as CheckinMessageType].safeParse(dict);
  if (!parsed.success) throw new AppError('message_invalid', `invalid ${type} check-in: ${describeIssues(parsed.error)}`);
  const msg = parsed.data as CheckinMessage;
  if (!msg.UDID && !msg.EnrollmentID) throw new AppError('message_invalid', `${type} check-in without UDID or EnrollmentID`);
  return msg;
}

/** Names the offending keys (never their values: they may be tokens). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
