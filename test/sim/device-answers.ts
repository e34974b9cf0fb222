/**
 * What a simulated iPad puts in its answer to a command, shaped like the real answers in
 * test/fixtures/apple-command-responses (keys and types as iPadOS sends them).
 */
export interface SimulatedFacts {
  udid: string;
  serial: string;
  name: string;
  model: string;
  productName: string;
  osVersion: string;
  buildVersion: string;
}

export function answerFields(requestType: string, command: Record<string, unknown>, f: SimulatedFacts, lost: boolean): Record<string, unknown> {
  switch (requestType) {
    case 'DeviceInformation': {
      const all: Record<string, unknown> = {
        UDID: f.udid, SerialNumber: f.serial, DeviceName: f.name, Model: f.model, ModelName: 'iPad', ProductName: f.productName,
        OSVersion: f.osVersion, BuildVersion: f.buildVersion, BatteryLevel: 0.82, DeviceCapacity: 59.55, AvailableDeviceCapacity: 41.2,
        IsSupervised: true, IsActivationLockEnabled: false, IsMDMLostModeEnabled: lost, WiFiMAC: '00:00:5e:00:53:01',
      };
      const queries = Array.isArray(command.Queries) ? (command.Queries as string[]) : Object.keys(all);
      return { QueryResponses: Object.fromEntries(queries.filter((q) => q in all).map((q) => [q, all[q]])) };
    }
    case 'SecurityInfo':
      return { SecurityInfo: { HardwareEncryptionCaps: 3, PasscodePresent: true, PasscodeCompliant: true, PasscodeCompliantWithProfiles: true } };
    case 'ProfileList':
      return { ProfileList: [{ PayloadIdentifier: 'test.slate.enroll', PayloadDisplayName: 'Slate MDM', PayloadUUID: '6B1A4A2E-8F5C-4E1B-9C59-3C9E1D1E0001', PayloadVersion: 1, IsManaged: true, PayloadContent: [] }] };
    case 'InstalledApplicationList':
      return { InstalledApplicationList: [{ Identifier: 'com.apple.Pages', Name: 'Pages', ShortVersion: '14.0', Version: '7053', BundleSize: 500_000_000 }] };
    case 'CertificateList':
      return { CertificateList: [] };
    case 'DeviceLocation':
      return { Latitude: 49.3, Longitude: 7.0, HorizontalAccuracy: 30, Timestamp: new Date() };
    default:
      return {};
  }
}
