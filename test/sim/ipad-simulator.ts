import { randomBytes, randomUUID } from 'node:crypto';
import forge from 'node-forge';
import plist from 'plist';
import { answerFields, InstalledState, type SimulatedFacts } from './device-answers';
import { enrol, fetchRecipientCert, httpTransport } from './scep-requester';
import { signDetached } from './mdm-signature';

/** What the simulated device does with a command: answer it, defer it, or fail it. */
export type Reaction = 'Acknowledged' | 'NotNow' | 'Error';

export interface LedgerEntry {
  commandUuid: string;
  requestType: string;
  command: Record<string, unknown>;
  answered: Reaction;
  at: Date;
}

export interface HttpReply {
  status: number;
  body: Buffer;
}

/** Sends one request to Slate (real HTTP in e2e tests and benchmarks). */
export type Transport = (method: 'GET' | 'PUT' | 'POST', url: string, body?: Buffer, headers?: Record<string, string>) => Promise<HttpReply>;

export const fetchTransport: Transport = async (method, url, body, headers = {}) => {
  const res = await fetch(url, { method, body, headers });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
};

interface EnrolmentProfile {
  scepUrl: string;
  challenge: string;
  subjectCommonName: string;
  topic: string;
  serverUrl: string;
  checkInUrl: string;
}

/**
 * A scriptable iPad: installs Slate's profile (SCEP + MDM payloads), authenticates, hands over
 * its push token and answers the command loop the way iPadOS does. Every request carries a real
 * Mdm-Signature made with the identity key Slate issued over SCEP.
 */
export class SimulatedIpad {
  readonly facts: SimulatedFacts;
  readonly pushToken = randomBytes(32);
  readonly pushMagic = randomUUID().toUpperCase();
  readonly unlockToken = randomBytes(64);
  readonly ledger: LedgerEntry[] = [];
  /** Decides the reaction per command (default: acknowledge everything). */
  react: (requestType: string, command: Record<string, unknown>) => Reaction = () => 'Acknowledged';
  erased = false;
  lost = false;
  /** Profiles and apps installed through MDM; ProfileList and InstalledApplicationList answer from it. */
  readonly installed = new InstalledState();
  private profile?: EnrolmentProfile;
  private identity?: { keyPem: string; certDer: Buffer };

  /**
   * @param rewrite maps Slate's PUBLIC_URL (https, as iPads require) to where the test server
   * really listens: what the TLS proxy in front of Slate does in production.
   */
  constructor(private readonly rewrite: (url: string) => string = (u) => u, facts: Partial<SimulatedFacts> = {}, private readonly transport: Transport = fetchTransport) {
    const n = randomBytes(4).toString('hex').toUpperCase();
    this.facts = {
      udid: `00008103-${randomBytes(8).toString('hex').toUpperCase()}`, serial: `DMPSIM${n}`, name: `iPad ${n}`,
      model: 'J307AP', productName: 'iPad13,18', osVersion: '18.1', buildVersion: '22B83', ...facts,
    };
  }

  get udid(): string {
    return this.facts.udid;
  }

  /** Fetches the enrolment profile from an enrolment link and reads its payloads. */
  async installProfile(enrolUrl: string): Promise<Record<string, unknown>> {
    const res = await this.transport('GET', this.rewrite(enrolUrl));
    if (res.status !== 200) throw new Error(`enrolment profile: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
    const xml = res.body.subarray(0, 5).toString('latin1') === '<?xml' ? res.body : unwrapSignedData(res.body);
    const doc = plist.parse(xml.toString('utf8')) as Record<string, unknown>;
    const payloads = doc.PayloadContent as Record<string, unknown>[];
    const scep = payloads.find((p) => p.PayloadType === 'com.apple.security.scep')!.PayloadContent as Record<string, unknown>;
    const mdm = payloads.find((p) => p.PayloadType === 'com.apple.mdm')!;
    const subjectCommonName = (scep.Subject as string[][][] | undefined)?.flat().find(([k]) => k === 'CN')?.[1] ?? this.facts.udid;
    this.profile = {
      scepUrl: this.rewrite(scep.URL as string), challenge: scep.Challenge as string, subjectCommonName,
      topic: mdm.Topic as string, serverUrl: this.rewrite(mdm.ServerURL as string), checkInUrl: this.rewrite(mdm.CheckInURL as string),
    };
    return doc;
  }

  /** SCEP enrolment with the profile's one-time challenge. */
  async enrolCertificate(): Promise<void> {
    const p = this.need();
    const { recipient } = await fetchRecipientCert(p.scepUrl);
    const e = await enrol({ transport: httpTransport(p.scepUrl), recipientCert: recipient, challenge: p.challenge, commonName: p.subjectCommonName });
    if (!e.certDer) throw new Error(`SCEP refused: ${JSON.stringify(e.reply.failInfo ?? e.reply.status)}`);
    this.identity = { keyPem: e.keyPem, certDer: e.certDer };
  }

  /** The whole installation: profile, certificate, Authenticate, TokenUpdate. */
  async enrol(enrolUrl: string): Promise<void> {
    await this.installProfile(enrolUrl);
    await this.enrolCertificate();
    await this.expect(this.checkin({ MessageType: 'Authenticate', Topic: this.need().topic, SerialNumber: this.facts.serial, Model: this.facts.model, ModelName: 'iPad', ProductName: this.facts.productName, DeviceName: this.facts.name, OSVersion: this.facts.osVersion, BuildVersion: this.facts.buildVersion }), 200, 'Authenticate');
    await this.expect(this.checkin({ MessageType: 'TokenUpdate', Topic: this.need().topic, Token: this.pushToken, PushMagic: this.pushMagic, UnlockToken: this.unlockToken, AwaitingConfiguration: false }), 200, 'TokenUpdate');
  }

  checkin(msg: Record<string, unknown>): Promise<HttpReply> {
    return this.put(this.need().checkInUrl, { UDID: this.facts.udid, ...msg }, 'application/x-apple-aspen-mdm-checkin');
  }

  /** One request on the command endpoint; returns the command Slate hands out, if any. */
  async report(body: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    const res = await this.put(this.need().serverUrl, { UDID: this.facts.udid, ...body });
    if (res.status !== 200) throw new Error(`connect: HTTP ${res.status}`);
    return res.body.length ? (plist.parse(res.body.toString('utf8')) as Record<string, unknown>) : null;
  }

  /**
   * What iPadOS does after a push: Idle, then answer each command until the server has no more
   * (or `max` commands).
   */
  async connect(max = 100): Promise<LedgerEntry[]> {
    const handled: LedgerEntry[] = [];
    let next = await this.report({ Status: 'Idle' });
    while (next && handled.length < max) {
      const command = next.Command as Record<string, unknown>;
      const requestType = command.RequestType as string;
      const reaction = this.react(requestType, command);
      const entry: LedgerEntry = { commandUuid: next.CommandUUID as string, requestType, command, answered: reaction, at: new Date() };
      this.ledger.push(entry);
      handled.push(entry);
      const answer: Record<string, unknown> = { Status: reaction, CommandUUID: entry.commandUuid };
      if (reaction === 'Acknowledged') Object.assign(answer, answerFields(requestType, command, this.facts, this.lost, this.installed));
      if (reaction === 'Error') answer.ErrorChain = [{ ErrorCode: 12021, ErrorDomain: 'MCMDMErrorDomain', LocalizedDescription: 'Simulated failure', USEnglishDescription: 'Simulated failure' }];
      if (reaction === 'Acknowledged') this.apply(requestType, command);
      // After NotNow Slate hands out other work, and the deferred command again after the next
      // non-NotNow answer; the loop ends when the device has nothing it will do now.
      next = await this.report(answer);
    }
    return handled;
  }

  /** The signed PUT every MDM request is. */
  put(url: string, msg: Record<string, unknown>, contentType = 'application/xml', sign = true): Promise<HttpReply> {
    const body = Buffer.from(plist.build(msg as Parameters<typeof plist.build>[0]), "utf8");
    return this.putRaw(url, body, contentType, sign);
  }

  putRaw(url: string, body: Buffer, contentType = 'application/xml', sign = true): Promise<HttpReply> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (sign) headers['mdm-signature'] = this.sign(body);
    return this.transport('PUT', url, body, headers);
  }

  sign(body: Buffer): string {
    if (!this.identity) throw new Error('no identity certificate yet');
    return signDetached(body, this.identity.keyPem, this.identity.certDer);
  }

  get urls(): { checkin: string; connect: string } {
    const p = this.need();
    return { checkin: p.checkInUrl, connect: p.serverUrl };
  }

  /** The identity Slate issued (benchmarks hand it to a load-generating worker). */
  identityForBench(): { keyPem: string; certDer: Buffer } {
    if (!this.identity) throw new Error('no identity certificate yet');
    return this.identity;
  }

  get certificateDer(): Buffer | undefined {
    return this.identity?.certDer;
  }

  private apply(requestType: string, command: Record<string, unknown>): void {
    const payload = requestType === 'InstallProfile' ? (command.Payload as Buffer) : undefined;
    this.installed.apply(requestType, command, payload && (plist.parse(unwrapSignedData(payload).toString('utf8')) as Record<string, unknown>));
    if (requestType === 'EnableLostMode') this.lost = true;
    if (requestType === 'DisableLostMode') this.lost = false;
    if (requestType === 'EraseDevice') this.erased = true;
  }

  private async expect(p: Promise<HttpReply>, status: number, what: string): Promise<void> {
    const r = await p;
    if (r.status !== status) throw new Error(`${what}: HTTP ${r.status}, expected ${status}`);
  }

  private need(): EnrolmentProfile {
    if (!this.profile) throw new Error('profile not installed');
    return this.profile;
  }
}

/** The profile inside a CMS SignedData (what Safari hands the profile installer). */
function unwrapSignedData(der: Buffer): Buffer {
  const msg = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(der.toString('binary'))) as forge.pkcs7.PkcsSignedData;
  const content = (msg as unknown as { rawCapture: { content?: forge.asn1.Asn1 } }).rawCapture.content;
  if (!content) throw new Error('signed profile without content');
  // content is [0] EXPLICIT OCTET STRING (possibly constructed from chunks)
  const octets = (content.value as forge.asn1.Asn1[])[0]!;
  const bytes = Array.isArray(octets.value) ? (octets.value as forge.asn1.Asn1[]).map((c) => c.value as string).join('') : (octets.value as string);
  return Buffer.from(bytes, 'binary');
}
