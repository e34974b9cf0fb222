import { auditEventSink } from '../../../src/audit/audit-events';
import { auditLines } from '../../helpers/audit-lines';
import { AppleSchemas } from '../../../src/apple/schema';
import { createPolicy } from '../../../src/reconciler/policy.factory';
import type { LicenceProvider } from '../../../src/policy';
import { policySecretsEnv, PREFIX, testCatalog } from '../../helpers/policy-catalog';
import { startSpine, type SpineHarness } from '../../helpers/spine-harness';
import type { SimulatedIpad } from '../../sim/ipad-simulator';

/**
 * How the reconciler treats refusals (backoff, alert, giving up), licences, drift found in an
 * inventory report and profiles Slate did not install; simulated iPads over real HTTP.
 */
describe('policy reconciler behaviour', () => {
  let h: SpineHarness;
  let ipad: SimulatedIpad;

  beforeAll(async () => {
    h = await startSpine({ ...policySecretsEnv(), POLICY_MAX_ATTEMPTS: '3' });
    await h.slate.services.policy.apply({ sources: testCatalog(), by: 'test' });
    ipad = await h.enrolled();
  }, 60_000);
  afterAll(() => h?.close());

  const id = async () => (await h.slate.services.devices.require(ipad.udid)).id;
  const sync = async (i = ipad) => {
    const all = [];
    for (let n = 0; n < 10; n++) {
      const handled = await i.connect();
      if (!handled.length) break;
      all.push(...handled);
    }
    return all;
  };
  const wifi = async () => (await h.slate.services.policy.status({ device: ipad.udid })).rows.find((r) => r.target === `${PREFIX}wifi-bildstock`)!;
  /** The backoff has run out (as if time had passed). */
  const backoffOver = async () => {
    await h.slate.db.run(`UPDATE device_policy_items SET retry_at = ? WHERE state = 'failed' AND retry_at IS NOT NULL`, [new Date(Date.now() - 1000)]);
  };

  it('a refused profile backs off 15 minutes, then 30; the third refusal alerts and POLICY_MAX_ATTEMPTS stops the retries', async () => {
    ipad.react = (type) => (type === 'InstallProfile' ? 'Error' : 'Acknowledged');
    await sync();
    expect(await wifi()).toMatchObject({ state: 'failed', attempts: 1 });
    const first = (await wifi()).retryAt!.getTime() - Date.now();
    expect(first).toBeGreaterThan(14.9 * 60_000);
    expect(first).toBeLessThanOrEqual(15 * 60_000);
    expect(await h.slate.services.policy.retryDue()).toBe(0);
    await backoffOver();
    expect(await h.slate.services.policy.retryDue()).toBe(2);
    await sync();
    expect(await wifi()).toMatchObject({ state: 'failed', attempts: 2 });
    expect((await wifi()).retryAt!.getTime() - Date.now()).toBeGreaterThan(29.9 * 60_000);
    expect(await auditLines(h.slate, { action: 'policy.alert' })).toEqual([]);
    await backoffOver();
    await h.slate.services.policy.retryDue();
    await sync();
    expect(await wifi()).toMatchObject({ state: 'failed', attempts: 3, retryAt: null, reason: 'MCMDMErrorDomain 12021: Simulated failure' });
    const alerts = await auditLines(h.slate, { action: 'policy.alert', targetType: 'device', targetId: await id() });
    expect(alerts.map((a) => JSON.parse(a.detail!))).toEqual(expect.arrayContaining([expect.objectContaining({ target: `${PREFIX}wifi-bildstock`, attempts: 3, retrying: false })]));
    expect(h.logs.some((l) => l.alert === 'policy-refused' && l.target === `${PREFIX}wifi-bildstock`)).toBe(true);
    await backoffOver();
    expect(await h.slate.services.policy.retryDue()).toBe(0);
    expect(await sync()).toEqual([]);
  });

  it('a new version of a refused entry starts afresh', async () => {
    ipad.react = () => 'Acknowledged';
    await h.slate.services.policy.apply({ sources: testCatalog({ wifiSsid: 'GS-Neu' }), by: 'test' });
    expect((await sync()).filter((l) => l.requestType === 'InstallProfile')).toHaveLength(1);
    expect(await wifi()).toMatchObject({ state: 'installed' });
    // restrictions-grade-3 kept its refused version: installed once its backoff is over.
    await h.slate.db.run(`UPDATE device_policy_items SET retry_at = ? WHERE state = 'failed'`, [new Date(Date.now() - 1000)]);
    await h.slate.services.policy.retryDue();
    await sync();
    expect((await h.slate.services.policy.status({ device: ipad.udid })).rows.filter((r) => r.state !== 'installed')).toEqual([]);
  });

  it('an inventory report that shows drift brings the device back; profiles Slate did not install stay', async () => {
    ipad.installed.profiles.delete(`${PREFIX}restrictions-grade-3`);
    ipad.installed.profiles.set('com.example.user.vpn', { uuid: 'A1B2', payloadTypes: ['com.apple.vpn.managed'] });
    await h.slate.services.apple.staff.send({ devices: [await h.slate.services.devices.require(ipad.udid)], requestType: 'ProfileList', by: 'test' });
    const handled = await sync();
    expect(handled.map((l) => l.requestType)).toEqual(['ProfileList', 'InstallProfile', 'ProfileList']);
    expect([...ipad.installed.profiles.keys()].sort()).toEqual(['com.example.user.vpn', `${PREFIX}restrictions-grade-3`, `${PREFIX}wifi-bildstock`]);
  });

  it('an entry that leaves the catalog is removed from devices; the enrolment profile never is', async () => {
    const without = [{ path: 'catalog/test.yaml', bytes: Buffer.from(testCatalog()[0]!.bytes.toString('utf8').replace(/ {2}- id: restrictions-grade-3[\s\S]*?(?= {2}- id: passcode-grade-4)/, '')) }];
    const r = await h.slate.services.policy.apply({ sources: without, by: 'test' });
    expect(r.plan.overall).toMatchObject({ removeProfile: 1 });
    const handled = await sync();
    expect(handled.filter((l) => l.requestType === 'RemoveProfile').map((l) => l.command.Identifier)).toEqual([`${PREFIX}restrictions-grade-3`]);
    expect(ipad.installed.profiles.has(`${PREFIX}restrictions-grade-3`)).toBe(false);
    expect(ipad.ledger.some((l) => l.requestType === 'RemoveProfile' && l.command.Identifier !== `${PREFIX}restrictions-grade-3`)).toBe(false);
  });

  it('no licence for an app: the install is held with the reason, nothing is sent, and the held item shows in status', async () => {
    const licences: LicenceProvider = { name: 'none-free', assign: async () => ({ status: 'unavailable', reason: 'no licence left for 895485086', retryAfterMs: 600_000 }), release: async () => undefined };
    const { slate } = h;
    const other = await h.enrolled();
    const deviceId = (await slate.services.devices.require(other.udid)).id;
    // Forget what enrolment already enqueued with the real provider: this test plans the device afresh.
    await slate.db.run(`DELETE FROM command_queue WHERE device_id = ?`, [deviceId]);
    await slate.db.transaction((tx) => slate.stores.policyDevices.reset(tx, deviceId));
    const policy = createPolicy({
      config: slate.config, db: slate.db, stores: slate.stores, audit: auditEventSink(slate.services.audit), schemas: new AppleSchemas(), secretKey: Buffer.alloc(32),
      signer: (b) => b, commands: slate.services.apple.commands, build: (t, p) => slate.services.apple.protocol.buildCommand(t, p),
      schoolIdsUnder: (c) => slate.services.org.schoolIdsUnder(c), resolveDevice: (x) => slate.services.devices.require(x), logger: slate.logger, licences,
    });
    const [result] = await policy.service.reconcile([deviceId], 'test');
    expect(result!.held).toEqual([{ target: 'com.apple.Pages', reason: 'no licence: no licence left for 895485086' }, { target: 'edu.mitmedialab.scratchjrfree', reason: 'no licence: no licence left for 895485086' }]);
    // Profiles go out (the catalog has lost restrictions-grade-3 above: only the Wi-Fi is left); apps wait.
    expect(result!.enqueued.map((e) => e.kind)).toEqual(['installProfile']);
    expect((await slate.services.apple.commands.timeline(deviceId, 10)).map((c) => c.requestType)).toEqual(['InstallProfile']);
    const pages = (await policy.service.status({ device: deviceId })).rows.find((r) => r.target === 'com.apple.Pages')!;
    expect(pages).toMatchObject({ state: 'failed', reason: 'no licence: no licence left for 895485086' });
    expect(pages.retryAt!.getTime() - Date.now()).toBeGreaterThan(590_000);
  });
});
