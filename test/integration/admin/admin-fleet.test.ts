import { startAdmin, type AdminHarness, type StaffClient } from '../../helpers/admin-harness';

/** The organisation tree and devices through the admin API: what staff do, and what the audit log keeps of it. */
describe('admin API: organisation and devices', () => {
  let h: AdminHarness;
  let muni: StaffClient;
  beforeAll(async () => {
    h = await startAdmin();
    muni = await h.staff('municipality_admin', 'friedrichsthal');
  }, 60_000);
  afterAll(() => h?.close());

  it('creates, renames and moves units inside the scope; the moved subtree keeps its devices', async () => {
    const created = await muni.req('post', '/api/v1/org/units').send({ code: 'gs-bildstock-5', kind: 'grade', name: 'Klassenstufe 5', parent: 'gs-bildstock', gradeLevel: 5 }).expect(201);
    expect(created.body).toMatchObject({ code: 'gs-bildstock-5', kind: 'grade', gradeLevel: 5 });
    const wrongKind = await muni.req('post', '/api/v1/org/units').send({ code: 'gs-x', kind: 'school', name: 'X', parent: 'gs-bildstock' });
    expect(wrongKind.body.error).toBe('org_import_invalid');
    await muni.req('patch', '/api/v1/org/units/gs-bildstock').send({ name: 'Grundschule Bildstock (neu)' }).expect(200);
    // A school moves between municipalities only for someone who sees both.
    expect((await muni.req('post', '/api/v1/org/units/gs-bildstock/move').send({ parent: 'heusweiler' })).status).toBe(404);
    const device = await h.device('gs-bildstock');
    const root = await h.staff('authority_admin');
    const moved = await root.req('post', '/api/v1/org/units/gs-bildstock/move').send({ parent: 'heusweiler' }).expect(200);
    expect(moved.body.parentId).toBe((await h.slate.s.org.getByCode('heusweiler'))!.id);
    const heusweiler = (await h.slate.s.org.getByCode('heusweiler'))!.path;
    expect((await h.slate.s.org.getByCode('gs-bildstock-3'))!.path.startsWith(heusweiler)).toBe(true);
    // Friedrichsthal's administrator no longer sees the school or its device; Heusweiler's does.
    expect((await muni.req('get', `/api/v1/devices/${device.id}`)).status).toBe(404);
    const heus = await h.token('municipality_admin', 'heusweiler');
    await h.asToken(heus, 'get', `/api/v1/devices/${device.id}`).expect(200);
    expect((await root.req('post', '/api/v1/org/units/gs-bildstock-3/move').send({ parent: 'gs-holz' })).body.error).toBe('conflict');
    await root.req('post', '/api/v1/org/units/gs-bildstock/move').send({ parent: 'friedrichsthal' }).expect(200);
  });

  it('finds devices by place, state, last contact, serial and name', async () => {
    const old = await h.device('gs-friedrichsthal', 4, { lastSeenAt: new Date('2026-01-01T00:00:00Z'), name: 'Tablet Emma' });
    const lost = await h.device('gs-friedrichsthal', 3, { state: 'lost' });
    const ids = async (q: string) => ((await muni.req('get', `/api/v1/devices?${q}`).expect(200)).body.items as { id: string }[]).map((d) => d.id);
    expect(await ids('grade=gs-friedrichsthal-4')).toEqual([old.id]);
    expect(await ids('school=gs-friedrichsthal&lastSeenBefore=2026-02-01T00:00:00Z')).toEqual([old.id]);
    expect(await ids('school=gs-friedrichsthal&state=lost')).toEqual([lost.id]);
    expect(await ids(`q=${old.serialNumber!.toLowerCase()}`)).toEqual([old.id]);
    expect(await ids('q=emma')).toEqual([old.id]);
    expect(await ids('q=100%25')).toEqual([]);
  });

  it('shows a device with inventory, check-ins, commands and profiles; moves it with an audit line', async () => {
    const device = await h.device('gs-friedrichsthal');
    await h.slate.db.transaction((tx) => h.slate.stores.checkins.putInventory(tx, device.id, 'ProfileList', [{ identifier: 'de.rvsbr.wifi', displayName: 'WLAN' }], new Date()));
    await muni.req('post', `/api/v1/devices/${device.id}/lock`).send({ message: 'Bitte abgeben' }).expect(202);
    const d = await muni.req('get', `/api/v1/devices/${device.serialNumber}`).expect(200);
    expect(d.body.placement).toEqual({ school: 'gs-friedrichsthal', grade: 'gs-friedrichsthal-3', class: null });
    expect(d.body.profiles).toEqual([{ identifier: 'de.rvsbr.wifi', displayName: 'WLAN', status: 'installed' }]);
    expect(d.body.commands.map((c: { requestType: string; status: string }) => [c.requestType, c.status])).toEqual([['DeviceLock', 'queued']]);
    const moved = await muni.req('post', `/api/v1/devices/${device.id}/move`).send({ school: 'gs-bildstock', grade: 'gs-bildstock-4' }).expect(200);
    expect(moved.body.gradeId).toBe((await h.slate.s.org.getByCode('gs-bildstock-4'))!.id);
    const mismatch = await muni.req('post', `/api/v1/devices/${device.id}/move`).send({ school: 'gs-bildstock', grade: 'gs-friedrichsthal-4' });
    expect(mismatch.body.error).toBe('validation_failed');
    const [line] = await h.slate.services.audit.query({ unitId: '', kind: 'authority', path: '/', root: true }, { action: 'device.move', limit: 1 });
    expect(line).toMatchObject({ targetId: device.id, outcome: 'ok' });
  });

  it('asks for a location and plays a sound only while a device is lost', async () => {
    const device = await h.device('gs-friedrichsthal');
    expect((await muni.req('post', `/api/v1/devices/${device.id}/location`).send({})).body.error).toBe('conflict');
    await h.slate.s.devices.update(device.id, { state: 'lost' });
    await muni.req('post', `/api/v1/devices/${device.id}/location`).send({}).expect(202);
    await muni.req('post', `/api/v1/devices/${device.id}/sound`).send({}).expect(202);
    await muni.req('delete', `/api/v1/devices/${device.id}/lost-mode`).expect(202);
    expect((await muni.req('post', `/api/v1/devices/${device.id}/lost-mode`).send({})).body.error).toBe('validation_failed');
  });
});
