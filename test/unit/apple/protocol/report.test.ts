import { decodeReport, describeErrorChain } from '../../../../src/apple/protocol/report';
import { encodePlist } from '../../../../src/apple/protocol/plist';
import { encodeBinaryPlist } from '../../../helpers/bplist-encode';
import { CMDMNT, fixture } from './fixture';

const R = `apple-command-responses/${CMDMNT}`;
const code = (c: string) => expect.objectContaining({ code: c, status: 400 });

describe('decodeReport: real command responses (commandment testdata)', () => {
  it('Acknowledged DeviceInformation keeps the whole response in body', () => {
    const r = decodeReport(fixture(`${R}/DeviceInformation/iOS-11.3.1.xml`));
    expect(r.status).toBe('Acknowledged');
    expect(r.commandUuid).toBe('3ab89975-490b-4f33-80c7-0982069272ba');
    expect(r.udid).toBeTruthy();
    expect(r.body.QueryResponses).toMatchObject({ Model: expect.any(String) });
  });

  it('Error with a two-level ErrorChain (iOS-11.3.1-AvailableOSUpdatesFailure.xml)', () => {
    const r = decodeReport(fixture(`${R}/Errors/iOS-11.3.1-AvailableOSUpdatesFailure.xml`));
    expect(r.status).toBe('Error');
    expect(r.errorChain).toHaveLength(2);
    expect(describeErrorChain(r.errorChain)).toMatch(/^DeviceManagement\.error 2213.* <- com\.apple\.softwareupdateservices\.errors 3/);
  });

  it('CommandFormatError without ErrorChain, NotNow, and RemoveProfile-Unmanaged (12013)', () => {
    const formatError = decodeReport(fixture(`${R}/Errors/iOS-11.3.1-CommandFormatError.xml`));
    expect(formatError.status).toBe('CommandFormatError');
    expect(formatError.errorChain).toBeUndefined();
    expect(decodeReport(fixture(`${R}/NotNow/iOS-11.3.1.xml`)).status).toBe('NotNow');
    expect(describeErrorChain(decodeReport(fixture(`${R}/Errors/iOS-11.3.1-RemoveProfile-Unmanaged.xml`)).errorChain)).toMatch(/^MCMDMErrorDomain 12013: The profile .* is not managed by MDM\.$/);
  });

  it('an Idle report needs no CommandUUID (nanomdm Mdm-Signature body shape)', () => {
    expect(decodeReport(encodePlist({ Status: 'Idle', UDID: 'u' }))).toEqual({ udid: 'u', status: 'Idle', body: { Status: 'Idle', UDID: 'u' } });
  });
});

describe('decodeReport: invalid reports', () => {
  it('missing or empty UDID → message_invalid', () => {
    expect(() => decodeReport(encodePlist({ Status: 'Idle' }))).toThrow(code('message_invalid'));
    expect(() => decodeReport(encodePlist({ Status: 'Idle', UDID: '' }))).toThrow(code('message_invalid'));
    expect(() => decodeReport(encodePlist({ Status: 'Idle', UDID: 5 }))).toThrow(code('message_invalid'));
  });

  it('unknown Status, answers without CommandUUID, ErrorChain of the wrong type → message_invalid', () => {
    expect(() => decodeReport(encodePlist({ Status: 'Done', UDID: 'u' }))).toThrow(code('message_invalid'));
    expect(() => decodeReport(encodePlist({ UDID: 'u' }))).toThrow(code('message_invalid'));
    expect(() => decodeReport(encodePlist({ Status: 'Acknowledged', UDID: 'u' }))).toThrow(code('message_invalid'));
    expect(() => decodeReport(encodePlist({ Status: 'Error', UDID: 'u', CommandUUID: 'c', ErrorChain: 'boom' }))).toThrow(code('message_invalid'));
    expect(() => decodeReport(encodePlist({ Status: 'Acknowledged', UDID: 'u', CommandUUID: 12 }))).toThrow(code('message_invalid'));
    expect(() => decodeReport(encodePlist(['Idle']))).toThrow(code('message_invalid'));
  });

  it('hostile and broken bodies → plist_invalid', () => {
    const doc = fixture(`${R}/DeviceLock/iOS-11.3.1.xml`);
    expect(() => decodeReport(doc.subarray(0, doc.length - 20))).toThrow(code('plist_invalid'));
    expect(() => decodeReport(Buffer.from(`<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "${'b'.repeat(10)}">]><plist><dict/></plist>`))).toThrow(code('plist_invalid'));
    expect(() => decodeReport(Buffer.from('<plist>' + '<array>'.repeat(1000) + '</array>'.repeat(1000) + '</plist>'))).toThrow(code('plist_invalid'));
    expect(() => decodeReport(Buffer.from('bplist00garbage-garbage-garbage-garbage-garbage'))).toThrow(code('plist_invalid'));
  });

  it('a valid binary report is plist_invalid: devices send XML (decodeDevicePlist)', () => {
    const report = { Status: 'Acknowledged', UDID: 'u', CommandUUID: 'c' };
    expect(decodeReport(encodePlist(report)).status).toBe('Acknowledged');
    expect(() => decodeReport(encodeBinaryPlist(report))).toThrow(expect.objectContaining({ code: 'plist_invalid', message: expect.stringMatching(/binary/) }));
  });
});
