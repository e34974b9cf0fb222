import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestSlate, type TestSlate } from '../../helpers/test-slate';
import { listen } from '../../helpers/scep-server';
import { itWith } from '../../helpers/interop';
import { fetchRecipientCert } from '../../sim/scep-requester';
import { fingerprintOf } from '../../../src/pki/x509';

const run = promisify(execFile);

/**
 * Interop with independent implementations: micromdm's scepclient (Go, smallstep/scep; CI installs
 * Debian's `scep` package) enrols against a running Slate, and OpenSSL verifies what Slate signs.
 */
describe.each(['rsa2048', 'p256'] as const)('interop with a %s CA', (alg) => {
  let slate: TestSlate;
  let server: { url: string; close(): Promise<void> };
  let dir: string;
  let caFile: string;

  beforeAll(async () => {
    slate = await createTestSlate({ CA_KEY_ALGORITHM: alg }, { importOrg: true });
    server = await listen(slate.http);
    dir = slate.testDb.dir;
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, slate.services.pki.caCertificatePem());
  });
  afterAll(async () => {
    await server?.close();
    await slate?.dispose();
  });

  const challenge = async () => {
    const grade = (await slate.s.org.getByCode('gs-bildstock-3'))!;
    return (await slate.services.pki.createChallenge(slate.db, { schoolId: grade.parentId!, gradeId: grade.id })).challenge;
  };
  const scepclient = async (name: string, ch: string) => {
    // With an EC CA, GetCACert returns the RSA RA beside the CA; scepclient must be told which one
    // to encrypt to (as for NDES), or it tries every certificate and fails on the EC key.
    const { recipient } = await fetchRecipientCert(`${server.url}/scep`);
    const select = alg === 'p256' ? ['-ca-fingerprint', fingerprintOf(recipient)] : [];
    return run('scepclient', ['-server-url', `${server.url}/scep`, '-challenge', ch, '-private-key', join(dir, `${name}.key`), '-certificate', join(dir, `${name}.pem`), '-cn', name, ...select], { timeout: 20_000 });
  };

  itWith('scepclient', 'openssl')('scepclient enrols and the certificate verifies against the CA with openssl', async () => {
    await scepclient('ipad-1', await challenge());
    const certFile = join(dir, 'ipad-1.pem');
    expect(execFileSync('openssl', ['verify', '-CAfile', caFile, certFile]).toString()).toContain(': OK');
    const subject = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-subject']).toString();
    expect(subject).toMatch(/O = Slate MDM, CN = slate-device-[0-9a-f-]{36}/);
    const fp = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256']).toString().split('=')[1]!.trim().replace(/:/g, '');
    expect(await slate.services.pki.getCertificateByFingerprint(fp)).toMatchObject({ kind: 'device' });
  });

  itWith('scepclient')('scepclient fails cleanly with a wrong challenge and gets no certificate', async () => {
    await expect(scepclient('ipad-2', 'wrong-challenge')).rejects.toMatchObject({ code: expect.any(Number) });
    expect(existsSync(join(dir, 'ipad-2.pem'))).toBe(false);
    expect(await slate.services.pki.listCertificates({ kind: 'device' })).toHaveLength(1);
  });

  itWith('openssl')('openssl cms -verify and smime -verify accept a signed profile and return its exact bytes', () => {
    const profile = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>PayloadType</key><string>Configuration</string></dict></plist>\n');
    const signed = join(dir, 'profile.p7');
    writeFileSync(signed, slate.services.pki.signProfile(profile));
    const out = execFileSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', signed, '-CAfile', caFile, '-binary'], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.equals(profile)).toBe(true);
    const smime = execFileSync('openssl', ['smime', '-verify', '-inform', 'DER', '-in', signed, '-CAfile', caFile, '-binary'], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(smime.equals(profile)).toBe(true);
    const tampered = readFileSync(signed);
    const at = tampered.indexOf(Buffer.from('Configuration'));
    tampered[at] = 0x63;
    writeFileSync(signed, tampered);
    expect(() => execFileSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', signed, '-CAfile', caFile, '-binary'], { stdio: 'pipe' })).toThrow();
  });
});
