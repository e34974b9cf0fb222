import { startSpine, type SpineHarness } from '../helpers/spine-harness';
import type { SimulatedIpad } from '../sim/ipad-simulator';

/**
 * The Apple spine end to end over real HTTP: enrolment link → signed profile → SCEP → check-in →
 * commands woken through a stand-in APNs and answered by simulated iPads.
 */
describe('Apple MDM spine (simulated iPads)', () => {
  let h: SpineHarness;
  const ipads: SimulatedIpad[] = [];

  beforeAll(async () => {
    h = await startSpine();
    const enrolUrl = await h.newLink();
    for (let i = 0; i < 3; i++) {
      const ipad = h.ipad();
      await ipad.enrol(enrolUrl);
      ipads.push(ipad);
    }
  }, 60_000);

  afterAll(() => h?.close());

  const device = (ipad: SimulatedIpad) => h.slate.services.devices.require(ipad.udid);
  const pushesFor = (ipad: SimulatedIpad) => h.apns.requests.filter((r) => JSON.parse(r.body).mdm === ipad.pushMagic);
  const send = async (ipad: SimulatedIpad, requestType: string, params: Record<string, unknown> = {}) => {
    const r = await h.slate.services.apple.staff.send({ devices: [await device(ipad)], requestType, params, by: 'test' });
    return r.commands[0]!.commandUuid;
  };
  const waitForPush = async (ipad: SimulatedIpad, count: number) => {
    for (let i = 0; i < 500 && pushesFor(ipad).length < count; i++) await new Promise((r) => setTimeout(r, 20));
    expect(pushesFor(ipad).length).toBeGreaterThanOrEqual(count);
  };

  it('enrols each iPad into the school, grade and class of its link, bound to its certificate', async () => {
    const codes = new Map((await h.slate.services.org.list()).map((u) => [u.id, u.code]));
    for (const ipad of ipads) {
      const d = await device(ipad);
      expect(d.state).toBe('enrolled');
      expect([codes.get(d.schoolId!), codes.get(d.gradeId!), codes.get(d.classId!)]).toEqual(['gs-bildstock', 'gs-bildstock-3', 'gs-bildstock-3a']);
      const details = await h.slate.services.devices.details(d.id);
      expect(details.apple).toMatchObject({ pushReachable: true, hasUnlockToken: true });
      expect(details.recentCheckins.map((c) => c.messageType).sort()).toEqual(['Authenticate', 'TokenUpdate']);
      const certs = await h.slate.services.pki.listCertificates({ deviceId: d.id });
      expect(certs).toHaveLength(1);
    }
  });

  it('locks one iPad: a push reaches APNs, the device fetches and acknowledges the lock', async () => {
    const [ipad] = ipads;
    const uuid = await send(ipad!, 'DeviceLock', { Message: 'Bitte im Sekretariat abgeben', PhoneNumber: '0681 123456' });
    await waitForPush(ipad!, 1);
    const push = pushesFor(ipad!)[0]!;
    expect(push.token).toBe(ipad!.pushToken.toString('hex'));
    expect(push.headers['apns-topic']).toBe(h.apns.pushCert.topic);
    expect(push.headers['apns-push-type']).toBe('mdm');
    const handled = await ipad!.connect();
    expect(handled.map((h) => [h.commandUuid, h.requestType, h.command.Message])).toEqual([[uuid, 'DeviceLock', 'Bitte im Sekretariat abgeben']]);
    const c = await h.slate.services.apple.commands.get(uuid);
    expect(c).toMatchObject({ status: 'acknowledged', resultStatus: 'Acknowledged' });
  });

  it('puts one iPad in lost mode, locates it while lost, and forgets the location when found', async () => {
    const ipad = ipads[1]!;
    await send(ipad, 'EnableLostMode', { Message: 'Dieses iPad gehört der Grundschule Bildstock', PhoneNumber: '06897 1234' });
    await ipad.connect();
    expect((await device(ipad)).state).toBe('lost');
    await send(ipad, 'DeviceLocation');
    await ipad.connect();
    let inv = (await h.slate.services.devices.details(ipad.udid)).inventory;
    expect(inv.DeviceLocation?.data).toMatchObject({ latitude: 49.3, longitude: 7 });
    await send(ipad, 'DisableLostMode');
    await ipad.connect();
    expect((await device(ipad)).state).toBe('enrolled');
    inv = (await h.slate.services.devices.details(ipad.udid)).inventory;
    expect(inv.DeviceLocation).toBeUndefined();
  });

  it('keeps a NotNow command for the next Idle and records an Error with its chain', async () => {
    const ipad = ipads[0]!;
    ipad.react = (type) => (type === 'InstalledApplicationList' ? 'NotNow' : type === 'RestartDevice' ? 'Error' : 'Acknowledged');
    const apps = await send(ipad, 'InstalledApplicationList');
    const restart = await send(ipad, 'RestartDevice');
    await ipad.connect();
    const deferred = await h.slate.services.apple.commands.get(apps);
    expect(deferred).toMatchObject({ status: 'not_now' });
    expect(deferred!.notNowCount).toBeGreaterThanOrEqual(1);
    // The next Idle (say, after the next push) gets the deferred command again.
    ipad.react = () => 'Acknowledged';
    await ipad.connect();
    expect(await h.slate.services.apple.commands.get(apps)).toMatchObject({ status: 'acknowledged' });
    const failed = await h.slate.services.apple.commands.get(restart);
    expect(failed).toMatchObject({ status: 'error', resultStatus: 'Error' });
    expect(JSON.stringify(failed!.errorChain)).toContain('12021');
  });

  it('records inventory from DeviceInformation and refreshes the device row', async () => {
    const ipad = ipads[2]!;
    await send(ipad, 'DeviceInformation');
    await ipad.connect();
    const d = await h.slate.services.devices.details(ipad.udid);
    expect(d.inventory.DeviceInformation).toBeDefined();
    expect(d.device.serialNumber).toBe(ipad.facts.serial);
    expect(d.device.osVersion).toBe('18.1');
  });

  it('wipes one iPad: acknowledged, device wiped, nothing further queued', async () => {
    const ipad = ipads[2]!;
    const queued = await send(ipad, 'ProfileList');
    const wipe = await send(ipad, 'EraseDevice');
    const handled = await ipad.connect();
    // The wipe jumps the queue, and a device wiping itself is handed nothing after it.
    expect(handled.map((c) => c.requestType)).toEqual(['EraseDevice']);
    expect(ipad.erased).toBe(true);
    expect(await h.slate.services.apple.commands.get(wipe)).toMatchObject({ status: 'acknowledged' });
    expect(await h.slate.services.apple.commands.get(queued)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect((await device(ipad)).state).toBe('wiped');
    await expect(send(ipad, 'DeviceLock')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('sent a push to the stand-in APNs for every enqueue', () => {
    // ipad0: lock, apps, restart; ipad1: lost, location, found; ipad2: info, wipe (pushes coalesce per device at most).
    for (const ipad of ipads) expect(pushesFor(ipad).length).toBeGreaterThanOrEqual(1);
    expect(h.apns.requests.every((r) => r.headers['apns-topic'] === h.apns.pushCert.topic)).toBe(true);
  });
});
