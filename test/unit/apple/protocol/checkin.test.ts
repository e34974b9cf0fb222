import { decodeCheckin } from '../../../../src/apple/protocol/checkin';
import { decodePlist, encodePlist } from '../../../../src/apple/protocol/plist';
import { encodeBinaryPlist } from '../../../helpers/bplist-encode';
import { CMDMNT, fixture } from './fixture';

const NANO = 'apple-checkin/micromdm__nanomdm/mdm/testdata';
const MICRO = 'apple-checkin/micromdm__micromdm/mdm/checkin/testdata';
const code = (c: string) => expect.objectContaining({ code: c, status: 400 });
const body = (v: Record<string, unknown>) => encodePlist(v);

describe('decodeCheckin: real check-ins', () => {
  it('Authenticate from an iPad2,5 on iOS 9.3.5 (nanomdm Authenticate.1.plist)', () => {
    const msg = decodeCheckin(fixture(`${NANO}/Authenticate.1.plist`));
    expect(msg.MessageType).toBe('Authenticate');
    if (msg.MessageType !== 'Authenticate') return;
    expect(msg.Topic).toMatch(/^com\.apple\.mgmt\./);
    expect(msg.UDID).toBeTruthy();
    expect(msg.OSVersion).toBe('9.3.5');
    expect(msg.BuildVersion).toBe('13G36');
    expect(msg).not.toHaveProperty('Challenge');
  });

  it('TokenUpdate with a real UnlockToken keybag (nanomdm TokenUpdate.1.plist)', () => {
    const msg = decodeCheckin(fixture(`${NANO}/TokenUpdate.1.plist`));
    if (msg.MessageType !== 'TokenUpdate') throw new Error('wrong type');
    expect(msg.Token).toHaveLength(32);
    expect(msg.UnlockToken!.length).toBeGreaterThan(1000);
    expect(msg.PushMagic).toBeTruthy();
    expect(msg.AwaitingConfiguration).toBe(false);
  });

  it('TokenUpdate with an empty UnlockToken keeps it as an empty Buffer (micromdm TokenUpdate.plist)', () => {
    const msg = decodeCheckin(fixture(`${MICRO}/TokenUpdate.plist`));
    if (msg.MessageType !== 'TokenUpdate') throw new Error('wrong type');
    expect(msg.UnlockToken).toEqual(Buffer.alloc(0));
  });

  it('user-channel TokenUpdate carries UserID (commandment TokenUpdate/10.12.2-user.xml)', () => {
    const msg = decodeCheckin(fixture(`apple-checkin/${CMDMNT}/TokenUpdate/10.12.2-user.xml`));
    expect(msg.UserID).toBeTruthy();
  });

  it.each([
    `${NANO}/Authenticate.2.plist`, `${NANO}/TokenUpdate.2.plist`, `${MICRO}/Authenticate.plist`, `${MICRO}/CheckOut.plist`,
    `apple-checkin/${CMDMNT}/Authenticate/IOS-11.3.1.xml`, `apple-checkin/${CMDMNT}/Authenticate/iOS-11.3.1-cell.xml`,
    `apple-checkin/${CMDMNT}/Authenticate/10.11.x.xml`, `apple-checkin/${CMDMNT}/CheckOut/iOS-11.3.1.xml`,
    `apple-checkin/${CMDMNT}/TokenUpdate/10.12.2.xml`, `apple-checkin/${CMDMNT}/TokenUpdate/10.11.x.plist`,
  ])('%s decodes', (path) => {
    expect(() => decodeCheckin(fixture(path))).not.toThrow();
  });

  it('refuses the sanitised commandment iOS TokenUpdate whose <data> is not base64', () => {
    expect(() => decodeCheckin(fixture(`apple-checkin/${CMDMNT}/TokenUpdate/iOS-11.3.1.xml`))).toThrow(code('plist_invalid'));
  });
});

describe('decodeCheckin: message types Slate has no fixture for', () => {
  const udid = { UDID: '0000-1111' };
  it('DeclarativeManagement, SetBootstrapToken, GetBootstrapToken, UserAuthenticate, GetToken', () => {
    expect(decodeCheckin(body({ ...udid, MessageType: 'DeclarativeManagement', Endpoint: 'tokens', Data: Buffer.from('{}') }))).toMatchObject({ Endpoint: 'tokens' });
    expect(decodeCheckin(body({ ...udid, MessageType: 'SetBootstrapToken', BootstrapToken: Buffer.from('x'), AwaitingConfiguration: true }))).toMatchObject({ AwaitingConfiguration: true });
    expect(decodeCheckin(body({ ...udid, MessageType: 'GetBootstrapToken' })).MessageType).toBe('GetBootstrapToken');
    expect(decodeCheckin(body({ ...udid, UserID: 'u', MessageType: 'UserAuthenticate' })).MessageType).toBe('UserAuthenticate');
    expect(decodeCheckin(body({ EnrollmentID: 'e', MessageType: 'GetToken', TokenServiceType: 'com.apple.maid' })).MessageType).toBe('GetToken');
  });
});

describe('decodeCheckin: invalid messages', () => {
  const tokenUpdate = { MessageType: 'TokenUpdate', UDID: 'u', Topic: 't', Token: Buffer.alloc(32, 1), PushMagic: 'pm' };

  it('unknown MessageType → message_type_unknown', () => {
    expect(() => decodeCheckin(body({ MessageType: 'Explode', UDID: 'u' }))).toThrow(code('message_type_unknown'));
    expect(() => decodeCheckin(body({ MessageType: 'toString', UDID: 'u' }))).toThrow(code('message_type_unknown'));
  });

  it('no MessageType, not a dict, no device identifier, wrong types → message_invalid', () => {
    expect(() => decodeCheckin(body({ UDID: 'u' }))).toThrow(code('message_invalid'));
    expect(() => decodeCheckin(encodePlist(['Authenticate']))).toThrow(code('message_invalid'));
    expect(() => decodeCheckin(body({ ...tokenUpdate, UDID: undefined }))).toThrow(code('message_invalid'));
    expect(() => decodeCheckin(body({ ...tokenUpdate, Token: 'not-data' }))).toThrow(code('message_invalid'));
    expect(() => decodeCheckin(body({ ...tokenUpdate, Token: Buffer.alloc(0) }))).toThrow(code('message_invalid'));
    expect(() => decodeCheckin(body({ ...tokenUpdate, PushMagic: 7 }))).toThrow(code('message_invalid'));
    expect(() => decodeCheckin(body({ ...tokenUpdate, AwaitingConfiguration: 'yes' }))).toThrow(code('message_invalid'));
    expect(() => decodeCheckin(body({ ...tokenUpdate, UDID: 'x'.repeat(500) }))).toThrow(code('message_invalid'));
    expect(() => decodeCheckin(body({ MessageType: 'Authenticate', UDID: 'u' }))).toThrow(code('message_invalid'));
  });

  it('never echoes secret values in the error', () => {
    try {
      decodeCheckin(body({ ...tokenUpdate, UnlockToken: 'SECRET-KEYBAG' }));
      throw new Error('accepted');
    } catch (err) {
      expect((err as Error).message).toContain('UnlockToken');
      expect((err as Error).message).not.toContain('SECRET');
    }
  });

  it('hostile bodies are plist_invalid', () => {
    expect(() => decodeCheckin(Buffer.from('<!DOCTYPE plist [<!ENTITY x SYSTEM "file:///etc/passwd">]><plist><dict><key>MessageType</key><string>&x;</string></dict></plist>'))).toThrow(code('plist_invalid'));
    expect(() => decodeCheckin(fixture(`${NANO}/Authenticate.1.plist`).subarray(0, 300))).toThrow(code('plist_invalid'));
    expect(() => decodeCheckin(Buffer.alloc(2 * 1024 * 1024, 0x20))).toThrow(code('plist_invalid'));
    expect(() => decodeCheckin(Buffer.from([0x30, 0x82, 0x01, 0x00, 0xde, 0xad]))).toThrow(code('plist_invalid'));
  });

  it('a valid binary plist is plist_invalid: devices send XML (decodeDevicePlist)', () => {
    const authenticate = { MessageType: 'Authenticate', Topic: 'com.apple.mgmt.x', UDID: 'u', DeviceName: 'ab' };
    expect(decodeCheckin(body(authenticate))).toMatchObject({ DeviceName: 'ab' });
    expect(decodePlist(encodeBinaryPlist(authenticate))).toEqual(authenticate);
    expect(() => decodeCheckin(encodeBinaryPlist(authenticate))).toThrow(expect.objectContaining({ code: 'plist_invalid', message: expect.stringMatching(/binary/) }));
  });
});
