import { commandProblems } from '../../../src/apple/schema';
import {
  AssumeLicencesExistProvider, configureAppCommand, DEFAULT_BACKOFF, installAppCommand, installProfileCommand, recordFailure, removeAppCommand, removeProfileCommand,
} from '../../../src/policy';
import { schemas } from './policy-fixture';

describe('policy commands', () => {
  it('each conforms to Apple\'s command schema', () => {
    const commands = [
      installProfileCommand({ entryId: 'x', identifier: 'de.rvsbr.mdm.slate.policy.x', uuid: 'U', payload: Buffer.from('signed'), renderedHash: 'h' }),
      removeProfileCommand('de.rvsbr.mdm.slate.policy.x'),
      installAppCommand({ adamId: 361309726 }, { server: 'gs-holz' }),
      installAppCommand({ adamId: 895485086 }),
      configureAppCommand('edu.mitmedialab.scratchjrfree', { server: 'gs-holz' }),
      removeAppCommand('com.apple.Pages'),
    ];
    for (const c of commands) expect({ type: c.RequestType, problems: commandProblems(schemas, c) }).toEqual({ type: c.RequestType, problems: [] });
  });

  it('installs App Store apps as device-licensed (VPP) and removable with management', () => {
    expect(installAppCommand({ adamId: 361309726 })).toEqual({ RequestType: 'InstallApplication', iTunesStoreID: 361309726, ManagementFlags: 1, Options: { PurchaseMethod: 1 } });
  });
});

describe('licences', () => {
  it('the assume-licences-exist provider says so and never blocks an install', async () => {
    const p = new AssumeLicencesExistProvider();
    expect(p.name).toBe('assume-licences-exist');
    await expect(p.assign({ adamId: 1, bundleId: 'a.b', deviceId: 'd', serialNumber: 'S' })).resolves.toEqual({ status: 'assigned', source: expect.stringContaining('not checked with Apple') });
    await expect(p.release()).resolves.toBeUndefined();
  });
});

describe('backoff after a refusal', () => {
  const refused = { kind: 'installProfile' as const, target: 'id', version: 'V1', reason: 'MCProfileErrorDomain 1009' };
  it('doubles from 15 minutes to a day and alerts once, at the third refusal of the same version', () => {
    let f = recordFailure(undefined, refused, 0);
    const delays = [f.retryAt];
    const alerts = [f.alert];
    for (let i = 0; i < 9; i++) {
      f = recordFailure(f, refused, 0);
      delays.push(f.retryAt);
      alerts.push(f.alert);
    }
    expect(delays.slice(0, 4)).toEqual([15, 30, 60, 120].map((m) => m * 60_000));
    expect(delays.at(-1)).toBe(DEFAULT_BACKOFF.maxDelayMs);
    expect(alerts.filter(Boolean)).toHaveLength(1);
    expect(alerts[2]).toBe(true);
  });

  it('a new version starts afresh', () => {
    const f = recordFailure(recordFailure(undefined, refused, 0), refused, 0);
    expect(recordFailure(f, { ...refused, version: 'V2' }, 0).attempts).toBe(1);
  });
});
