import { join } from 'node:path';
import request from 'supertest';
import { startAdmin, type AdminHarness } from '../helpers/admin-harness';
import { runCli } from '../helpers/run-cli';
import { testDialect } from '../helpers/test-db';


/** `slate admin invite`, `slate token create` and `slate audit verify` against the database of a running Slate. */
describe('slate admin / token / audit CLI', () => {
  let h: AdminHarness;
  let env: Record<string, string>;
  beforeAll(async () => {
    h = await startAdmin();
    const db = h.slate.testDb;
    env = {
      PATH: process.env.PATH!, DATA_DIR: db.dir, CERTS_DIR: join(db.dir, 'certs'), LOG_LEVEL: 'silent', PUBLIC_URL: 'https://slate.test', ORG_IMPORT_ON_START: 'false',
      DATABASE_URL: db.database.kind === 'sqlite' ? `sqlite:${db.database.path}` : db.database.url, ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
    };
  }, 60_000);
  afterAll(() => h?.close());

  const run = (...args: string[]) => runCli(env, ...args);

  it('prints a one-time invite link for a role and scope', async () => {
    const r = await run('admin', 'invite', 'Hotline@Schule.example', '--role', 'helpdesk', '--scope', 'heusweiler');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^invite for hotline@schule\.example \(helpdesk of heusweiler\)/);
    const url = r.stdout.trim().split('\n').at(-1)!;
    expect(url).toMatch(/^https:\/\/slate\.test\/console\/invite#[A-Za-z0-9_-]{43}$/);
    await request(h.slate.express).post('/api/v1/auth/invites/options').send({ token: url.split('#')[1] }).expect(200);
    const bad = await run('admin', 'invite', 'x@schule.example', '--role', 'janitor');
    expect([bad.status, bad.stderr.trim()]).toEqual([1, expect.stringMatching(/^slate: --role: expected one of authority_admin, /)]);
  });

  it('prints the token alone on its last line; the token works as scoped', async () => {
    const r = await run('token', 'create', '--role', 'school_it', '--scope', 'gs-holz', '--ttl', '90d', '--name', 'inventory-sync');
    expect(r.status).toBe(0);
    const token = r.stdout.trimEnd().split('\n').at(-1)!;
    expect(token).toMatch(/^slate_[A-Za-z0-9_-]{43}$/);
    const units = await h.asToken(token, 'get', '/api/v1/org/units').expect(200);
    expect(units.body.items[0].code).toBe('gs-holz');
  });

  it('verifies the audit log, and finds an edited row (exit status 1)', async () => {
    const ok = await run('audit', 'verify');
    expect([ok.status, ok.stdout]).toEqual([0, expect.stringMatching(/^audit log intact: \d+ entries\n$/)]);
    if (testDialect === 'postgres') await h.slate.db.run('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    else await h.slate.db.run('DROP TRIGGER audit_log_no_update');
    await h.slate.db.run("UPDATE audit_log SET actor_label = 'someone-else' WHERE seq = 2");
    const broken = await run('audit', 'verify', '--json');
    expect(broken.status).toBe(1);
    expect(JSON.parse(broken.stdout)).toEqual({ ok: false, checked: 1, firstBroken: { seq: 2, reason: 'hash_mismatch' } });
  });
});
