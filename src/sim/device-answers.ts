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
  /** Where the made-up iPad says it is when asked in lost mode. */
  location: { latitude: number; longitude: number };
}

/** Bundle ids of App Store apps by adamId, as the App Store would resolve them (the starter catalog's apps). */
export const APP_STORE: ReadonlyMap<number, string> = new Map([
  [361309726, 'com.apple.Pages'], [361285480, 'com.apple.Keynote'], [361304891, 'com.apple.Numbers'], [408709785, 'com.apple.mobilegarageband'],
  [377298193, 'com.apple.iMovie'], [1212699939, 'com.apple.clips'], [895485086, 'edu.mitmedialab.scratchjrfree'],
]);

/** A configuration profile as the device keeps it: ProfileList reports these fields. */
export interface ProfileRecord {
  uuid: string;
  displayName?: string;
  payloadTypes: string[];
}

/**
 * What the simulated iPad has installed through MDM besides its enrolment profile: profiles by
 * PayloadIdentifier (a new version replaces the old one, as iPadOS does) and managed apps. Apps
 * the pupil has are `preinstalled`.
 */
export class InstalledState {
  readonly profiles = new Map<string, ProfileRecord>();
  readonly managedApps = new Map<string, { adamId: number; configuration?: unknown }>();
  readonly preinstalled = ['com.apple.Pages'];

  /** Carries out an acknowledged command; `profile` is the InstallProfile payload, unwrapped. */
  apply(requestType: string, command: Record<string, unknown>, profile?: Record<string, unknown>): void {
    if (requestType === 'InstallProfile' && profile) this.profiles.set(String(profile.PayloadIdentifier), profileRecord(profile));
    if (requestType === 'RemoveProfile') this.profiles.delete(String(command.Identifier));
    if (requestType === 'InstallApplication') {
      const adamId = Number(command.iTunesStoreID);
      this.managedApps.set(APP_STORE.get(adamId) ?? `store.app.${adamId}`, { adamId, configuration: command.Configuration });
    }
    if (requestType === 'RemoveApplication') this.managedApps.delete(String(command.Identifier));
  }
}

export function profileRecord(profile: Record<string, unknown>): ProfileRecord {
  const content = Array.isArray(profile.PayloadContent) ? (profile.PayloadContent as Record<string, unknown>[]) : [];
  return { uuid: String(profile.PayloadUUID), displayName: profile.PayloadDisplayName as string | undefined, payloadTypes: content.map((c) => String(c.PayloadType)) };
}

export interface SimulatedState {
  facts: SimulatedFacts;
  lost: boolean;
  /** The MDM enrolment profile, listed first in ProfileList like on iPadOS. */
  enrolment: { identifier: string; profile: ProfileRecord } | null;
  installed: InstalledState;
}

export function answerFields(requestType: string, command: Record<string, unknown>, s: SimulatedState): Record<string, unknown> {
  const f = s.facts;
  switch (requestType) {
    case 'DeviceInformation': {
      const all: Record<string, unknown> = {
        UDID: f.udid, SerialNumber: f.serial, DeviceName: f.name, Model: f.model, ModelName: 'iPad', ProductName: f.productName,
        OSVersion: f.osVersion, BuildVersion: f.buildVersion, BatteryLevel: 0.82, DeviceCapacity: 59.55, AvailableDeviceCapacity: 41.2,
        IsSupervised: true, IsActivationLockEnabled: false, IsMDMLostModeEnabled: s.lost, WiFiMAC: '00:00:5e:00:53:01',
      };
      const queries = Array.isArray(command.Queries) ? (command.Queries as string[]) : Object.keys(all);
      return { QueryResponses: Object.fromEntries(queries.filter((q) => q in all).map((q) => [q, all[q]])) };
    }
    case 'SecurityInfo':
      return { SecurityInfo: { HardwareEncryptionCaps: 3, PasscodePresent: true, PasscodeCompliant: true, PasscodeCompliantWithProfiles: true } };
    case 'ProfileList': {
      const all = [...(s.enrolment ? [[s.enrolment.identifier, s.enrolment.profile] as const] : []), ...s.installed.profiles];
      return {
        ProfileList: all.map(([id, p]) => ({
          PayloadIdentifier: id, PayloadUUID: p.uuid, PayloadDisplayName: p.displayName ?? id, PayloadVersion: 1, IsManaged: true, PayloadContent: p.payloadTypes.map((t) => ({ PayloadType: t })),
        })),
      };
    }
    case 'InstalledApplicationList': {
      const app = (id: string) => ({ Identifier: id, Name: id.split('.').pop(), ShortVersion: '1.0', Version: '1', BundleSize: 50_000_000 });
      const managed = [...s.installed.managedApps.keys()].map(app);
      return { InstalledApplicationList: command.ManagedAppsOnly === true ? managed : [...s.installed.preinstalled.map(app), ...managed] };
    }
    case 'CertificateList':
      return { CertificateList: [] };
    case 'DeviceLocation':
      return { Latitude: f.location.latitude, Longitude: f.location.longitude, HorizontalAccuracy: 30, Timestamp: new Date() };
    default:
      return {};
  }
}
