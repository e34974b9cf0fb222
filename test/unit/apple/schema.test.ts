import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppleSchemas, profileProblems, validateKeys } from '../../../src/apple/schema';
import { decodePlist, isPlistDict } from '../../../src/apple/protocol/plist';
import { fixture } from './protocol/fixture';

const schemas = new AppleSchemas();

describe('AppleSchemas (vendored apple/device-management)', () => {
  it('indexes commands, check-ins and profile payloads by their type', () => {
    expect(schemas.types('checkin')).toEqual(['Authenticate', 'CheckOut', 'DeclarativeManagement', 'GetBootstrapToken', 'GetToken', 'SetBootstrapToken', 'TokenUpdate', 'UserAuthenticate']);
    expect(schemas.command('DeviceLock')?.payloadkeys?.map((k) => k.key)).toEqual(['Message', 'PhoneNumber', 'PIN']);
    expect(schemas.profilePayload('com.apple.mdm')?.title).toBeTruthy();
  });

  it('real check-ins from devices (commandment, micromdm, nanomdm testdata) carry the types Apple\'s check-in schema documents', () => {
    // Only types: iOS 9 devices omit keys (DeviceName, Model) that Apple now marks required, and
    // devices send keys the schema does not list (NotOnConsole, IMEI ...).
    const dirs = ['apple-checkin/micromdm__nanomdm/mdm/testdata', 'apple-checkin/micromdm__micromdm/mdm/checkin/testdata', 'apple-checkin/cmdmnt__commandment/testdata/Authenticate'];
    let checked = 0;
    for (const dir of dirs) {
      for (const f of readdirSync(join(__dirname, '../../fixtures', dir)).filter((n) => /\.(plist|xml)$/.test(n))) {
        const msg = decodePlist(fixture(`${dir}/${f}`));
        if (!isPlistDict(msg)) throw new Error(f);
        const schema = schemas.checkin(String(msg.MessageType))!;
        const problems = validateKeys(schema.payloadkeys ?? [], msg).filter((p) => /expected|not one of/.test(p));
        expect({ f, problems }).toEqual({ f, problems: [] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('validateKeys reports missing, unknown, mistyped and out-of-range keys with their path', () => {
    const specs = [
      { key: 'Name', type: '<string>', presence: 'required' as const },
      { key: 'Size', type: '<integer>', rangelist: [1024, 2048] },
      { key: 'Sub', type: '<dictionary>', subkeys: [{ key: 'On', type: '<boolean>' }] },
      { key: 'List', type: '<array>', subkeys: [{ key: 'Item', type: '<data>' }] },
    ];
    expect(validateKeys(specs, { Name: 'x', Size: 2048, Sub: { On: true }, List: [Buffer.alloc(1)] })).toEqual([]);
    expect(validateKeys(specs, { Size: 512, Sub: { On: 'yes' }, List: ['text'], Extra: 1 })).toEqual([
      'Name: required', 'Size: 512 is not one of 1024, 2048', 'Sub.On: expected boolean, got string', 'List[0]: expected data, got string', 'Extra: not a key Apple defines here',
    ]);
  });

  it('the nanomdm enrolment profile template conforms to the TopLevel, com.apple.mdm and com.apple.security.scep schemas', () => {
    const profile = decodePlist(fixture('enrollment-profiles/micromdm__nanomdm/docs/enroll.mobileconfig'));
    expect(profileProblems(schemas, profile as Record<string, unknown>)).toEqual([]);
  });

  it('a profile with a payload of the wrong shape is reported', () => {
    const profile = decodePlist(fixture('enrollment-profiles/micromdm__nanomdm/docs/enroll.mobileconfig')) as { PayloadContent: Record<string, unknown>[] };
    const mdm = profile.PayloadContent.find((p) => p.PayloadType === 'com.apple.mdm')!;
    mdm.AccessRights = 'all';
    delete mdm.ServerURL;
    expect(profileProblems(schemas, profile as unknown as Record<string, unknown>)).toEqual(expect.arrayContaining([
      expect.stringMatching(/com\.apple\.mdm\)\.ServerURL: required/), expect.stringMatching(/AccessRights: expected integer/),
    ]));
  });
});
