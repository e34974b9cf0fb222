import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushCertificate, testCa, toPkcs12 } from '../helpers/test-certs';

const CLI = join(__dirname, '../../bin/slate.js');
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 60_000 });

describe('slate apns (CLI, SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slate-apns-cli-'));
  const env = { DATA_DIR: dir, CERTS_DIR: join(dir, 'certs'), LOG_LEVEL: 'silent' };
  const ca = testCa();
  const push = pushCertificate(ca);
  const file = (name: string, data: string | Buffer) => {
    writeFileSync(join(dir, name), data);
    return join(dir, name);
  };

  it('shows that no certificate is configured, and the development topic devices enrol with meanwhile', () => {
    const r = run(['apns', 'show', '--json'], env);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ configured: false, topic: 'com.apple.mgmt.External.slate-development', waitingPushes: 0 });
    expect(run(['apns', 'show'], env).stdout).toMatch(/^no push certificate configured \(slate apns set-cert FILE\): devices enrol with the development topic com\.apple\.mgmt\.External\.slate-development, pushes are not sent\n$/);
    expect(JSON.parse(run(['apns', 'show', '--json'], { ...env, NODE_ENV: 'test' }).stdout)).toEqual({ configured: false, topic: null, waitingPushes: 0 });
  });

  it('refuses a wrong PKCS#12 password with one line, then stores the certificate with the right one', () => {
    const p12 = file('push.p12', toPkcs12(push, 'correct horse'));
    const bad = run(['apns', 'set-cert', p12, '--password-file', file('bad.txt', 'wrong\n')], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^slate: .*password/)]);
    const ok = run(['apns', 'set-cert', p12, '--password-file', file('pw.txt', 'correct horse\n'), '--json'], env);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ topic: push.topic });
    const shown = JSON.parse(run(['apns', 'show', '--json'], env).stdout);
    expect(shown).toMatchObject({ configured: true, topic: push.topic, waitingPushes: 0, daysLeft: expect.any(Number) });
  });

  it('takes certificate and key as separate PEM files; refuses a new topic unless asked', () => {
    const other = pushCertificate(ca);
    const args = ['apns', 'set-cert', file('other.pem', other.certPem), '--key', file('other.key', other.keyPem)];
    const refused = run(args, env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/topic/);
    expect(run([...args, '--new-topic'], env).status).toBe(0);
    expect(JSON.parse(run(['apns', 'show', '--json'], env).stdout).topic).toBe(other.topic);
  });
});
