import type { EncodePlist } from '../../../../src/apple/checkin.service';
import type { AppleProtocol, InventoryParser } from '../../../../src/apple/protocol';
import type { EncodeCommand } from '../../../../src/apple/command.service';
import type { MdmRouterDeps } from '../../../../src/apple/http/mdm.router';
import * as protocol from '../../../../src/apple/protocol';

// Compile-time: the protocol functions fit the seams the services declare (npm run typecheck).
const encode: EncodeCommand = protocol.encodeCommand;
const encodePlist: EncodePlist = protocol.encodePlist;
const facts: AppleProtocol['deviceFactsOf'] = protocol.deviceFactsOf;
const parsers: Partial<Record<string, InventoryParser>> = protocol.INVENTORY_PARSERS;
const decoders: Pick<MdmRouterDeps, 'decodeCheckin' | 'decodeReport'> = { decodeCheckin: protocol.decodeCheckin, decodeReport: protocol.decodeReport };

describe('protocol entry (src/apple/protocol/index.ts)', () => {
  it('exports what app.ts wires', () => {
    for (const fn of [encode, encodePlist, facts, decoders.decodeCheckin, decoders.decodeReport, protocol.buildCommand]) expect(typeof fn).toBe('function');
    expect(Object.keys(parsers).sort()).toEqual(['CertificateList', 'DeviceInformation', 'InstalledApplicationList', 'ProfileList', 'SecurityInfo']);
  });
});

describe('createAppleProtocol', () => {
  it('builds schema-checked commands and profiles for the spine', () => {
    const p = protocol.createAppleProtocol();
    expect(p.buildCommand('DeviceLock', { Message: 'x' })).toEqual({ RequestType: 'DeviceLock', Message: 'x' });
    expect(() => p.buildCommand('DeviceInformation', { Queries: ['NotAQuery'] })).toThrow(expect.objectContaining({ code: 'command_invalid' }));
    const profile = p.buildEnrollmentProfile({
      identifier: 'localhost.slate.enroll', displayName: 'Slate MDM', organization: 'Slate',
      scep: { url: 'https://localhost:8443/scep', challenge: 'challenge-123456', subjectCommonName: 'slate-device-1234abcd' },
      mdm: { topic: 'com.apple.mgmt.External.1234', serverUrl: 'https://localhost:8443/mdm/connect', checkInUrl: 'https://localhost:8443/mdm/checkin' },
    });
    expect(protocol.decodePlist(profile)).toMatchObject({ PayloadType: 'Configuration' });
  });
});
