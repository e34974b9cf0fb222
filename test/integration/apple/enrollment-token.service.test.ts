import { createTestSlate, type TestSlate } from '../../helpers/test-slate';

describe('EnrollmentTokenService', () => {
  let slate: TestSlate;
  beforeAll(async () => {
    slate = await createTestSlate({}, { importOrg: true });
    await slate.services.org.importText(`version: 1
units:
  - { code: gs-bildstock-3a, kind: class, name: Klasse 3a, parent: gs-bildstock-3, level: 3 }
`);
  });
  afterAll(() => slate.dispose());
  const svc = () => slate.services.enrollmentTokens;

  it('creates a link for a school and grade and redeems it, storing only a hash', async () => {
    const t = await svc().create({ schoolCode: 'gs-bildstock', gradeLevel: 3 });
    expect(t.url).toBe(`https://slate.test/enroll/${t.token}`);
    expect(t.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const rows = await slate.db.rows('SELECT token_hash FROM enrollment_tokens');
    expect(JSON.stringify(rows)).not.toContain(t.token);
    const grade = (await slate.s.org.getByCode('gs-bildstock-3'))!;
    const redeemed = await svc().redeem(slate.db, t.token);
    expect(redeemed).toMatchObject({ id: t.record.id, gradeId: grade.id, uses: 1 });
  });

  it('binds a class when asked and refuses classes of another grade', async () => {
    const t = await svc().create({ schoolCode: 'gs-bildstock', gradeLevel: 3, className: '3a' });
    expect(t.record.classId).toBe((await slate.s.org.getByCode('gs-bildstock-3a'))!.id);
    await expect(svc().create({ schoolCode: 'gs-bildstock', gradeLevel: 4, className: '3a' })).rejects.toMatchObject({ code: 'org_unit_unknown' });
    await expect(svc().create({ schoolCode: 'gs-bildstock', gradeLevel: 7 })).rejects.toMatchObject({ code: 'org_unit_unknown' });
    await expect(svc().create({ schoolCode: 'nowhere', gradeLevel: 3 })).rejects.toMatchObject({ code: 'org_unit_unknown' });
  });

  it('refuses unknown, malformed, expired, revoked and used-up tokens alike', async () => {
    await expect(svc().redeem(slate.db, 'x'.repeat(32))).rejects.toMatchObject({ code: 'enrollment_token_invalid' });
    await expect(svc().redeem(slate.db, '../../etc/passwd')).rejects.toMatchObject({ code: 'enrollment_token_invalid' });
    const short = await svc().create({ schoolCode: 'gs-holz', gradeLevel: 4, ttlMs: 1000 });
    await expect(svc().redeem(slate.db, short.token, new Date(Date.now() + 5000))).rejects.toMatchObject({ code: 'enrollment_token_invalid' });
    const revoked = await svc().create({ schoolCode: 'gs-holz', gradeLevel: 4 });
    await svc().revoke(revoked.record.id);
    await expect(svc().redeem(slate.db, revoked.token)).rejects.toMatchObject({ code: 'enrollment_token_invalid' });
    const once = await svc().create({ schoolCode: 'gs-holz', gradeLevel: 4, maxUses: 1 });
    await svc().redeem(slate.db, once.token);
    await expect(svc().redeem(slate.db, once.token)).rejects.toMatchObject({ code: 'enrollment_token_invalid' });
    await expect(svc().create({ schoolCode: 'gs-holz', gradeLevel: 4, ttlMs: -1 })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('limits uses by default (ENROLL_TOKEN_MAX_USES), unless 0 asks for none: a leaked link cannot enrol without end', async () => {
    expect((await svc().create({ schoolCode: 'gs-holz', gradeLevel: 4 })).record.maxUses).toBe(40);
    expect((await svc().create({ schoolCode: 'gs-holz', gradeLevel: 4, maxUses: 0 })).record.maxUses).toBeNull();
    await expect(svc().create({ schoolCode: 'gs-holz', gradeLevel: 4, maxUses: -2 })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('revoking a link voids the SCEP challenges it handed out and no device used yet', async () => {
    const t = await svc().create({ schoolCode: 'gs-holz', gradeLevel: 3 });
    const place = { schoolId: t.record.schoolId, gradeId: t.record.gradeId, enrollmentTokenId: t.record.id };
    const unused = await slate.services.pki.createChallenge(slate.db, place);
    await svc().revoke(t.record.id);
    const hash = (await import('../../../src/ca/scep.responder')).hashChallenge(unused.challenge);
    expect(await slate.db.transaction((tx) => slate.stores.scepChallenges.consume(tx, hash, new Date()))).toBeNull();
  });
});
