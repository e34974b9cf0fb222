import plist from 'plist';
import { SimulatedFleet, type FleetEvent } from '../../src/sim/fleet';
import { httpClient } from '../../src/sim/http-client';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';

/**
 * The simulator `slate sim` is built on, against a real Slate over HTTP: identity renewal the way
 * iPadOS does it, profiles it reports back, and a fleet that enrols and answers by polling.
 */
describe('simulated iPad', () => {
  let h: SpineHarness;
  beforeAll(async () => {
    // Every identity is "due" for renewal at once: DEVICE_CERT_RENEW_BEFORE beyond its validity.
    h = await startSpine({ DEVICE_CERT_RENEW_BEFORE: '400d' });
  }, 60_000);
  afterAll(() => h?.close());

  const device = async (udid: string) => h.slate.services.devices.require(udid);
  const command = async (udid: string, requestType: string, params: Record<string, unknown> = {}) =>
    (await h.slate.services.apple.staff.send({ devices: [await device(udid)], requestType, params, by: 'test' })).commands[0]!.commandUuid;

  it('renews its identity from a re-sent enrolment profile: SCEP with the new challenge, then signs with the new certificate', async () => {
    const ipad = await h.enrolled();
    const before = ipad.certificateDer!;
    const { id } = await device(ipad.udid);
    expect(await h.slate.services.apple.renewal.renewDue()).toBeGreaterThanOrEqual(1);

    const handled = await ipad.connect();
    expect(handled.map((c) => [c.requestType, c.answered])).toEqual([['InstallProfile', 'Acknowledged']]);
    expect(ipad.certificateDer!.equals(before)).toBe(false);
    // The answer itself went out under the new identity; Slate adopted it and retired the old one.
    const certs = await h.slate.services.pki.listCertificates({ deviceId: id, includeRevoked: true });
    expect(certs.map((c) => ({ revoked: c.revokedAt !== null, reason: c.revokeReason })).sort((a, b) => Number(a.revoked) - Number(b.revoked)))
      .toEqual([{ revoked: false, reason: null }, { revoked: true, reason: 'superseded by renewal' }]);
    const lock = await command(ipad.udid, 'DeviceLock', { Message: 'after renewal' });
    expect((await ipad.connect()).map((c) => c.commandUuid)).toEqual([lock]);
    expect(await h.slate.services.apple.commands.get(lock)).toMatchObject({ status: 'acknowledged' });
    // Replaced, not added: still one enrolment profile on the device, and no second MDM payload.
    expect(ipad.enrolmentIdentifier).toBe('test.slate.mdm.slate.enroll');
    expect([...ipad.installed.profiles.values()].filter((p) => p.payloadTypes.includes('com.apple.mdm'))).toEqual([]);
  });

  it('lists the profiles it installed, removes one on request, and refuses a second MDM enrolment', async () => {
    const ipad = await h.enrolled();
    const wifi = Buffer.from(plist.build({
      PayloadType: 'Configuration', PayloadVersion: 1, PayloadIdentifier: 'org.example.wifi', PayloadUUID: 'A1B2C3D4-0000-4000-8000-000000000001', PayloadDisplayName: 'Schul-WLAN',
      PayloadContent: [{ PayloadType: 'com.apple.wifi.managed', PayloadIdentifier: 'org.example.wifi.1', PayloadUUID: 'A1B2C3D4-0000-4000-8000-000000000002', PayloadVersion: 1 }],
    }));
    await command(ipad.udid, 'InstallProfile', { Payload: wifi });
    const list = await command(ipad.udid, 'ProfileList');
    await ipad.connect();
    const answered = await h.slate.services.apple.commands.get(list);
    expect(answered).toMatchObject({ status: 'acknowledged' });
    expect([...ipad.installed.profiles.keys()]).toEqual(['org.example.wifi']);
    // What the iPad reported (its enrolment profile first, as iPadOS lists it) is what Slate now knows about it.
    const reported = JSON.stringify((await h.slate.services.devices.details(ipad.udid)).inventory.ProfileList?.data);
    expect(reported).toContain('org.example.wifi');
    expect(reported).toContain('test.slate.mdm.slate.enroll');

    await command(ipad.udid, 'RemoveProfile', { Identifier: 'org.example.wifi' });
    await ipad.connect();
    expect([...ipad.installed.profiles.keys()]).toEqual([]);

    // An enrolment profile of another server (another identifier): iPadOS has one MDM enrolment.
    const other = Buffer.from(plist.build({
      PayloadType: 'Configuration', PayloadVersion: 1, PayloadIdentifier: 'org.elsewhere.enroll', PayloadUUID: 'A1B2C3D4-0000-4000-8000-000000000003',
      PayloadContent: [
        { PayloadType: 'com.apple.security.scep', PayloadIdentifier: 'x.scep', PayloadUUID: 'A1B2C3D4-0000-4000-8000-000000000004', PayloadVersion: 1, PayloadContent: { URL: 'https://elsewhere.example/scep', Challenge: 'x' } },
        { PayloadType: 'com.apple.mdm', PayloadIdentifier: 'x.mdm', PayloadUUID: 'A1B2C3D4-0000-4000-8000-000000000005', PayloadVersion: 1, Topic: 'com.apple.mgmt.x', ServerURL: 'https://elsewhere.example/mdm', CheckInURL: 'https://elsewhere.example/mdm' },
      ],
    }));
    const refused = await command(ipad.udid, 'InstallProfile', { Payload: other });
    await ipad.connect();
    expect(await h.slate.services.apple.commands.get(refused)).toMatchObject({ status: 'error' });
    expect(JSON.stringify((await h.slate.services.apple.commands.get(refused))!.errorChain)).toContain('a second MDM profile (org.elsewhere.enroll) cannot be installed');
  });

  it('a fleet enrols through one link, polls, answers lock and lost mode, and stops talking once erased', async () => {
    const events: FleetEvent[] = [];
    const transport = httpClient();
    const fleet = new SimulatedFleet({ link: await h.newLink(), count: 3, transport, rewrite: h.rewrite, onEvent: (e) => events.push(e) });
    try {
      await fleet.enrol();
      expect(events.map((e) => e.event)).toEqual(['enrolled', 'enrolled', 'enrolled']);
      const serials = fleet.ipads.map((i) => i.facts.serial);
      for (const s of serials) expect(s).toMatch(/^SIM-[0-9A-F]{4}0[1-3]$/);
      const [a, b, c] = fleet.ipads;
      expect((await device(a!.udid)).serialNumber).toBe(a!.facts.serial);

      await command(a!.udid, 'DeviceLock', { Message: 'x' });
      await command(b!.udid, 'EnableLostMode', { Message: 'Bitte abgeben' });
      await command(c!.udid, 'EraseDevice');
      const answered = () => events.flatMap((e) => (e.event === 'answered' ? [[e.serial, e.requestType, e.status].join(' ')] : []));
      expect(await fleet.poll()).toBe(3);
      // The iPads of one round answer concurrently, in any order.
      expect(answered().sort()).toEqual([
        `${a!.facts.serial} DeviceLock Acknowledged`, `${b!.facts.serial} EnableLostMode Acknowledged`, `${c!.facts.serial} EraseDevice Acknowledged`,
      ].sort());
      await command(b!.udid, 'DeviceLocation');
      expect(await fleet.poll()).toBe(1);
      expect(answered().at(-1)).toBe(`${b!.facts.serial} DeviceLocation Acknowledged`);
      expect(events).toContainEqual({ event: 'erased', serial: c!.facts.serial });
      expect((await device(b!.udid)).state).toBe('lost');
      const location = (await h.slate.services.devices.details(b!.udid)).inventory.DeviceLocation?.data as { latitude: number; longitude: number };
      expect(location).toMatchObject(b!.facts.location);
      expect((await device(c!.udid)).state).toBe('wiped');
      // The erased iPad is not asked any more: two iPads, two idle polls.
      expect(fleet.ipads.filter((i) => !i.erased)).toHaveLength(2);
    } finally {
      transport.close();
    }
  });
});
