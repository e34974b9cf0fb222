import { AppleSchemas, commandProblems } from '../../../../src/apple/schema';
import { BUILDABLE_REQUEST_TYPES, DEFAULT_DEVICE_QUERIES, buildCommand, encodeCommand } from '../../../../src/apple/protocol/commands';
import { CommandBuilder } from '../../../../src/apple/protocol/command-builder';
import { decodePlist } from '../../../../src/apple/protocol/plist';

const invalid = expect.objectContaining({ code: 'command_invalid', status: 400 });
const schemas = new AppleSchemas();

/** The fullest params each builder accepts: every output must conform to Apple's schema. */
const SAMPLES: Record<string, Record<string, unknown>[]> = {
  DeviceInformation: [{}, { Queries: ['UDID', 'OSVersion'] }],
  SecurityInfo: [{}], ProfileList: [{}], AvailableOSUpdates: [{}], DisableLostMode: [{}], DeviceLocation: [{}], PlayLostModeSound: [{}], ShutDownDevice: [{}], DeviceConfigured: [{}],
  CertificateList: [{}, { ManagedOnly: true }],
  InstalledApplicationList: [{}, { Identifiers: ['com.apple.Pages'], ManagedAppsOnly: true }],
  ManagedApplicationList: [{ Identifiers: ['com.apple.Keynote'] }],
  DeviceLock: [{}, { Message: 'Bitte im Sekretariat abgeben', PhoneNumber: '+49 681 000000', PIN: '123456' }],
  EnableLostMode: [{ Message: 'Verloren', PhoneNumber: '+49 681 000000', Footnote: 'GS Bildstock' }],
  EraseDevice: [{}, { PIN: '654321', PreserveDataPlan: false, DisallowProximitySetup: true }],
  RestartDevice: [{}, { NotifyUser: true }],
  ClearPasscode: [{ UnlockToken: Buffer.alloc(1300, 7) }, { UnlockToken: Buffer.from('keybag').toString('base64') }],
  InstallProfile: [{ Payload: Buffer.from('<plist/>') }],
  RemoveProfile: [{ Identifier: 'de.slate.wifi' }],
  InstallApplication: [
    { iTunesStoreID: 361309726, ManagementFlags: 1, Options: { PurchaseMethod: 1 }, InstallAsManaged: true, ChangeManagementState: 'Managed' },
    { Identifier: 'com.apple.Pages', Configuration: { School: 'GS Bildstock' } },
    { ManifestURL: 'https://apps.example.org/app.plist' },
  ],
  RemoveApplication: [{ Identifier: 'com.example.game' }],
  Settings: [{ Settings: [{ Item: 'DeviceName', DeviceName: 'iPad 3a-07' }, { Item: 'Bluetooth', Enabled: false }] }],
  DeclarativeManagement: [{}, { Data: { SyncTokens: { DeclarationsToken: 'x' } } }],
};

describe('buildCommand', () => {
  it('has samples for every buildable type', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...BUILDABLE_REQUEST_TYPES].sort());
  });

  it.each(Object.entries(SAMPLES))('%s output conforms to Apple\'s schema (vendor/apple-device-management)', (type, samples) => {
    for (const params of samples) {
      const command = buildCommand(type, params);
      expect(command.RequestType).toBe(type);
      expect(commandProblems(schemas, command)).toEqual([]);
      expect(() => new CommandBuilder(schemas).build(type, params)).not.toThrow();
    }
  });

  it('DeviceInformation asks the school-relevant default queries, all of them known to Apple', () => {
    expect(buildCommand('DeviceInformation', {})).toEqual({ RequestType: 'DeviceInformation', Queries: [...DEFAULT_DEVICE_QUERIES] });
    expect(DEFAULT_DEVICE_QUERIES).not.toContain('PhoneNumber');
  });

  it('binary params become Buffers', () => {
    expect(buildCommand('ClearPasscode', { UnlockToken: 'a2V5YmFn' }).UnlockToken).toEqual(Buffer.from('keybag'));
    expect(Buffer.isBuffer(buildCommand('DeclarativeManagement', { Data: { a: 1 } }).Data)).toBe(true);
  });

  it('refuses unknown types, unknown keys and invalid values with command_invalid', () => {
    expect(() => buildCommand('FormatHardDisk', {})).toThrow(expect.objectContaining({ code: 'command_invalid', message: expect.stringMatching(/unknown command.*DeviceLock/) }));
    expect(() => buildCommand('toString', {})).toThrow(invalid);
    const bad: [string, Record<string, unknown>][] = [
      ['DeviceLock', { PIN: '1234' }], ['DeviceLock', { Pin: '123456' }], ['DeviceLock', { Message: 'a\u0000b' }],
      ['EnableLostMode', {}], ['EnableLostMode', { Footnote: 'only a footnote' }],
      ['EraseDevice', { PIN: 'abcdef' }], ['ClearPasscode', {}], ['ClearPasscode', { UnlockToken: 'not base64!' }],
      ['InstallProfile', { Payload: '' }], ['RemoveProfile', {}], ['InstallApplication', {}],
      ['InstallApplication', { iTunesStoreID: 1, Identifier: 'a.b' }], ['InstallApplication', { ManifestURL: 'http://insecure.example/app.plist' }],
      ['RemoveApplication', { Identifier: 'bad id with spaces' }], ['Settings', { Settings: [] }], ['SecurityInfo', { Extra: 1 }],
      ['DeviceInformation', { Queries: [] }],
    ];
    for (const [type, params] of bad) expect(() => buildCommand(type, params)).toThrow(invalid);
    expect(() => buildCommand('DeviceLock', null as unknown as Record<string, unknown>)).toThrow(invalid);
  });

  it('the Find My PIN is for Macs only', () => {
    expect(() => buildCommand('EraseDevice', { PIN: '123456' }, { family: 'ios' })).toThrow(expect.objectContaining({ message: expect.stringMatching(/Macs only/) }));
    expect(buildCommand('EraseDevice', { PIN: '123456' }, { family: 'macos' }).PIN).toBe('123456');
  });

  it('CommandBuilder catches what zod lets through but Apple does not define', () => {
    expect(() => new CommandBuilder(schemas).build('DeviceInformation', { Queries: ['UDID', 'FavouriteColour'] })).toThrow(expect.objectContaining({ code: 'command_invalid', message: expect.stringMatching(/FavouriteColour/) }));
    expect(() => new CommandBuilder(schemas).build('Settings', { Settings: [{ Item: 'Bluetooth', Enabled: 'yes' }] })).toThrow(invalid);
  });
});

describe('encodeCommand', () => {
  it('wraps the command as {CommandUUID, Command} and round-trips', () => {
    const cmd = buildCommand('ClearPasscode', { UnlockToken: Buffer.from([1, 2, 3]) });
    const bytes = encodeCommand('6f1b2c1e-0000-4000-8000-000000000001', cmd);
    expect(decodePlist(bytes)).toEqual({ CommandUUID: '6f1b2c1e-0000-4000-8000-000000000001', Command: { RequestType: 'ClearPasscode', UnlockToken: Buffer.from([1, 2, 3]) } });
    expect(bytes.toString()).toContain('<data>AQID</data>');
  });
});
