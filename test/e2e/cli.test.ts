import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { get as httpsGet } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port';
import { serverCertificate, testCa } from '../helpers/test-certs';

const CLI = join(__dirname, '../../bin/slate.js');
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 60_000 });

/** The CLI as an operator uses it, on SQLite (the Postgres path is covered by the store suites). */
describe('slate CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slate-cli-'));
  // Certificates are state too: the CA key is sealed with this DATA_DIR's generated SECRET_KEY.
  const env = { DATA_DIR: dataDir, CERTS_DIR: join(dataDir, 'certs'), LOG_LEVEL: 'silent' };

  it('exits non-zero with one line naming a bad variable', () => {
    const r = run(['serve'], { ...env, PORT: 'abc' });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^slate: PORT: /)]);
  });

  it('exits non-zero with one line when the database is unreachable', () => {
    const r = run(['serve'], { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^slate: DATABASE_URL: cannot open .*ECONNREFUSED/)]);
  });

  it('migrates, imports and lists the organisation as JSON', () => {
    expect(run(['migrate', '--json'], env).stdout).toContain('Foundation');
    const imported = run(['org', 'import', 'profiles/organisation.yaml', '--json'], env);
    expect(JSON.parse(imported.stdout)).toEqual({ created: 46, updated: 0, unchanged: 0 });
    const again = run(['org', 'import', 'profiles/organisation.yaml', '--json'], env);
    expect(JSON.parse(again.stdout)).toEqual({ created: 0, updated: 0, unchanged: 46 });
    const list = JSON.parse(run(['org', 'list', '--kind', 'school', '--json'], env).stdout) as Array<Record<string, unknown>>;
    expect(list).toHaveLength(13);
    expect(list[0]).toEqual(expect.objectContaining({ id: expect.any(String), code: expect.any(String), kind: 'school' }));
  });

  it('prints its version from package.json', () => {
    const r = run(['--version'], env);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: `${JSON.parse(readFileSync('package.json', 'utf8')).version}\n` });
  });

  it('logs to stderr in short lines for people; stdout carries only the result', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'slate-cli-log-'));
    // A first run on an empty directory migrates and creates the development CA: both logged at info.
    const r = run(['org', 'list', '--json'], { DATA_DIR: fresh, CERTS_DIR: join(fresh, 'certs'), LOG_LEVEL: 'info' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^info: migrations applied  migrations=\[/), expect.stringMatching(/^info: development CA created  fingerprint=/)]));
    for (const l of lines) expect(l).toMatch(/^(info|warn): /);
  });

  it('names the flag the operator typed in every refusal of an option value', () => {
    for (const [args, line] of [
      [['enroll', 'create', '--school', 'gs-bildstock', '--grade', '3', '--max-uses', 'many'], /^slate: --max-uses: expected a whole number, got 'many'$/],
      [['enroll', 'create', '--school', 'gs-bildstock', '--grade', '3', '--ttl', '400d'], /^slate: --ttl: must be between 1 second and 366 days$/],
      [['enroll', 'create', '--school', 'gs-bildstock', '--grade', 'three'], /^slate: --grade: expected a whole number, got 'three'$/],
      [['org', 'list', '--kind', 'village'], /^slate: --kind: expected one of authority, municipality, school, grade, class, got 'village'$/],
      [['migrate', '--revert-last', '--revert-all'], /^slate: --revert-last and --revert-all exclude each other$/],
    ] as const) {
      const r = run([...args], env);
      expect({ args, status: r.status, stderr: r.stderr.trim().split('\n') }).toEqual({ args, status: 1, stderr: [expect.stringMatching(line)] });
    }
    // 0 is not a mistake: it asks for a link without a use limit (the default is ENROLL_TOKEN_MAX_USES).
    const unlimited = run(['enroll', 'create', '--school', 'gs-bildstock', '--grade', '3', '--max-uses', '0', '--json'], env);
    expect(unlimited.status).toBe(0);
    expect(JSON.parse(unlimited.stdout)).toMatchObject({ maxUses: null });
  });

  it('reports usage errors in one line that points at the help', () => {
    for (const [args, line] of [
      [['device', 'list', '--bogus'], "error: unknown option '--bogus' (see slate device list --help)"],
      [['device', 'show'], "error: missing required argument 'device' (see slate device show --help)"],
      [['enroll', 'create', '--school', 'gs-bildstock'], "error: required option '--grade <n>' not specified (see slate enroll create --help)"],
    ] as const) {
      const r = run([...args], env);
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 1, stderr: `${line}\n` });
    }
  });

  it('reports a bad import file without changing anything', () => {
    const r = run(['org', 'import', 'package.json'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^slate: /);
    expect(JSON.parse(run(['org', 'list', '--json'], env).stdout)).toHaveLength(46);
  });

  /** `slate serve` in a fresh directory; resolves once the Docker healthcheck script passes. */
  const HEALTHCHECK = join(__dirname, '../../bin/healthcheck.js');
  const healthcheck = (e: Record<string, string>) =>
    spawnSync(process.execPath, [HEALTHCHECK], { env: { PATH: process.env.PATH!, ...e }, encoding: 'utf8', timeout: 10_000 });
  async function serve(extra: Record<string, string>) {
    const srvDir = mkdtempSync(join(tmpdir(), 'slate-srv-'));
    // Plain HTTP unless a test asks for TLS: what a container behind a TLS proxy serves.
    const e: Record<string, string> = { DATA_DIR: srvDir, CERTS_DIR: join(srvDir, 'certs'), HOST: '127.0.0.1', DEV_TLS: 'false', ...extra };
    const child = spawn(process.execPath, [CLI, 'serve'], { env: { PATH: process.env.PATH!, ...e } });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && healthcheck(e).status !== 0) await new Promise((r) => setTimeout(r, 200));
    return { env: e, output: () => out, stop: () => (child.kill('SIGTERM'), exited) };
  }

  it('serves /healthz, passes the Docker healthcheck and stops cleanly on SIGTERM', async () => {
    const s = await serve({ PORT: '18931' });
    expect(healthcheck(s.env).status).toBe(0);
    expect((await fetch('http://127.0.0.1:18931/healthz')).status).toBe(200);
    expect(await s.stop()).toBe(0);
    // The server's own log stays pino JSON on stdout: what log collectors read.
    expect(s.output()).toContain('Slate is listening');
    expect(s.output()).toContain('"msg":"stopped"');
    const down = healthcheck(s.env);
    expect({ status: down.status, stderr: down.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^healthcheck: http:\/\/127\.0\.0\.1:18931\/healthz: .*ECONNREFUSED/) });
  });

  it('development serves HTTPS on PORT with a localhost certificate from the development CA (DEV_TLS); production refuses it', async () => {
    const port = await freePort();
    const s = await serve({ PORT: String(port), DEV_TLS: '' });
    try {
      expect(healthcheck(s.env).status).toBe(0);
      // The chain file ends with the CA: the one in the database, which `slate ca show` names.
      const chain = readFileSync(join(s.env.CERTS_DIR!, 'dev-tls.pem'), 'utf8');
      const ca = chain.slice(chain.lastIndexOf('-----BEGIN CERTIFICATE-----'));
      const shown = JSON.parse(run(['ca', 'show', '--json'], { ...s.env, LOG_LEVEL: 'silent' }).stdout) as { fingerprint: string };
      expect(new X509Certificate(ca).fingerprint256.replace(/:/g, '').toLowerCase()).toBe(shown.fingerprint);
      for (const host of ['localhost', '127.0.0.1']) {
        const status = await new Promise<number | undefined>((resolve, reject) =>
          httpsGet({ host, port, path: '/healthz', ca, servername: host === 'localhost' ? host : undefined }, (res) => (res.resume(), resolve(res.statusCode))).on('error', reject));
        expect({ host, status }).toEqual({ host, status: 200 });
      }
      expect(s.output()).toContain(`"publicUrl":"https://localhost:${port}"`);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    const refused = run(['serve'], { ...env, NODE_ENV: 'production', DEV_TLS: 'true' });
    expect({ status: refused.status, stderr: refused.stderr }).toEqual({ status: 1, stderr: 'slate: DEV_TLS: development only; in production put a TLS proxy in front of Slate or set TLS_CERT_FILE/TLS_KEY_FILE\n' });
  });

  it('the Docker healthcheck follows built-in TLS (TLS_CERT_FILE) to https', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slate-tls-'));
    const cert = serverCertificate(testCa(), 'mdm.example.org');
    writeFileSync(join(dir, 'tls.pem'), cert.certPem);
    writeFileSync(join(dir, 'tls.key'), cert.keyPem);
    const s = await serve({ PORT: '18932', TLS_CERT_FILE: join(dir, 'tls.pem'), TLS_KEY_FILE: join(dir, 'tls.key') });
    try {
      expect(healthcheck(s.env).status).toBe(0);
      // Plain HTTP against the HTTPS port fails: the script did choose https above.
      const { TLS_CERT_FILE: _c, TLS_KEY_FILE: _k, ...plain } = s.env;
      expect(healthcheck(plain).status).toBe(1);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});
