import type { PlistDict } from '../../apple/protocol/plist';
import { buildCommand } from '../../apple/protocol/commands';

import type { SignedProfile } from '../render/policy-renderer';

/** The builder's result type, so policy does not depend on which module declares AppleCommand. */
type AppleCommand = ReturnType<typeof buildCommand>;

/**
 * Apple commands for planned actions, through the one command builder (src/apple/protocol) so
 * they obey the same rules as staff commands.
 * https://developer.apple.com/documentation/devicemanagement/install-profile-command
 * https://developer.apple.com/documentation/devicemanagement/install-application-command
 */
export function installProfileCommand(profile: SignedProfile): AppleCommand {
  return buildCommand('InstallProfile', { Payload: profile.payload });
}

export function removeProfileCommand(identifier: string): AppleCommand {
  return buildCommand('RemoveProfile', { Identifier: identifier });
}

/**
 * An App Store app as a device-licensed (VPP) install: PurchaseMethod 1 uses the licence assigned
 * to the device's serial number, so no Apple Account is needed on a pupil's iPad; ManagementFlags
 * 1 removes the app when the device leaves management.
 */
export function installAppCommand(app: { adamId: number }, configuration?: PlistDict): AppleCommand {
  return buildCommand('InstallApplication', {
    iTunesStoreID: app.adamId,
    ManagementFlags: 1,
    Options: { PurchaseMethod: 1 },
    ...(configuration ? { Configuration: configuration } : {}),
  });
}

/** New managed configuration for an installed app (Settings → ApplicationConfiguration). */
export function configureAppCommand(bundleId: string, configuration: PlistDict): AppleCommand {
  return buildCommand('Settings', { Settings: [{ Item: 'ApplicationConfiguration', Identifier: bundleId, Configuration: configuration }] });
}

export function removeAppCommand(bundleId: string): AppleCommand {
  return buildCommand('RemoveApplication', { Identifier: bundleId });
}
