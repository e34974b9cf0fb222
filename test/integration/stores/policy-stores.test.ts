import { auditEventSink } from '../../../src/audit/audit-events';
import { AuditLog } from '../../../src/audit/audit-log';
import { randomUUID } from 'node:crypto';
import type { PolicyItem } from '../../../src/db/stores';
import { testDialect } from '../../helpers/test-db';
import { useStoresWithTree, type StoresWithTree } from '../../helpers/small-tree';

describe(`policy stores (${testDialect})`, () => {
  let f: StoresWithTree;
  useStoresWithTree((x) => (f = x));
  const at = new Date('2026-12-01T08:00:00.000Z');
  const enrolled = async (over: Record<string, unknown> = {}) => (await f.s.devices.create({ platform: 'apple', udid: randomUUID(), serialNumber: 'SER', schoolId: f.school, gradeId: f.grade, state: 'enrolled', ...over })).id;
  const item = (deviceId: string, over: Partial<PolicyItem> = {}): PolicyItem => ({
    deviceId, item: 'profile', target: 'x.slate.policy.wifi', action: 'installProfile', entryId: 'wifi', expectedVersion: 'V1', state: 'queued',
    commandUuid: null, attempts: 0, retryAt: null, lastError: null, alertedAt: null, updatedAt: at, ...over,
  });

  it('catalog versions keep their files and each entry definition once, with the version that brought it', async () => {
    expect(await f.s.policyCatalog.current()).toBeNull();
    const files = [{ path: 'catalog/a.yaml', bytes: Buffer.from('version: 1\n') }];
    const entries = [{ entryId: 'wifi', definitionHash: 'd1', contentHash: 'c1', file: 'catalog/a.yaml' }];
    const v1 = await f.s.policyCatalog.insert({ hash: 'h1', appliedBy: 'cli', at, warnings: [], files, entries });
    const v2 = await f.s.policyCatalog.insert({ hash: 'h2', appliedBy: 'cli', at, warnings: [{ code: 'w' }], files, entries: [...entries, { entryId: 'wifi', definitionHash: 'd2', contentHash: 'c2', file: 'catalog/a.yaml' }] });
    expect(v2.id).toBeGreaterThan(v1.id);
    expect(await f.s.policyCatalog.current()).toMatchObject({ id: v2.id, hash: 'h2', entries: 2, warnings: [{ code: 'w' }] });
    expect(await f.s.policyCatalog.files(v1.id)).toEqual(files);
    expect((await f.s.policyCatalog.entryHistory('wifi')).map((e) => [e.definitionHash, e.versionId])).toEqual([['d1', v1.id], ['d2', v2.id]]);
    expect((await f.s.policyCatalog.history(10)).map((v) => v.hash)).toEqual(['h2', 'h1']);
  });

  it('the stamp changes with the catalog and with the organisation tree', async () => {
    const before = await f.s.policyCatalog.stamp();
    await f.db.transaction((tx) => f.raw.org.applyUpserts(tx, [{ code: 's-4', kind: 'grade', name: 'G4', parentCode: 's', gradeLevel: 4 }]));
    const after = await f.s.policyCatalog.stamp();
    expect(after.versionId).toBe(before.versionId);
    expect(after.org).not.toBe(before.org);
  });

  it('loads enrolled Apple devices in keyset pages with compact state, managed apps and items', async () => {
    const tagged = await enrolled({ supervised: false, assetTag: 'INV-7' });
    const ids = [await enrolled(), tagged, await enrolled()].sort();
    await enrolled({ state: 'pending' });
    const first0 = ids[0] === tagged ? ids[1]! : ids[0]!;
    await f.s.policyDevices.putProfiles(first0, { wifi: 'V1' }, at);
    await f.s.policyDevices.putMissingApps(first0, ['com.apple.Pages'], at);
    await f.s.policyDevices.putManagedApps(first0, [['com.apple.Pages', 361309726, null]], at);
    await f.s.policyDevices.upsertItems([item(tagged)]);
    const first = await f.s.policyDevices.load({ limit: 2 });
    const rest = await f.s.policyDevices.load({ limit: 2, afterId: first[1]!.id });
    const all = [...first, ...rest].filter((d) => ids.includes(d.id));
    expect(all.map((d) => d.id)).toEqual(ids);
    expect(all.find((d) => d.id === first0)).toMatchObject({ profiles: { wifi: 'V1' }, missingApps: ['com.apple.Pages'], managedApps: [['com.apple.Pages', 361309726, null]], items: [] });
    expect(all.find((d) => d.id === tagged)).toMatchObject({ profiles: null, missingApps: null, managedApps: [], supervised: false, assetTag: 'INV-7', items: [{ target: 'x.slate.policy.wifi', state: 'queued', live: false }] });
    expect((await f.s.policyDevices.load({ limit: 10, ids: [ids[2]!] })).map((d) => d.id)).toEqual([ids[2]]);
    expect(await f.s.policyDevices.load({ limit: 10, schoolIds: [] })).toEqual([]);
  });

  it('an item counts as live while its command is in the queue', async () => {
    const id = await enrolled();
    const uuid = randomUUID();
    await f.s.commands.enqueue([{ commandUuid: uuid, deviceId: id, requestType: 'InstallProfile', priority: 0, params: null, body: 'x', bodySealed: false }]);
    await f.s.policyDevices.upsertItems([item(id, { commandUuid: uuid })]);
    expect((await f.s.policyDevices.load({ limit: 1, ids: [id] }))[0]!.items[0]).toMatchObject({ live: true, commandUuid: uuid });
    expect(await f.s.policyDevices.itemByCommand(id, uuid)).toMatchObject({ target: 'x.slate.policy.wifi', expectedVersion: 'V1' });
    await f.s.commands.cancel(uuid, at, 'test');
    expect((await f.s.policyDevices.load({ limit: 1, ids: [id] }))[0]!.items[0]!.live).toBe(false);
  });

  it('upsert replaces the item of a target; failures come due; acknowledged ones clear; reset forgets all', async () => {
    const id = await enrolled();
    const error = { reason: 'MCMDMErrorDomain 12021', errorChain: [{ ErrorCode: 12021 }] };
    await f.s.policyDevices.upsertItems([item(id), item(id, { item: 'app', target: 'com.apple.Pages', action: 'installApp', state: 'acknowledged' })]);
    await f.s.policyDevices.upsertItems([item(id, { state: 'failed', attempts: 2, retryAt: new Date(at.getTime() + 60_000), lastError: error })]);
    const [d] = await f.s.policyDevices.load({ limit: 1, ids: [id] });
    expect(d!.items.map((i) => [i.target, i.state])).toEqual(expect.arrayContaining([['x.slate.policy.wifi', 'failed'], ['com.apple.Pages', 'acknowledged']]));
    expect(d!.items.find((i) => i.state === 'failed')).toMatchObject({ attempts: 2, lastError: error });
    expect(await f.s.policyDevices.dueRetries(at, 10)).not.toContain(id);
    expect(await f.s.policyDevices.dueRetries(new Date(at.getTime() + 60_000), 10)).toContain(id);
    expect(await f.s.policyDevices.clearAcknowledged(id, 'app')).toBe(1);
    await f.s.policyDevices.putProfiles(id, {}, at);
    await f.s.policyDevices.reset(id);
    expect((await f.s.policyDevices.load({ limit: 1, ids: [id] }))[0]).toMatchObject({ profiles: null, items: [] });
  });

  it('audit events go into the hash-chained audit log in the action\'s transaction, newest first', async () => {
    const sink = auditEventSink(new AuditLog({ db: f.db, store: f.raw.auditLog, key: Buffer.alloc(32, 1) }));
    await f.db.transaction((tx) => sink.append(tx, [
      { actor: 'cli', action: 'policy.apply', target: 'catalog:1', details: { changed: 2 }, at },
      { actor: 'reconciler', action: 'policy.enqueue', target: 'dev-1', details: null, at },
    ]));
    await expect(f.db.transaction(async (tx) => {
      await sink.append(tx, [{ actor: 'cli', action: 'policy.apply', target: 'catalog:2', at }]);
      throw new Error('action failed');
    })).rejects.toThrow('action failed');
    const root = (await f.s.org.getByCode('a'))!;
    const list = (filter: Record<string, unknown>) => f.raw.auditLog.list(f.db, { unitId: root.id, kind: 'authority', path: root.path, root: true }, { limit: 100, ...filter });
    expect((await list({ action: 'policy.apply' })).map((e) => [e.targetType, e.targetId, JSON.parse(e.detail!), e.actorType])).toEqual([['catalog', '1', { changed: 2 }, 'cli']]);
    expect((await list({ limit: 1 }))[0]).toMatchObject({ actorType: 'system', actorLabel: 'reconciler', targetType: 'device', targetId: 'dev-1' });
  });
});
