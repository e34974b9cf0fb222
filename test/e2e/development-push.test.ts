import { DEVELOPMENT_TOPIC } from '../../src/apple/apns/development-push';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';
import { createTestSlate } from '../helpers/test-slate';

/**
 * A development Slate without a push certificate (issue #11): iPads enrol with the labelled
 * development topic instead of getting 503, and pushes for it are not sent anywhere; the device
 * sees its commands when it polls. Production never does this.
 */
describe('development push topic', () => {
  let h: SpineHarness;
  beforeAll(async () => {
    h = await startSpine({ NODE_ENV: 'development', APNS_POLL_INTERVAL: '50ms' }, { pushCert: false });
  }, 60_000);
  afterAll(() => h?.close());

  it('enrols with the development topic, sends no push, and the polling iPad still gets and acknowledges its command', async () => {
    const ipad = h.ipad();
    const profile = await ipad.installProfile(await h.newLink());
    const mdm = (profile.PayloadContent as Record<string, unknown>[]).find((p) => p.PayloadType === 'com.apple.mdm')!;
    expect(mdm.Topic).toBe(DEVELOPMENT_TOPIC);
    await ipad.enrolCertificate();
    await ipad.checkin({ MessageType: 'Authenticate', Topic: DEVELOPMENT_TOPIC, SerialNumber: ipad.facts.serial });
    await ipad.checkin({ MessageType: 'TokenUpdate', Topic: DEVELOPMENT_TOPIC, Token: ipad.pushToken, PushMagic: ipad.pushMagic, UnlockToken: ipad.unlockToken });
    const device = await h.slate.services.devices.require(ipad.udid);

    const [queued] = (await h.slate.services.apple.staff.send({ devices: [device], requestType: 'DeviceLock', params: { Message: 'dev' }, by: 'test' })).commands;
    await h.slate.services.push.flush();
    expect(h.apns.requests).toHaveLength(0);
    expect(await h.slate.s.pushOutbox.count()).toBe(0);
    expect(h.logs.some((l) => l.msg === 'development push topic: pushes not sent; devices see their commands when they poll' && l.withheld === 1)).toBe(true);

    expect((await ipad.connect()).map((c) => c.requestType)).toEqual(['DeviceLock']);
    // Nothing was pushed, and the timeline does not claim otherwise.
    expect(await h.slate.services.apple.commands.get(queued!.commandUuid)).toMatchObject({ status: 'acknowledged', pushedAt: null });
  });

  it('is not used outside development: production (and tests) enrol only with a push certificate', async () => {
    for (const env of [{ NODE_ENV: 'production', SECRET_KEY: 'ab'.repeat(32), CA_CREATE: 'true' }, { NODE_ENV: 'test' }] as Record<string, string>[]) {
      const slate = await createTestSlate(env);
      try {
        expect(slate.services.pushTopic()).toBeNull();
        expect(() => slate.services.enrollment.endpoints()).toThrow(expect.objectContaining({ code: 'enrollment_unavailable' }));
      } finally {
        await slate.dispose();
      }
    }
  });
});
