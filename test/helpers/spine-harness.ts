import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import plist from 'plist';
import { signDetached } from '../sim/mdm-signature';
import { createLogger } from '../../src/log/logger';
import { SimulatedIpad } from '../sim/ipad-simulator';
import type { SimulatedFacts } from '../sim/device-answers';
import { startFakeApns, type FakeApns } from './fake-apns';
import { issueCertificate } from './test-certs';
import { createTestSlate, type TestSlate } from './test-slate';

/**
 * One Slate behind a real HTTP server on port 0, with a stand-in APNs and a push certificate:
 * the setup of the Apple spine e2e tests. iPads talk to PUBLIC_URL (https, as they require);
 * the simulator rewrites it to the test server, as the TLS proxy does in production.
 */
export const PUBLIC = 'https://mdm.slate.test';

export interface SpineHarness {
  slate: TestSlate;
  apns: FakeApns;
  /** http://127.0.0.1:port of the test server. */
  base: string;
  /** Every log line Slate wrote (parsed JSON), for "every refusal leaves a reason". */
  logs: Record<string, unknown>[];
  rewrite(url: string): string;
  /** A fresh enrolment link for gs-bildstock grade 3 class 3a. */
  newLink(): Promise<string>;
  /** A simulated iPad, not yet enrolled. */
  ipad(facts?: Partial<SimulatedFacts>): SimulatedIpad;
  /** A simulated iPad enrolled through a fresh link. */
  enrolled(facts?: Partial<SimulatedFacts>): Promise<SimulatedIpad>;
  /** The request log line of the last request to `path` (reason included). */
  lastRequest(path: string): Record<string, unknown> | undefined;
  close(): Promise<void>;
}

/** `port`: listen there instead of on any free port, for a Slate whose configuration names its own origin (WebAuthn). */
export async function startSpine(env: Record<string, string> = {}, opts: { pushCert?: boolean; logLevel?: string; port?: number } = {}): Promise<SpineHarness> {
  const apns = await startFakeApns();
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(opts.logLevel ?? 'debug', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const slate = await createTestSlate({ PUBLIC_URL: PUBLIC, APNS_URL: apns.url, APNS_CA_FILE: apns.caFile, ...env }, { importOrg: true }, logger);
  handler = slate.http;
  if (opts.pushCert !== false) await slate.services.apnsCertificates.set({ data: Buffer.from(apns.pushCert.certPem + apns.pushCert.keyPem) });
  slate.startBackground();
  await slate.services.org.importText('version: 1\nunits:\n  - { code: gs-bildstock-3a, kind: class, name: Klasse 3a, parent: gs-bildstock-3 }\n');
  const rewrite = (u: string) => u.replace(PUBLIC, base);
  const newLink = async () => (await slate.services.enrollmentTokens.create({ schoolCode: 'gs-bildstock', gradeLevel: 3, className: '3a', createdBy: 'test' })).url;
  const ipad = (facts: Partial<SimulatedFacts> = {}) => new SimulatedIpad(rewrite, facts);
  return {
    slate, apns, base, logs, rewrite, newLink, ipad,
    enrolled: async (facts = {}) => {
      const i = ipad(facts);
      await i.enrol(await newLink());
      return i;
    },
    lastRequest: (path) => logs.filter((l) => l.msg === 'request' && l.path === path).at(-1),
    close: async () => {
      await slate?.dispose();
      await new Promise((r) => server.close(r));
      await apns.close();
    },
  };
}

/** A key and self-signed certificate Slate never issued (DER), for forged signatures. */
export function selfSignedIdentity(cn = 'Slate Device CA'): { keyPem: string; certDer: Buffer } {
  const c = issueCertificate({ subject: [{ shortName: 'CN', value: cn }] });
  return { keyPem: c.keyPem, certDer: Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(c.cert)).getBytes(), 'binary') };
}

/** RFC 9440 `Client-Cert` header value: `:base64(DER):`. */
export const clientCertHeader = (der: Buffer) => `:${der.toString('base64')}:`;

/** A device request signed with any identity (the simulator signs with its own), to any Slate. */
export async function signedPut(url: string, msg: Record<string, unknown>, identity: { keyPem: string; certDer: Buffer }): Promise<{ status: number; body: Buffer }> {
  const body = Buffer.from(plist.build(msg as Parameters<typeof plist.build>[0]), 'utf8');
  const r = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/xml', 'mdm-signature': signDetached(body, identity.keyPem, identity.certDer) } });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
}
