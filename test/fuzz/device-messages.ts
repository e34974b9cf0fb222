import * as fc from 'fast-check';
import { encodePlist } from '../../src/apple/protocol/plist';
import { XML_TOKENS, mutated } from './mutate';
import { dictOf, plistData, plistInteger, plistText, plistValue } from './plist-arbitraries';

/**
 * What devices put on the wire, generated: check-ins and command reports with Apple's key names and
 * mostly the documented types, a few keys given some other value, written as XML (as devices do),
 * then mutated (see mutate.ts). Keys outside `requiredKeys` are
 * left out at random.
 * https://developer.apple.com/documentation/devicemanagement/check-in
 */
const udid = fc.uuid().map((u) => u.toUpperCase());
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

/** A record, then up to two of `keys` set to an arbitrary value (a wrong type, or a nested tree). */
function withStrayValues(record: fc.Arbitrary<Record<string, unknown>>, keys: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const stray = fc.uniqueArray(fc.tuple(fc.constantFrom(...keys, 'UnknownKey'), plistValue), { maxLength: 2, selector: ([k]) => k });
  return fc.tuple(record, fc.oneof(fc.constant([] as [string, unknown][]), stray)).map(([r, extra]) => dictOf([...Object.entries(r), ...extra]));
}

const MESSAGE_TYPES = ['Authenticate', 'TokenUpdate', 'CheckOut', 'UserAuthenticate', 'GetBootstrapToken', 'SetBootstrapToken', 'DeclarativeManagement', 'GetToken'];

export const checkinMessage = withStrayValues(
  fc.record(
    {
      MessageType: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...MESSAGE_TYPES) }, { weight: 1, arbitrary: plistText() }),
      UDID: udid,
      EnrollmentID: plistText(40),
      Topic: fc.constantFrom('com.apple.mgmt.External.5a6b7c8d', ''),
      SerialNumber: plistText(12),
      DeviceName: plistText(),
      Token: plistData,
      PushMagic: fc.uuid(),
      UnlockToken: plistData,
      AwaitingConfiguration: fc.boolean(),
      BootstrapToken: plistData,
      Endpoint: fc.constantFrom('tokens', 'declaration-items', 'status', ''),
      Data: plistData,
    },
    { requiredKeys: ['MessageType'] },
  ),
  ['MessageType', 'UDID', 'Topic', 'Token', 'PushMagic', 'UnlockToken', 'AwaitingConfiguration', 'Endpoint', 'Data'],
);

const STATUSES = ['Idle', 'Acknowledged', 'Error', 'CommandFormatError', 'NotNow'];
const errorEntry = fc.record({ ErrorCode: plistInteger, ErrorDomain: plistText(), LocalizedDescription: plistText(), USEnglishDescription: plistText() }, { requiredKeys: [] });
const app = fc.record({ Identifier: plistText(30), Name: plistText(), Version: plistText(8), BundleSize: plistInteger, Installing: fc.boolean() }, { requiredKeys: [] });
const profile = fc.record({ PayloadIdentifier: plistText(30), PayloadContent: fc.array(fc.record({ PayloadType: plistText(20) }), { maxLength: 3 }) }, { requiredKeys: [] });
const certificate = fc.record({ CommonName: plistText(), Data: plistData, IsIdentity: fc.boolean() }, { requiredKeys: [] });
const deviceInformation = fc.record(
  { DeviceName: plistText(), Model: plistText(10), OSVersion: plistText(8), DeviceCapacity: fc.oneof(plistInteger, finite), BatteryLevel: finite, IsSupervised: fc.boolean() },
  { requiredKeys: [] },
);

export const reportMessage = withStrayValues(
  fc.record(
    {
      Status: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...STATUSES) }, { weight: 1, arbitrary: plistText() }),
      UDID: udid,
      CommandUUID: fc.uuid(),
      ErrorChain: fc.array(errorEntry, { maxLength: 3 }),
      RequestType: fc.constantFrom('DeviceInformation', 'InstalledApplicationList', 'ProfileList', 'CertificateList', 'SecurityInfo'),
      QueryResponses: deviceInformation,
      InstalledApplicationList: fc.array(app, { maxLength: 4 }),
      ProfileList: fc.array(profile, { maxLength: 3 }),
      CertificateList: fc.array(certificate, { maxLength: 3 }),
      SecurityInfo: fc.record({ PasscodePresent: fc.boolean(), HardwareEncryptionCaps: plistInteger }, { requiredKeys: [] }),
    },
    { requiredKeys: ['Status', 'UDID'] },
  ),
  ['Status', 'UDID', 'CommandUUID', 'ErrorChain', 'QueryResponses', 'InstalledApplicationList', 'CertificateList'],
);

/** Encoded as XML, the only form the device endpoints read (decodeDevicePlist), then mutated. */
export function onTheWire(message: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  return mutated(message.map((m) => encodePlist(m)), XML_TOKENS);
}
