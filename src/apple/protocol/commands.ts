import { z } from 'zod';
import { AppError } from '../../errors';
import type { AppleCommand } from './messages';
import { describeIssues } from './checkin';
import { encodePlist } from './plist';

/**
 * The MDM commands staff (and Slate's own policy code) may send, one zod schema per RequestType
 * with Apple's key names. Params arrive from the admin API as JSON, so binary values are accepted
 * as Buffer or base64. Every builder output also conforms to Apple's schema (CommandBuilder, and
 * a test that runs each one through vendor/apple-device-management).
 * https://developer.apple.com/documentation/devicemanagement/commands-and-queries
 */

// Text XML can carry and a person can read: no control characters besides tab and newline.
const plain = (max: number) => z.string().max(max).regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$/, 'contains control characters');
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const data = (maxBytes: number) =>
  z
    .union([z.custom<Buffer>((v) => Buffer.isBuffer(v), 'data'), z.string().regex(BASE64, 'base64')])
    .transform((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v, 'base64')))
    .refine((b) => b.length > 0 && b.length <= maxBytes, `between 1 and ${maxBytes} bytes`);
const pin = z.string().regex(/^\d{6}$/, 'six digits');
const bundleId = z.string().min(1).max(255).regex(/^[A-Za-z0-9.\-_]+$/, 'a bundle identifier');
const empty = z.object({}).strict();

/**
 * What DeviceInformation asks by default: what a school's IT needs to recognise and plan for a
 * device, nothing about the pupil using it (no phone numbers, no accounts, no location).
 */
export const DEFAULT_DEVICE_QUERIES = [
  'UDID', 'DeviceName', 'Model', 'ModelName', 'ProductName', 'SerialNumber', 'OSVersion', 'BuildVersion',
  'DeviceCapacity', 'AvailableDeviceCapacity', 'BatteryLevel', 'WiFiMAC', 'IsSupervised',
  'IsActivationLockEnabled', 'IsMDMLostModeEnabled', 'IsDeviceLocatorServiceEnabled', 'AwaitingConfiguration',
] as const;

const lostModeText = { Message: plain(500).optional(), PhoneNumber: plain(64).optional(), Footnote: plain(200).optional() };

const SCHEMAS = {
  DeviceInformation: z.object({ Queries: z.array(z.string().min(1).max(64)).min(1).max(100).default([...DEFAULT_DEVICE_QUERIES]) }).strict(),
  SecurityInfo: empty,
  ProfileList: empty,
  CertificateList: z.object({ ManagedOnly: z.boolean().optional() }).strict(),
  InstalledApplicationList: z.object({ Identifiers: z.array(bundleId).max(500).optional(), ManagedAppsOnly: z.boolean().optional() }).strict(),
  ManagedApplicationList: z.object({ Identifiers: z.array(bundleId).max(500).optional() }).strict(),
  AvailableOSUpdates: empty,
  DeviceLock: z.object({ Message: plain(500).optional(), PhoneNumber: plain(64).optional(), PIN: pin.optional() }).strict(),
  EnableLostMode: z
    .object(lostModeText)
    .strict()
    .refine((p) => Boolean(p.Message || p.PhoneNumber), 'EnableLostMode needs a Message or a PhoneNumber'),
  DisableLostMode: empty,
  DeviceLocation: empty,
  PlayLostModeSound: empty,
  EraseDevice: z.object({ PIN: pin.optional(), PreserveDataPlan: z.boolean().optional(), DisallowProximitySetup: z.boolean().optional() }).strict(),
  RestartDevice: z.object({ NotifyUser: z.boolean().optional() }).strict(),
  ShutDownDevice: empty,
  // Lets an Automated Device Enrollment iPad waiting at Setup Assistant (AwaitingConfiguration) go on.
  DeviceConfigured: empty,
  ClearPasscode: z.object({ UnlockToken: data(64 * 1024) }).strict(),
  InstallProfile: z.object({ Payload: data(1024 * 1024) }).strict(),
  RemoveProfile: z.object({ Identifier: z.string().min(1).max(255) }).strict(),
  InstallApplication: z
    .object({
      iTunesStoreID: z.number().int().positive().optional(),
      Identifier: bundleId.optional(),
      ManifestURL: z.url({ protocol: /^https$/ }).optional(),
      // 1: remove the app when the device leaves MDM (what a school wants for its apps).
      ManagementFlags: z.number().int().min(0).max(5).optional(),
      Options: z.object({ PurchaseMethod: z.union([z.literal(0), z.literal(1)]).optional() }).strict().optional(),
      Configuration: z.record(z.string(), z.unknown()).optional(),
      ChangeManagementState: z.literal('Managed').optional(),
      InstallAsManaged: z.boolean().optional(),
    })
    .strict()
    .refine((p) => [p.iTunesStoreID, p.Identifier, p.ManifestURL].filter((x) => x !== undefined).length === 1, 'InstallApplication needs exactly one of iTunesStoreID, Identifier, ManifestURL'),
  RemoveApplication: z.object({ Identifier: bundleId }).strict(),
  Settings: z.object({ Settings: z.array(z.looseObject({ Item: z.string().min(1).max(64) })).min(1).max(50) }).strict(),
  DeclarativeManagement: z
    .object({ Data: z.union([data(512 * 1024), z.record(z.string(), z.unknown()).transform((o) => Buffer.from(JSON.stringify(o)))]).optional() })
    .strict(),
} as const;

export type BuildableRequestType = keyof typeof SCHEMAS;
export const BUILDABLE_REQUEST_TYPES = Object.keys(SCHEMAS) as BuildableRequestType[];

/** What Slate knows about the target, where a command's rules depend on it. */
export interface CommandTarget {
  /** Apple OS family of the device; the Find My PIN exists only on Macs. */
  family?: 'ios' | 'macos';
}

/**
 * Builds a validated command. Errors: AppError `command_invalid` naming the offending keys.
 * Conformance to Apple's schema is checked by CommandBuilder (src/apple/protocol/command-builder.ts).
 */
export function buildCommand(requestType: string, params: Record<string, unknown> = {}, target: CommandTarget = {}): AppleCommand {
  if (!Object.prototype.hasOwnProperty.call(SCHEMAS, requestType)) {
    throw new AppError('command_invalid', `unknown command ${JSON.stringify(requestType.slice(0, 64))}; Slate can send ${BUILDABLE_REQUEST_TYPES.join(', ')}`);
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new AppError('command_invalid', `${requestType}: params must be an object`);
  const parsed = SCHEMAS[requestType as BuildableRequestType].safeParse(params);
  if (!parsed.success) throw new AppError('command_invalid', `${requestType}: ${describeIssues(parsed.error)}`, { details: parsed.error.issues.map((i) => i.path.join('.')) });
  const keys = parsed.data as Record<string, unknown>;
  if ((requestType === 'EraseDevice' || requestType === 'DeviceLock') && keys.PIN !== undefined && target.family === 'ios') {
    throw new AppError('command_invalid', `${requestType}: PIN applies to Macs only`);
  }
  return { RequestType: requestType, ...keys };
}

/** `{CommandUUID, Command}` as the device receives it (matches EncodeCommand in command.service.ts). */
export function encodeCommand(commandUuid: string, command: AppleCommand): Buffer {
  return encodePlist({ CommandUUID: commandUuid, Command: command });
}
