import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { freePort } from '../helpers/free-port';
import { policySecretsEnv } from '../helpers/policy-catalog';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'bin/slate.js');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const WALKTHROUGH = README.slice(README.indexOf('<!-- walkthrough'), README.indexOf('<!-- /walkthrough -->'));
/** The serial the walkthrough writes for "a serial from the list". */
const PLACEHOLDER = 'SIM-XXXX01';

/** Command lines of a README part: no comments, no fences, trailing `# ...` notes dropped. */
const commandLines = (text: string) =>
  text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('```') && !l.startsWith('<!--')).map((l) => l.replace(/\s+#.*$/, ''));

/** `npx slate ARGS` as the shell would run it, on this checkout's CLI. */
const asCli = (line: string) => {
  if (!line.startsWith('npx slate ')) throw new Error(`not a slate command: ${line}`);
  return `exec node ${JSON.stringify(CLI)} ${line.slice('npx slate '.length)}`;
};

interface Output {
  status: number | null;
  stdout: string;
  stderr: string;
}

function started(child: ChildProcessByStdio<null, Readable, Readable>) {
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (b) => (out.stdout += b));
  child.stderr.on('data', (b) => (out.stderr += b));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { out, exited, child };
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The README, run: the walkthrough at its top through the real CLI on a fresh data directory
 * (server, `slate sim`, list, bulk lock, timeline), and every other `npx slate` line of it against
 * a Slate with an enrolled iPad. A README change that breaks a command breaks this test.
 */
describe(`README (${process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
  describe('the walkthrough', () => {
    let testDb: TestDatabase;
    let env: Record<string, string>;
    const children: ChildProcessByStdio<null, Readable, Readable>[] = [];
    beforeAll(async () => {
      testDb = await createTestDatabase();
      // A fresh directory; on Postgres a fresh schema. Development: NODE_ENV is not set.
      env = {
        PATH: process.env.PATH!, DATA_DIR: testDb.dir, CERTS_DIR: join(testDb.dir, 'certs'), HOST: '127.0.0.1', PORT: String(await freePort()),
        ...(testDb.database.kind === 'postgres' ? { DATABASE_URL: testDb.database.url, DATABASE_SCHEMA: testDb.schema! } : {}),
      };
    });
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await testDb.drop();
    });

    // stdin not a socket: bash would read ~/.bashrc for a command whose stdin is one (as over ssh).
    const sh = (line: string) => spawn('bash', ['-c', line], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const run = (line: string): Output => {
      const r = spawnSync('bash', ['-c', line], { env: { ...env, LOG_LEVEL: 'warn' }, cwd: ROOT, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it('start, slate sim, list, lock the school, and the timeline shows every lock acknowledged', async () => {
      const [start, sim, list, lock, timeline, ...rest] = commandLines(WALKTHROUGH);
      expect(rest).toEqual([]);
      // `npm ci` is what CI does before any test; `npm start` is the server.
      expect(start).toBe('npm ci && npm start');
      expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start).toBe('node bin/slate.js serve');
      const server = started(sh(`exec node ${JSON.stringify(CLI)} serve`));
      children.push(server.child);
      await until('the server to be ready', () => server.out.stdout.includes('"msg":"ready"') || server.child.exitCode !== null);
      expect(server.out.stderr).toContain(`serves https://localhost:${env.PORT}\n`);
      expect(server.out.stderr).toMatch(/\nNext:\n {2}npx slate sim --school /);

      const fleet = started(sh(asCli(sim!)));
      children.push(fleet.child);
      const serials = await until('five simulated iPads', () => {
        const s = [...fleet.out.stdout.matchAll(/^(SIM-[0-9A-F]{4}\d{2}) {2}enrolled/gm)].map((m) => m[1]!);
        return (s.length === 5 || fleet.child.exitCode !== null) && s;
      });
      expect(serials).toHaveLength(5);

      const listed = run(asCli(list!));
      expect({ status: listed.status, stderr: listed.stderr }).toEqual({ status: 0, stderr: '' });
      for (const s of serials) expect(listed.stdout).toMatch(new RegExp(`^\\S+\\s+\\S+\\s+${s}\\s+enrolled\\s+gs-bildstock\\s+gs-bildstock-3\\s+Simulated iPad`, 'm'));

      const locked = run(asCli(lock!));
      expect({ status: locked.status, stderr: locked.stderr }).toEqual({ status: 0, stderr: '' });
      expect(locked.stdout.split('\n')[0]).toMatch(/^queued DeviceLock for 5 device\(s\) \(bulk job [0-9a-f-]{36}\)/);

      expect(timeline).toContain(PLACEHOLDER);
      const first = serials.find((s) => s.endsWith('01'))!;
      const shown = await until('the lock acknowledged', () => {
        const r = run(asCli(timeline!.replace(PLACEHOLDER, first)));
        return r.status === 0 && /DeviceLock\s+acknowledged/.test(r.stdout) && r;
      });
      expect(shown.stdout.split('\n')[0]).toMatch(/^commandUuid\s+requestType\s+status/);
      for (const s of serials) {
        await until(`${s} acknowledged`, () => {
          const r = run(asCli(`npx slate device commands ${s} --json`));
          return r.status === 0 && (JSON.parse(r.stdout) as { requestType: string; status: string }[]).some((c) => c.requestType === 'DeviceLock' && c.status === 'acknowledged');
        });
      }

      fleet.child.kill('SIGINT');
      expect(await fleet.exited).toBe(0);
      expect(fleet.out.stdout).toMatch(/\nstopped: 5 simulated iPad\(s\), 5 command\(s\) answered\n$/);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }, 180_000);
  });

  describe('every other `npx slate` line', () => {
    let h: SpineHarness;
    let env: Record<string, string>;
    const cwd = mkdtempSync(join(tmpdir(), 'slate-readme-'));
    beforeAll(async () => {
      const secrets = policySecretsEnv();
      h = await startSpine(secrets);
      // The README's example device, and the class it moves to.
      await h.enrolled({ serial: 'DMPXK2LMQ1GC' });
      await h.slate.services.org.importText('version: 1\nunits:\n  - { code: gs-bildstock-4a, kind: class, name: Klasse 4a, parent: gs-bildstock-4 }\n');
      symlinkSync(join(ROOT, 'profiles'), join(cwd, 'profiles'));
      writeFileSync(join(cwd, 'push.pem'), h.apns.pushCert.certPem);
      writeFileSync(join(cwd, 'push.key'), h.apns.pushCert.keyPem);
      const db = h.slate.testDb;
      env = {
        PATH: process.env.PATH!, DATA_DIR: db.dir, CERTS_DIR: join(db.dir, 'certs'), LOG_LEVEL: 'warn',
        DATABASE_URL: db.database.kind === 'sqlite' ? `sqlite:${db.database.path}` : db.database.url,
        ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
        APNS_URL: h.apns.url, APNS_CA_FILE: h.apns.caFile, ...secrets,
      };
    }, 60_000);
    afterAll(() => h?.close());

    it('runs, in README order, each exiting 0 without an error line', async () => {
      const lines = commandLines(README.replace(WALKTHROUGH, '')).filter((l) => l.startsWith('npx slate '));
      expect(lines.length).toBeGreaterThanOrEqual(20);
      const failed: { line: string; status: number | null; stderr: string }[] = [];
      // Placeholders the README fills from an earlier command's output, as a reader would.
      const filled = new Map<string, string>();
      for (const line of lines) {
        const typed = [...filled].reduce((l, [name, value]) => l.replaceAll(name, value), line);
        const r = await new Promise<Output>((resolve) => {
          // Asynchronously: this process serves the harness's Slate and stand-in APNs the CLI talks to.
          const c = started(spawn('bash', ['-c', asCli(typed)], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
          void c.exited.then((status) => resolve({ status, ...c.out }));
        });
        const token = /^token ([0-9a-f-]{36}) \(/m.exec(r.stdout);
        if (token) filled.set('TOKEN_ID', token[1]!);
        if (r.status !== 0 || /^slate: /m.test(r.stderr)) failed.push({ line: typed, status: r.status, stderr: r.stderr });
      }
      expect(failed).toEqual([]);
      expect([...filled.keys()]).toEqual(['TOKEN_ID']);
    }, 240_000);
  });
});
