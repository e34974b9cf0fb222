import { carriesSecret, describeParams, priorityOf } from '../../../src/apple/command-policy';
import { PRIORITY } from '../../../src/db/stores';

describe('command policy', () => {
  it('seals a command with a secret at any depth, or opaque data anywhere (#9: an InstallProfile payload hides Wi-Fi passwords)', () => {
    expect(carriesSecret({ RequestType: 'DeviceLock', Message: 'hi', PIN: '123456' })).toBe(true);
    expect(carriesSecret({ RequestType: 'Settings', Settings: [{ Item: 'X', Nested: { Password: 'p' } }] })).toBe(true);
    expect(carriesSecret({ RequestType: 'InstallProfile', Payload: Buffer.from('<plist>…Password…</plist>') })).toBe(true);
    expect(carriesSecret({ RequestType: 'DeviceInformation', Queries: ['UDID', 'OSVersion'] })).toBe(false);
    expect(carriesSecret({ RequestType: 'EnableLostMode', Message: 'Bitte abgeben', PhoneNumber: '0681 1', Footnote: 'x' })).toBe(false);
    // Deeper than any real command: treated as opaque, so sealed.
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(carriesSecret({ RequestType: 'X', ...deep })).toBe(true);
  });

  it('shows people what was asked without secrets or blobs, at any depth', () => {
    expect(describeParams({ RequestType: 'Settings', Settings: [{ Item: 'Wallpaper', Image: Buffer.alloc(10), Inner: { Passcode: '1' } }], At: new Date(0) }))
      .toEqual({ Settings: [{ Item: 'Wallpaper', Image: '<10 bytes>', Inner: { Passcode: '[secret]' } }], At: '1970-01-01T00:00:00.000Z' });
  });

  it('lets loss-related commands jump the queue and inventory wait', () => {
    expect(priorityOf('EraseDevice')).toBe(PRIORITY.urgent);
    expect(priorityOf('DeviceInformation')).toBe(PRIORITY.background);
    expect(priorityOf('InstallProfile')).toBe(PRIORITY.normal);
  });
});
