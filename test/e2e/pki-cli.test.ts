import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '../../bin/slate.js');
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 60_000 });

/** `slate ca`, `slate scep`, `slate cert` as an operator uses them (SQLite). */
describe('slate PKI commands', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slate-pki-cli-'));
  const env = { DATA_DIR: dataDir, CERTS_DIR: join(dataDir, 'certs'), LOG_LEVEL: 'silent' };
  beforeAll(() => {
    expect(run(['org', 'import', 'profiles/organisation.yaml', '--json'], env).status).toBe(0);
  });

  it('shows the CA created on first start, the same one every time', () => {
    const first = JSON.parse(run(['ca', 'show', '--json'], env).stdout);
    expect(first).toMatchObject({ kind: 'ca', code: expect.stringMatching(/^[0-9a-f]+$/), subject: 'O=Slate MDM, CN=Slate Device CA', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(new Date(first.notAfter).getTime()).toBeGreaterThan(Date.now() + 5 * 365 * 86400_000);
    expect(JSON.parse(run(['ca', 'show', '--json'], env).stdout).fingerprint).toBe(first.fingerprint);
    expect(run(['ca', 'show'], env).stdout).toContain('fingerprint');
  });

  it('prints a fresh challenge per school and grade and refuses unknown places', () => {
    const a = run(['scep', 'challenge', '--school', 'gs-bildstock', '--grade', '3'], env);
    const b = run(['scep', 'challenge', '--school', 'gs-bildstock', '--grade', '3', '--json'], env);
    expect(a.status).toBe(0);
    expect(a.stdout.split('\n')[0]).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(JSON.parse(b.stdout).challenge).not.toBe(a.stdout.split('\n')[0]);
    const bad = run(['scep', 'challenge', '--school', 'nowhere', '--grade', '3'], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^slate: /);
  });

  it('lists certificates as JSON and revokes with exactly one selector; a revoke of nothing fails', () => {
    expect(JSON.parse(run(['cert', 'list', '--json'], env).stdout)).toEqual([]);
    // Revoking "nothing" used to print "revoked 0" and exit 0: the operator never learnt the
    // device id was wrong. (Revocation of a real device: test/e2e/device-cli.test.ts.)
    for (const args of [['--device', '00000000-0000-0000-0000-000000000000'], ['--device', 'DMPXK2LMQ1GC'], ['--serial', 'ab:cd'], []]) {
      const r = run(['cert', 'revoke', ...args], env);
      expect({ args, status: r.status, stdout: r.stdout, lines: r.stderr.trim().split('\n') }).toEqual({ args, status: 1, stdout: '', lines: [expect.stringMatching(/^slate: /)] });
    }
    expect(run(['cert', 'revoke', '--serial', 'ab:cd'], env).stderr).toMatch(/^slate: no certificate/);
  });
});
