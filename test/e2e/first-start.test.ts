import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port';
import { testCa } from '../helpers/test-certs';

const CLI = join(__dirname, '../../bin/slate.js');
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 60_000 });
const fresh = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { DATA_DIR: dir, CERTS_DIR: join(dir, 'certs') };
};

/** Starts `slate serve`; resolves once it logged 'ready' (or exited). */
async function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { PATH: process.env.PATH!, HOST: '127.0.0.1', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (err += b));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline && !/"msg":"ready/.test(out) && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  return { stdout: () => out, stderr: () => err, stop: () => (child.kill('SIGTERM'), exited) };
}

/** Issue #11: a first start, production's refusals, and one configuration for server and CLI. */
describe('first start', () => {
  describe('in production', () => {
    const secret = { NODE_ENV: 'production', SECRET_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent' };

    it('refuses a start without CA and organisation in one line naming both, and imports no organisation', () => {
      const env = { ...fresh('slate-prod-'), ...secret };
      const r = run(['serve'], env);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: 'slate: production start refused: set CA_CERT_FILE and CA_KEY_FILE (the authority\'s CA; or CA_CREATE=true to have Slate create one), '
          + 'and ORG_FILE (the authority\'s organisation; production imports no example; or ORG_IMPORT_ON_START=false to import it later)\n',
      });
      const ca = run(['ca', 'show', '--json'], env);
      expect({ status: ca.status, stderr: ca.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^slate: production start refused: set CA_CERT_FILE and CA_KEY_FILE .*\)\n$/) });
      expect(JSON.parse(run(['org', 'list', '--json'], { ...env, CA_CREATE: 'true' }).stdout)).toEqual([]);
      const sim = run(['sim', '--school', 'gs-bildstock', '--grade', '3'], env);
      expect({ status: sim.status, stderr: sim.stderr }).toEqual({
        status: 1, stderr: "slate: --school: NODE_ENV=production: simulated iPads are not enrolled into a production database (use --link with a test server's link)\n",
      });
    });

    it('names only what is still missing, and starts with the authority\'s CA and organisation file', async () => {
      const env = { ...fresh('slate-prod-'), ...secret };
      const orgOnly = run(['serve'], { ...env, ORG_FILE: 'profiles/organisation.yaml' });
      expect(orgOnly.stderr).toMatch(/^slate: production start refused: set CA_CERT_FILE and CA_KEY_FILE \(the authority's CA; or CA_CREATE=true to have Slate create one\)\n$/);
      const ca = testCa('Regionalverband Device CA');
      writeFileSync(join(env.DATA_DIR, 'ca.pem'), ca.certPem);
      writeFileSync(join(env.DATA_DIR, 'ca.key'), ca.keyPem);
      const port = await freePort();
      const s = await serve({
        ...env, LOG_LEVEL: 'info', PORT: String(port), PUBLIC_URL: 'https://mdm.example.org',
        CA_CERT_FILE: join(env.DATA_DIR, 'ca.pem'), CA_KEY_FILE: join(env.DATA_DIR, 'ca.key'), ORG_FILE: 'profiles/organisation.yaml',
      });
      try {
        const ready = s.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).startsWith('ready'));
        expect(ready).toMatchObject({ level: 'warn', msg: 'ready, but iPads cannot enrol yet', missing: ['push certificate: none; enrolment links answer 503 until one is uploaded'] });
        // The report for people is a development thing; production's stderr has only the first administrator's invite.
        expect(s.stderr()).toMatch(/^No administrator yet\. Open this one-time link to register the first one \(valid until [^)]+\):\nhttps:\/\/mdm\.example\.org\/console\/invite#\S+\n$/);
      } finally {
        expect(await s.stop()).toBe(0);
      }
      // Another node (or the CLI) needs only the database and SECRET_KEY: no CA files, no ORG_FILE.
      const shown = run(['ca', 'show', '--json'], env);
      expect({ status: shown.status, subject: JSON.parse(shown.stdout || '{}').subject }).toEqual({ status: 0, subject: 'CN=Regionalverband Device CA' });
    }, 90_000);
  });

  it('slate sim without a running server says so in one line', async () => {
    const env = { ...fresh('slate-sim-'), LOG_LEVEL: 'silent', PORT: String(await freePort()) };
    expect(run(['org', 'import', 'profiles/organisation.yaml'], env).status).toBe(0);
    const r = run(['sim', '--school', 'gs-bildstock', '--grade', '3', '--count', '1'], env);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 1, stdout: '', stderr: `slate: cannot enrol a simulated iPad with https://localhost:${env.PORT}: ECONNREFUSED (is \`slate serve\` running?)\n`,
    });
  });

  it('a CLI with the wrong SECRET_KEY stops with one line naming it', () => {
    const env = { ...fresh('slate-key-'), LOG_LEVEL: 'silent' };
    expect(run(['org', 'list', '--json'], env).status).toBe(0);
    const wrong = run(['org', 'list', '--json'], { ...env, SECRET_KEY: randomBytes(32).toString('hex') });
    expect({ status: wrong.status, stdout: wrong.stdout, stderr: wrong.stderr }).toEqual({
      status: 1, stdout: '', stderr: "slate: SECRET_KEY: not the key this database's secrets are sealed with (CA key, push certificate); start with the SECRET_KEY it was set up with\n",
    });
  });

  it('development: the CLI prints links to the URL the running server serves, not one from its own environment', async () => {
    const env = { ...fresh('slate-dev-'), LOG_LEVEL: 'silent' };
    const port = await freePort();
    const s = await serve({ ...env, PORT: String(port), LOG_LEVEL: 'info' });
    try {
      expect(s.stderr()).toContain(`serves https://localhost:${port}\n`);
      expect(s.stderr()).toMatch(/\nNext:\n {2}npx slate sim --school gs-[a-z]+ --grade 3 --count 5\n/);
      // The CLI's own default would be https://localhost:8080; the issue saw http://localhost:8080.
      const link = run(['enroll', 'create', '--school', 'gs-bildstock', '--grade', '3', '--json'], env);
      expect({ status: link.status, stderr: link.stderr }).toEqual({ status: 0, stderr: '' });
      expect(JSON.parse(link.stdout).url).toMatch(new RegExp(`^https://localhost:${port}/enroll/[A-Za-z0-9_-]+$`));
      const told = run(['enroll', 'create', '--school', 'gs-bildstock', '--grade', '3', '--json'], { ...env, PUBLIC_URL: 'http://localhost:8080', LOG_LEVEL: 'warn' });
      expect(JSON.parse(told.stdout).url).toMatch(new RegExp(`^https://localhost:${port}/enroll/`));
      expect(told.stderr).toBe(`warn: PUBLIC_URL differs from the running server's; using the server's  server=https://localhost:${port} here=http://localhost:8080\n`);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  }, 90_000);
});
