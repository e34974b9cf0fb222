/**
 * Apple MDM protocol: pure decode/encode of what devices send and receive. No express, no
 * database, no logger; the composition root (src/app.ts) wires these into the services.
 */
export { decodePlist, encodePlist, PlistBigInteger, PlistReal, isPlistDict, DEFAULT_PLIST_LIMITS, type PlistDict, type PlistLimits, type PlistValue } from './plist';
export { decodeCheckin, type CheckinMessageType } from './checkin';
export { decodeReport, describeErrorChain } from './report';
export { buildCommand, encodeCommand, BUILDABLE_REQUEST_TYPES, DEFAULT_DEVICE_QUERIES, type BuildableRequestType, type CommandTarget } from './commands';
export { CommandBuilder } from './command-builder';
export {
  INVENTORY_PARSERS, deviceFactsOf, parseCertificateList, parseDeviceInformation, parseInstalledApplicationList, parseProfileList, parseSecurityInfo,
  type CertificateRecord, type DeviceInformationRecord, type InstalledAppRecord, type ProfileRecord, type SecurityInfoRecord,
} from './inventory';
export { createAppleProtocol, type AppleProtocol, type InventoryParser } from './apple-protocol';
export { buildEnrollmentProfile, type EnrollmentProfileOptions } from './enrollment-profile';
export type { AppleCommand, CheckinMessage, DeviceFacts, DeviceReport } from './messages';
