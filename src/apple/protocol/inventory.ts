import { X509Certificate, createHash } from 'node:crypto';
import type { DeviceFacts } from './messages';
import { PlistBigInteger, isPlistDict, type PlistDict } from './plist';

/**
 * Compact inventory records from query responses: what a school's IT needs to recognise a device,
 * plan capacity and check its security state. Nothing about the pupil using it (no phone numbers,
 * accounts, locations); unknown keys are dropped, so a new OS cannot smuggle new data in.
 * Each parser matches InventoryParser (src/apple/command-effects.ts) and never throws on a
 * missing or mistyped key: the record just lacks it.
 * https://developer.apple.com/documentation/devicemanagement/device-information
 */
export interface DeviceInformationRecord {
  udid?: string; deviceName?: string; model?: string; modelName?: string; productName?: string; serialNumber?: string;
  osVersion?: string; buildVersion?: string; deviceCapacityGb?: number; availableDeviceCapacityGb?: number;
  batteryLevel?: number; wifiMac?: string; isSupervised?: boolean; activationLockEnabled?: boolean;
  lostModeEnabled?: boolean; findMyEnabled?: boolean; awaitingConfiguration?: boolean;
}

export interface SecurityInfoRecord {
  passcodePresent?: boolean; passcodeCompliant?: boolean; passcodeCompliantWithProfiles?: boolean;
  hardwareEncryptionCaps?: number; fileVaultEnabled?: boolean; systemIntegrityProtectionEnabled?: boolean;
  firewallEnabled?: boolean; enrolledViaDep?: boolean; userApprovedEnrollment?: boolean; isUserEnrollment?: boolean;
  activationLockManageable?: boolean;
}

export interface ProfileRecord {
  identifier: string; uuid?: string; displayName?: string; organization?: string; version?: number;
  isManaged?: boolean; hasRemovalPasscode?: boolean; isEncrypted?: boolean; payloadTypes: string[];
}

export interface InstalledAppRecord {
  identifier: string; name?: string; version?: string; shortVersion?: string; bundleSizeBytes?: number;
  installing?: boolean; hasUpdateAvailable?: boolean; downloadFailed?: boolean; deviceBasedVpp?: boolean;
}

export interface CertificateRecord {
  commonName?: string; isIdentity?: boolean; sha256?: string; issuer?: string; notAfter?: string;
}

const str = (d: PlistDict, k: string, max = 200): string | undefined => (typeof d[k] === 'string' ? (d[k] as string).slice(0, max) : undefined);
const bool = (d: PlistDict, k: string): boolean | undefined => (typeof d[k] === 'boolean' ? (d[k] as boolean) : undefined);
const num = (d: PlistDict, k: string): number | undefined => {
  const v = d[k];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return v instanceof PlistBigInteger ? Number(v.value) : undefined;
};
const dictAt = (d: Record<string, unknown>, k: string): PlistDict => (isPlistDict(d[k]) ? (d[k] as PlistDict) : {});
const listAt = (d: Record<string, unknown>, k: string): PlistDict[] => (Array.isArray(d[k]) ? (d[k] as unknown[]).filter(isPlistDict) : []);

/** Drops undefined fields so stored JSON stays small and comparable. */
function compact<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

export function parseDeviceInformation(response: Record<string, unknown>): DeviceInformationRecord {
  const q = dictAt(response, 'QueryResponses');
  return compact({
    udid: str(q, 'UDID', 64), deviceName: str(q, 'DeviceName'), model: str(q, 'Model', 100), modelName: str(q, 'ModelName', 100),
    productName: str(q, 'ProductName', 100), serialNumber: str(q, 'SerialNumber', 64), osVersion: str(q, 'OSVersion', 40),
    buildVersion: str(q, 'BuildVersion', 40), deviceCapacityGb: num(q, 'DeviceCapacity'), availableDeviceCapacityGb: num(q, 'AvailableDeviceCapacity'),
    batteryLevel: num(q, 'BatteryLevel'), wifiMac: str(q, 'WiFiMAC', 32), isSupervised: bool(q, 'IsSupervised'),
    activationLockEnabled: bool(q, 'IsActivationLockEnabled'), lostModeEnabled: bool(q, 'IsMDMLostModeEnabled'),
    findMyEnabled: bool(q, 'IsDeviceLocatorServiceEnabled'), awaitingConfiguration: bool(q, 'AwaitingConfiguration'),
  });
}

export function parseSecurityInfo(response: Record<string, unknown>): SecurityInfoRecord {
  const s = dictAt(response, 'SecurityInfo');
  const mgmt = dictAt(s, 'ManagementStatus');
  return compact({
    passcodePresent: bool(s, 'PasscodePresent'), passcodeCompliant: bool(s, 'PasscodeCompliant'),
    passcodeCompliantWithProfiles: bool(s, 'PasscodeCompliantWithProfiles'), hardwareEncryptionCaps: num(s, 'HardwareEncryptionCaps'),
    fileVaultEnabled: bool(s, 'FDE_Enabled'), systemIntegrityProtectionEnabled: bool(s, 'SystemIntegrityProtectionEnabled'),
    firewallEnabled: bool(dictAt(s, 'FirewallSettings'), 'FirewallEnabled'),
    enrolledViaDep: bool(mgmt, 'EnrolledViaDEP') ?? bool(s, 'EnrolledViaDEP'),
    userApprovedEnrollment: bool(mgmt, 'UserApprovedEnrollment') ?? bool(s, 'UserApprovedEnrollment'),
    isUserEnrollment: bool(mgmt, 'IsUserEnrollment') ?? bool(s, 'IsUserEnrollment'),
    activationLockManageable: bool(mgmt, 'IsActivationLockManageable') ?? bool(s, 'IsActivationLockManageable'),
  });
}

export function parseProfileList(response: Record<string, unknown>): ProfileRecord[] {
  return listAt(response, 'ProfileList')
    .filter((p) => typeof p.PayloadIdentifier === 'string')
    .map((p) => compact({
      identifier: str(p, 'PayloadIdentifier', 255)!, uuid: str(p, 'PayloadUUID', 64), displayName: str(p, 'PayloadDisplayName'),
      organization: str(p, 'PayloadOrganization'), version: num(p, 'PayloadVersion'), isManaged: bool(p, 'IsManaged'),
      hasRemovalPasscode: bool(p, 'HasRemovalPasscode'), isEncrypted: bool(p, 'IsEncrypted'),
      payloadTypes: listAt(p, 'PayloadContent').map((c) => str(c, 'PayloadType', 128)).filter((t): t is string => t !== undefined),
    }));
}

export function parseInstalledApplicationList(response: Record<string, unknown>): InstalledAppRecord[] {
  return listAt(response, 'InstalledApplicationList')
    .filter((a) => typeof a.Identifier === 'string')
    .map((a) => compact({
      identifier: str(a, 'Identifier', 255)!, name: str(a, 'Name'), version: str(a, 'Version', 64), shortVersion: str(a, 'ShortVersion', 64),
      bundleSizeBytes: num(a, 'BundleSize'), installing: bool(a, 'Installing'),
      hasUpdateAvailable: bool(a, 'HasUpdateAvailable'), downloadFailed: bool(a, 'DownloadFailed'), deviceBasedVpp: bool(a, 'DeviceBasedVPP'),
    }));
}

/**
 * Certificates kept from one CertificateList answer: a school iPad holds tens (its MDM identity and
 * the CAs of its profiles). Reading one costs ~0.13 ms (X509Certificate, 2048-bit RSA), so a
 * hostile 1 MiB answer of ~700 certificates would hold the event loop ~90 ms; 200 stay under 30.
 */
export const MAX_CERTIFICATES = 200;

export function parseCertificateList(response: Record<string, unknown>): CertificateRecord[] {
  return listAt(response, 'CertificateList').slice(0, MAX_CERTIFICATES).map((c) => compact({ commonName: str(c, 'CommonName'), isIdentity: bool(c, 'IsIdentity'), ...certificateFacts(c.Data) }));
}

/** Fingerprint, issuer and expiry from the DER, so staff see which certificates run out when. */
function certificateFacts(der: unknown): Pick<CertificateRecord, 'sha256' | 'issuer' | 'notAfter'> {
  if (!Buffer.isBuffer(der) || der.length === 0) return {};
  const sha256 = createHash('sha256').update(der).digest('hex');
  try {
    const cert = new X509Certificate(der);
    return { sha256, issuer: cert.issuer.replace(/\n/g, ', ').slice(0, 300), notAfter: new Date(cert.validTo).toISOString() };
  } catch {
    return { sha256 };
  }
}

/** The device-row facts a DeviceInformation answer refreshes (DeviceFactsOf in command-effects.ts). */
export function deviceFactsOf(inventory: unknown): DeviceFacts {
  if (inventory === null || typeof inventory !== 'object') return {};
  const i = inventory as DeviceInformationRecord;
  return compact({
    model: i.model, modelName: i.modelName, osVersion: i.osVersion, buildVersion: i.buildVersion,
    name: i.deviceName, serialNumber: i.serialNumber, supervised: i.isSupervised,
  }) as DeviceFacts;
}

/** The parsers by RequestType, shaped for CommandEffects' `parsers` dependency. */
export const INVENTORY_PARSERS = {
  DeviceInformation: parseDeviceInformation,
  SecurityInfo: parseSecurityInfo,
  ProfileList: parseProfileList,
  InstalledApplicationList: parseInstalledApplicationList,
  CertificateList: parseCertificateList,
} as const;
