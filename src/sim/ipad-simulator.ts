import { randomBytes, randomUUID } from 'node:crypto';
import forge from 'node-forge';
import plist from 'plist';
import { answerFields, InstalledState, profileRecord, type ProfileRecord, type SimulatedFacts } from './device-answers';
import { httpClient, type HttpReply, type Transport } from './http-client';
import { MdmSigner } from './mdm-signature';
import { enrol, fetchRecipientCert, httpTransport } from './scep-requester';

export type { HttpReply, Transport } from './http-client';

/** What the simulated device does with a command: answer it, defer it, or fail it. */
export type Reaction = 'Acknowledged' | 'NotNow' | 'Error';

export interface LedgerEntry {
  commandUuid: string;
  requestType: string;
  command: Record<string, unknown>;
  answered: Reaction;
  at: Date;
}

/** The parts of an enrolment profile (SCEP + MDM payloads) a device acts on. */
interface EnrolmentProfile {
  /** PayloadIdentifier of the profile: a profile with the same one replaces it (Slate's renewal). */
  identifier: string;
  scepUrl: string;
  challenge: string;
  subjectCommonName: string;
  topic: string;
  serverUrl: string;
  checkInUrl: string;
}

interface Identity {
  keyPem: string;
  certDer: Buffer;
  signer: MdmSigner;
}

type Plist = Record<string, unknown>;

/**
 * A scriptable iPad: installs Slate's profile (SCEP + MDM payloads), authenticates, hands over
 * its push token and answers the command loop the way iPadOS does. Every request carries a real
 * Mdm-Signature made with the identity key Slate issued over SCEP, and it talks to Slate only
 * through the device endpoints (link, /scep, /mdm/checkin, /mdm/connect).
 *
 * An InstallProfile carrying an enrolment profile with the identifier of the installed one
 * replaces it, as on iPadOS: the device runs SCEP with the new challenge and signs every later
 * request with the new identity (Slate's identity renewal, src/apple/identity-renewal.ts).
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
  /** The enrolment profile as ProfileList lists it (not in `installed`: MDM cannot remove it). */
  private enrolment?: ProfileRecord;
  private identity?: Identity;

  /**
   * @param rewrite maps Slate's PUBLIC_URL (https, as iPads require) to where the server really
   * listens, as a TLS proxy in front of Slate does.
   */
  constructor(private readonly rewrite: (url: string) => string = (u) => u, facts: Partial<SimulatedFacts> = {}, private readonly transport: Transport = httpClient()) {
    const n = randomBytes(4).toString('hex').toUpperCase();
    this.facts = {
      udid: `00008103-${randomBytes(8).toString('hex').toUpperCase()}`, serial: `DMPSIM${n}`, name: `iPad ${n}`,
      model: 'J307AP', productName: 'iPad13,18', osVersion: '18.1', buildVersion: '22B83', location: { latitude: 49.3, longitude: 7.0 }, ...facts,
    };
  }

  get udid(): string {
    return this.facts.udid;
  }

  /** Fetches the enrolment profile from an enrolment link and reads its payloads. */
  async installProfile(enrolUrl: string): Promise<Plist> {
    const res = await this.transport('GET', this.rewrite(enrolUrl));
    if (res.status !== 200) throw new Error(`enrolment profile: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
    const doc = readProfile(res.body);
    const profile = this.enrolmentOf(doc);
    if (!profile) throw new Error('enrolment link: the profile has no SCEP and MDM payloads');
    this.profile = profile;
    this.enrolment = profileRecord(doc);
    return doc;
  }

  /** SCEP enrolment with the profile's one-time challenge; the new identity signs from now on. */
  async enrolCertificate(): Promise<void> {
    const p = this.need();
    const { recipient } = await fetchRecipientCert(p.scepUrl, this.transport);
    const e = await enrol({ transport: httpTransport(p.scepUrl, this.transport), recipientCert: recipient, challenge: p.challenge, commonName: p.subjectCommonName });
    if (!e.certDer) throw new Error(`SCEP refused: ${JSON.stringify(e.reply.failInfo ?? e.reply.status)}`);
    this.identity = { keyPem: e.keyPem, certDer: e.certDer, signer: new MdmSigner(e.keyPem, e.certDer) };
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
  async report(body: Record<string, unknown>): Promise<Plist | null> {
    const res = await this.put(this.need().serverUrl, { UDID: this.facts.udid, ...body });
    if (res.status !== 200) throw new Error(`connect: HTTP ${res.status}`);
    return res.body.length ? (plist.parse(res.body.toString('utf8')) as Plist) : null;
  }

  /**
   * What iPadOS does after a push: Idle, then answer each command until the server has no more
   * (or `max` commands). A device that erased itself says nothing more.
   */
  async connect(max = 100): Promise<LedgerEntry[]> {
    const handled: LedgerEntry[] = [];
    if (this.erased) return handled;
    let next = await this.report({ Status: 'Idle' });
    while (next && handled.length < max) {
      const command = next.Command as Plist;
      const requestType = command.RequestType as string;
      const answer: Plist = { CommandUUID: next.CommandUUID as string };
      let reaction = this.react(requestType, command);
      if (reaction === 'Acknowledged') {
        try {
          Object.assign(answer, await this.perform(requestType, command));
        } catch (err) {
          reaction = 'Error';
          answer.ErrorChain = errorChain((err as Error).message);
        }
      } else if (reaction === 'Error') answer.ErrorChain = errorChain('Simulated failure');
      answer.Status = reaction;
      const entry: LedgerEntry = { commandUuid: answer.CommandUUID as string, requestType, command, answered: reaction, at: new Date() };
      this.ledger.push(entry);
      handled.push(entry);
      // After NotNow Slate hands out other work, and the deferred command again after the next
      // non-NotNow answer; the loop ends when the device has nothing it will do now.
      next = await this.report(answer);
      if (this.erased) break;
    }
    return handled;
  }

  /** The signed PUT every MDM request is. */
  put(url: string, msg: Record<string, unknown>, contentType = 'application/xml', sign = true): Promise<HttpReply> {
    const body = Buffer.from(plist.build(msg as Parameters<typeof plist.build>[0]), 'utf8');
    return this.putRaw(url, body, contentType, sign);
  }

  putRaw(url: string, body: Buffer, contentType = 'application/xml', sign = true): Promise<HttpReply> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (sign) headers['mdm-signature'] = this.sign(body);
    return this.transport('PUT', url, body, headers);
  }

  sign(body: Buffer): string {
    if (!this.identity) throw new Error('no identity certificate yet');
    return this.identity.signer.sign(body);
  }

  get urls(): { checkin: string; connect: string } {
    const p = this.need();
    return { checkin: p.checkInUrl, connect: p.serverUrl };
  }

  /** PayloadIdentifier of the installed enrolment profile. */
  get enrolmentIdentifier(): string | undefined {
    return this.profile?.identifier;
  }

  /** The identity Slate issued (benchmarks hand it to a load-generating worker). */
  identityForBench(): { keyPem: string; certDer: Buffer } {
    if (!this.identity) throw new Error('no identity certificate yet');
    return { keyPem: this.identity.keyPem, certDer: this.identity.certDer };
  }

  get certificateDer(): Buffer | undefined {
    return this.identity?.certDer;
  }

  /** Carries out a command the device acknowledges; returns the fields of its answer. */
  private async perform(requestType: string, command: Plist): Promise<Plist> {
    switch (requestType) {
      case 'InstallProfile':
        await this.install(command);
        break;
      case 'RemoveProfile':
        if (String(command.Identifier) === this.profile?.identifier) {
          throw new Error('the MDM enrolment profile cannot be removed by the MDM server');
        }
        this.installed.apply(requestType, command);
        break;
      case 'InstallApplication':
      case 'RemoveApplication':
        this.installed.apply(requestType, command);
        break;
      case 'EnableLostMode':
        this.lost = true;
        break;
      case 'DisableLostMode':
        this.lost = false;
        break;
      case 'EraseDevice':
        this.erased = true;
        break;
    }
    const enrolment = this.profile && this.enrolment ? { identifier: this.profile.identifier, profile: this.enrolment } : null;
    return answerFields(requestType, command, { facts: this.facts, lost: this.lost, enrolment, installed: this.installed });
  }

  private async install(command: Plist): Promise<void> {
    if (!Buffer.isBuffer(command.Payload)) throw new Error('InstallProfile without a Payload');
    const doc = readProfile(command.Payload);
    const enrolment = this.enrolmentOf(doc);
    if (enrolment) {
      // iPadOS has one MDM enrolment: a profile with another identifier is refused, one with the
      // same identifier replaces it and its SCEP payload runs again.
      if (enrolment.identifier !== this.profile?.identifier) throw new Error(`a second MDM profile (${enrolment.identifier}) cannot be installed`);
      const previous = this.profile;
      this.profile = enrolment;
      try {
        await this.enrolCertificate();
      } catch (err) {
        this.profile = previous;
        throw err;
      }
      this.enrolment = profileRecord(doc);
      return;
    }
    if (!doc.PayloadIdentifier) throw new Error('profile without PayloadIdentifier');
    this.installed.apply('InstallProfile', command, doc);
  }

  private enrolmentOf(doc: Plist): EnrolmentProfile | null {
    const payloads = Array.isArray(doc.PayloadContent) ? (doc.PayloadContent as Plist[]) : [];
    const scep = payloads.find((p) => p.PayloadType === 'com.apple.security.scep')?.PayloadContent as Plist | undefined;
    const mdm = payloads.find((p) => p.PayloadType === 'com.apple.mdm');
    if (!scep || !mdm) return null;
    const subjectCommonName = (scep.Subject as string[][][] | undefined)?.flat().find(([k]) => k === 'CN')?.[1] ?? this.facts.udid;
    return {
      identifier: String(doc.PayloadIdentifier), scepUrl: this.rewrite(scep.URL as string), challenge: scep.Challenge as string, subjectCommonName,
      topic: mdm.Topic as string, serverUrl: this.rewrite(mdm.ServerURL as string), checkInUrl: this.rewrite(mdm.CheckInURL as string),
    };
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

function errorChain(description: string): Plist[] {
  return [{ ErrorCode: 12021, ErrorDomain: 'MCMDMErrorDomain', LocalizedDescription: description, USEnglishDescription: description }];
}

/** A profile as sent: plain XML, or inside a CMS SignedData (signed profiles). */
function readProfile(bytes: Buffer): Plist {
  const xml = bytes.subarray(0, 5).toString('latin1') === '<?xml' ? bytes : unwrapSignedData(bytes);
  return plist.parse(xml.toString('utf8')) as Plist;
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
