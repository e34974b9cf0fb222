/**
 * PKI throughput: certificate signing (forge's pure-JS RSA vs forge ASN.1 + node:crypto), the
 * server side of a SCEP PKCSReq, and Mdm-Signature verification. `npm run bench -- pki`.
 */
import { createPublicKey } from 'node:crypto';
import { cpus } from 'node:os';
import forge from 'node-forge';
import { generateKey, spkiDer } from '../../src/pki/keys';
import { certificateParts, fingerprintOf, issueCertificate, randomSerial, selfSignedCa } from '../../src/pki/x509';
import { ScepResponder } from '../../src/ca/scep.responder';
import { CertificateVerifier } from '../../src/ca/certificate-verifier';
import type { Db, Tx } from '../../src/db/database';
import { silentLogger } from '../../src/log/logger';
import { parseCsr } from '../../src/pki/csr';
import type { CertificateStore } from '../../src/db/stores';
import { generateCsr, selfSignedFor } from '../sim/csr';
import { buildPkiMessage, signDetached } from '../sim/scep-requester';

async function measure(name: string, n: number, fn: (i: number) => unknown | Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(5, n); i++) await fn(i);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // CPU time of this process: on a shared VM, wall time also counts waiting for a core.
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${name.padEnd(52)} ${String(n).padStart(6)} ops  ${(ms / n).toFixed(3).padStart(8)} ms/op  ${Math.round((n * 1000) / ms).toString().padStart(7)} ops/s  ${(cpuMs / n).toFixed(3).padStart(8)} cpu ms/op`);
}

async function main(): Promise<void> {
  const caKey = generateKey('rsa2048');
  const caCert = selfSignedCa(caKey, { commonName: 'Bench CA' }, 365 * 86400_000);
  const ca = certificateParts(caCert);
  const device = generateCsr({ challenge: 'bench' });
  const deviceSpki = spkiDer(device.key);
  const now = new Date();
  const template = () => ({ serial: randomSerial(), subject: device.subject, issuer: ca.subject, notBefore: now, notAfter: new Date(now.getTime() + 365 * 86400_000), subjectPublicKey: deviceSpki, issuerPublicKey: ca.spki, profile: 'device' as const });

  // forge doing the private-key operation itself: what the issue warns about.
  const forgeKey = forge.pki.privateKeyFromPem(caKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const forgePub = forge.pki.publicKeyFromPem(createPublicKey(device.key).export({ type: 'spki', format: 'pem' }) as string);
  await measure('issue certificate: node-forge RSA (pure JS)', 40, () => {
    const c = forge.pki.createCertificate();
    c.publicKey = forgePub;
    c.serialNumber = randomSerial().toString('hex');
    c.validity.notBefore = now;
    c.validity.notAfter = new Date(now.getTime() + 365 * 86400_000);
    c.setSubject([{ name: 'commonName', value: 'bench' }]);
    c.setIssuer([{ name: 'commonName', value: 'Bench CA' }]);
    c.sign(forgeKey, forge.md.sha256.create());
  });
  await measure('issue certificate: forge ASN.1 + node:crypto (RSA CA)', 3000, () => issueCertificate(template(), caKey));
  const ecKey = generateKey('p256');
  const ecCa = certificateParts(selfSignedCa(ecKey, { commonName: 'Bench EC CA' }, 365 * 86400_000));
  await measure('issue certificate: forge ASN.1 + node:crypto (P-256 CA)', 3000, () => issueCertificate({ ...template(), issuer: ecCa.subject, issuerPublicKey: ecCa.spki }, ecKey));

  // The server side without a database: the transaction is a pass-through.
  const db = { transaction: (fn: (tx: Tx) => Promise<unknown>) => fn({} as Tx) } as unknown as Db;
  const responder = new ScepResponder({
    db,
    responder: { cert: caCert, key: caKey, chain: [] },
    consumeChallenge: async () => ({ placement: { schoolId: 's', gradeId: 'g', classId: null, enrollmentTokenId: null }, deviceId: null }),
    issue: async (_tx, csr) => issueCertificate({ ...template(), subject: csr.subject, subjectPublicKey: csr.spki }, caKey),
    verifier: undefined as never,
    logger: silentLogger(),
  });
  const signer = selfSignedFor(device.key, device.subject);
  const request = buildPkiMessage({ csrDer: device.csrDer, signerCert: signer, signerKey: device.key, recipientCert: caCert, cipher: 'aes-256-cbc' }).der;
  const desRequest = buildPkiMessage({ csrDer: device.csrDer, signerCert: signer, signerKey: device.key, recipientCert: caCert, cipher: 'des-cbc', digest: 'sha1' }).der;
  await measure('SCEP PKCSReq → CertRep, server side (AES-256)', 1000, () => responder.handle(request));
  await measure('SCEP PKCSReq → CertRep, server side (DES-CBC via forge)', 1000, () => responder.handle(desRequest));
  await measure('parse + verify CSR', 3000, () => parseCsr(device.csrDer));

  const issued = issueCertificate(template(), caKey);
  const record = { id: 'x', serial: 'x', kind: 'device', subject: '', fingerprint: fingerprintOf(issued), deviceId: 'd', schoolId: 's', gradeId: 'g', classId: null, enrollmentTokenId: null, notBefore: new Date(0), notAfter: new Date(now.getTime() + 86400_000), revokedAt: null, revokeReason: null, createdAt: now };
  const store = { getByFingerprint: async () => record } as unknown as CertificateStore;
  const verifier = new CertificateVerifier({ cert: caCert, key: caKey, chain: [], source: 'created' }, store, () => new Date(), 100_000);
  const body = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>Status</key><string>Idle</string><key>UDID</key><string>0000</string></dict></plist>');
  const sig = signDetached(body, device.keyPem, issued);
  const sig256 = signDetached(body, device.keyPem, issued, { digest: 'sha256', signedAttributes: true });
  await measure('Mdm-Signature verify + identity (SHA-1, no attributes)', 5000, () => verifier.verifyDetached(db, sig, body));
  await measure('Mdm-Signature verify + identity (SHA-256, attributes)', 5000, () => verifier.verifyDetached(db, sig256, body));
  console.log(`\nnode ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
}

void main();
