import { randomBytes, randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AuditLog } from '../../audit/audit-log';
import type { Db, Tx } from '../../db/database';
import type { ChallengePurpose, Passkey, PasskeyStore, StaffMember, StaffSessionStore, StaffStore, WebauthnChallenge } from '../../db/stores';
import { AppError } from '../../errors';
import { actorOf, type Principal } from './principal';
import type { ScopeResolver } from './scope-resolver';
import type { StaffService } from './staff.service';

export type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
export type { Passkey } from '../../db/stores';

export interface WebauthnSettings {
  rpId: string;
  rpName: string;
  origins: string[];
}

export interface Ceremony<T> {
  challengeId: string;
  options: T;
}

const CHALLENGE_TTL_MS = 5 * 60_000;
/** ES256, EdDSA, RS256: what platform authenticators and security keys use. */
const ALGORITHMS = [-7, -8, -257];
const failed = (why: string, cause?: unknown) => new AppError('webauthn_failed', `passkey not accepted: ${why}`, { cause });

/**
 * Passkeys (WebAuthn Level 2) with @simplewebauthn/server: registration when an invite is
 * redeemed (or another passkey is added), assertion at sign-in and for step-up. User verification
 * is required; challenges live in the database, expire after 5 minutes and are consumed before
 * the response is checked (a replayed response finds none); signature counters only move forward.
 */
export class PasskeyService {
  constructor(
    private readonly deps: {
      db: Db; staff: StaffStore; passkeys: PasskeyStore; sessions: StaffSessionStore; invites: StaffService; scopes: ScopeResolver;
      audit: AuditLog; webauthn: WebauthnSettings; now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async inviteOptions(token: string): Promise<Ceremony<PublicKeyCredentialCreationOptionsJSON>> {
    const invite = await this.deps.invites.redeemable(token);
    const userId = randomBytes(32);
    const options = await this.registrationOptions(invite.email || 'new administrator', userId, []);
    return { challengeId: await this.saveChallenge(options.challenge, 'register', null, invite.id), options };
  }

  /** Redeems an invite: the member of staff exists from now on, with this passkey. */
  async redeemInvite(req: { token: string; challengeId: string; response: RegistrationResponseJSON; email?: string; displayName: string; passkeyName?: string }, ip: string | null): Promise<StaffMember> {
    const { db, staff, audit, scopes } = this.deps;
    const invite = await this.deps.invites.redeemable(req.token);
    const email = invite.email || req.email?.trim().toLowerCase();
    if (!email) throw new AppError('validation_failed', 'email: this invite leaves the e-mail address to you', { details: { field: 'email', problem: 'required' } });
    const challenge = await this.consume(req.challengeId, 'register');
    return db.transaction(async (tx) => {
      if (challenge.inviteId !== invite.id) throw failed('the challenge belongs to another invite');
      const member: StaffMember = {
        id: randomUUID(), email, displayName: req.displayName, role: invite.role, scopeUnitId: invite.scopeUnitId,
        webauthnUserId: randomBytes(32).toString('base64url'), createdBy: invite.createdBy, createdAt: this.now(), disabledAt: null,
      };
      if (await staff.getByEmail(tx, email)) throw new AppError('conflict', `${email} already has an account`);
      await staff.create(tx, member);
      if (!(await staff.consumeInvite(tx, invite.id, member.id, this.now()))) throw new AppError('invite_invalid', 'invite link is unknown, used or expired');
      await this.register(tx, member, challenge.challenge, req.response, req.passkeyName ?? 'passkey');
      const { scope } = await scopes.byId(tx, member.scopeUnitId);
      await audit.append(tx, {
        actor: { type: 'staff', id: member.id, label: email, role: member.role, scopeCode: null, scopePath: scope.path },
        action: 'staff.join', target: { type: 'staff', id: member.id, path: scope.path }, detail: { invite: invite.id }, ip,
      });
      return member;
    });
  }

  async addOptions(p: Principal): Promise<Ceremony<PublicKeyCredentialCreationOptionsJSON>> {
    const member = await this.member(p);
    const existing = await this.deps.passkeys.listForStaff(this.deps.db, member.id);
    const options = await this.registrationOptions(member.email, Buffer.from(member.webauthnUserId, 'base64url'), existing);
    return { challengeId: await this.saveChallenge(options.challenge, 'register', member.id, null), options };
  }

  async add(p: Principal, challengeId: string, response: RegistrationResponseJSON, name: string, ip: string | null): Promise<Passkey> {
    const member = await this.member(p);
    const challenge = await this.consume(challengeId, 'register');
    return this.deps.db.transaction(async (tx) => {
      if (challenge.staffId !== member.id) throw failed('the challenge belongs to someone else');
      const key = await this.register(tx, member, challenge.challenge, response, name);
      await this.deps.audit.append(tx, { actor: actorOf(p), action: 'passkey.add', target: { type: 'passkey', id: key.id, path: p.scope.path }, detail: { name }, ip });
      return key;
    });
  }

  list(p: Principal): Promise<Passkey[]> {
    return this.member(p).then((m) => this.deps.passkeys.listForStaff(this.deps.db, m.id));
  }

  /** Removes one of the caller's passkeys; the last one stays (it is the only way back in). */
  async remove(p: Principal, id: string, ip: string | null): Promise<void> {
    const member = await this.member(p);
    await this.deps.db.transaction(async (tx) => {
      const keys = await this.deps.passkeys.listForStaff(tx, member.id);
      if (!keys.some((k) => k.id === id)) throw new AppError('not_found', 'no such passkey');
      if (keys.length === 1) throw new AppError('conflict', 'this is your only passkey: add another one first');
      await this.deps.passkeys.remove(tx, member.id, id);
      await this.deps.audit.append(tx, { actor: actorOf(p), action: 'passkey.remove', target: { type: 'passkey', id, path: p.scope.path }, ip });
    });
  }

  /** Sign-in with a discoverable credential: the authenticator names the account. */
  async signInOptions(): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
    const options = await generateAuthenticationOptions({ rpID: this.deps.webauthn.rpId, userVerification: 'required', timeout: CHALLENGE_TTL_MS });
    return { challengeId: await this.saveChallenge(options.challenge, 'sign-in', null, null), options };
  }

  async signIn(challengeId: string, response: AuthenticationResponseJSON): Promise<StaffMember> {
    const challenge = await this.consume(challengeId, 'sign-in');
    return this.deps.db.transaction(async (tx) => this.assert(tx, challenge, response, null));
  }

  async stepUpOptions(p: Principal): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
    const member = await this.member(p);
    const keys = await this.deps.passkeys.listForStaff(this.deps.db, member.id);
    const options = await generateAuthenticationOptions({
      rpID: this.deps.webauthn.rpId, userVerification: 'required', timeout: CHALLENGE_TTL_MS,
      allowCredentials: keys.map((k) => ({ id: k.id, transports: k.transports })),
    });
    return { challengeId: await this.saveChallenge(options.challenge, 'step-up', member.id, null), options };
  }

  /** A fresh assertion by the session's own member: the session may do step-up actions for a while. */
  async stepUp(p: Principal, challengeId: string, response: AuthenticationResponseJSON, ip: string | null): Promise<Date> {
    const member = await this.member(p);
    const at = this.now();
    const challenge = await this.consume(challengeId, 'step-up');
    await this.deps.db.transaction(async (tx) => {
      await this.assert(tx, challenge, response, member.id);
      await this.deps.sessions.markStepUp(tx, p.sessionId!, at);
      await this.deps.audit.append(tx, { actor: actorOf(p), action: 'auth.step_up', target: { type: 'staff', id: member.id, path: p.scope.path }, ip });
    });
    return at;
  }

  private async assert(tx: Tx, challenge: WebauthnChallenge, response: AuthenticationResponseJSON, staffId: string | null): Promise<StaffMember> {
    if (challenge.staffId !== staffId) throw failed('the challenge belongs to someone else');
    const key = typeof response?.id === 'string' ? await this.deps.passkeys.get(tx, response.id) : null;
    if (!key || (staffId && key.staffId !== staffId)) throw failed('unknown passkey');
    const member = await this.deps.staff.get(tx, key.staffId);
    if (!member || member.disabledAt) throw failed('account disabled');
    let info;
    try {
      const r = await verifyAuthenticationResponse({
        response, expectedChallenge: challenge.challenge, expectedOrigin: this.deps.webauthn.origins, expectedRPID: this.deps.webauthn.rpId,
        requireUserVerification: true,
        credential: { id: key.id, publicKey: Buffer.from(key.publicKey, 'base64url'), counter: key.counter, transports: key.transports as never },
      });
      if (!r.verified) throw failed('signature does not verify');
      info = r.authenticationInfo;
    } catch (err) {
      throw err instanceof AppError ? err : failed((err as Error).message, err);
    }
    // The counter check of the library, made atomic: of two replays racing, one moves it.
    if (!(await this.deps.passkeys.recordUse(tx, key.id, key.counter, info.newCounter, this.now()))) throw failed('signature counter did not advance');
    return member;
  }

  private async register(tx: Tx, member: StaffMember, expectedChallenge: string, response: RegistrationResponseJSON, name: string): Promise<Passkey> {
    let info;
    try {
      const r = await verifyRegistrationResponse({
        response, expectedChallenge, expectedOrigin: this.deps.webauthn.origins, expectedRPID: this.deps.webauthn.rpId,
        requireUserVerification: true, supportedAlgorithmIDs: ALGORITHMS,
      });
      if (!r.verified) throw failed('attestation does not verify');
      info = r.registrationInfo;
    } catch (err) {
      throw err instanceof AppError ? err : failed((err as Error).message, err);
    }
    const key: Passkey = {
      id: info.credential.id, staffId: member.id, publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter, transports: info.credential.transports ?? [], name: name.slice(0, 100),
      deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp, createdAt: this.now(), lastUsedAt: null,
    };
    if (await this.deps.passkeys.get(tx, key.id)) throw failed('this passkey is already registered');
    await this.deps.passkeys.create(tx, key);
    return key;
  }

  private registrationOptions(userName: string, userId: Uint8Array, exclude: Passkey[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: this.deps.webauthn.rpName, rpID: this.deps.webauthn.rpId, userName, userID: new Uint8Array(userId), timeout: CHALLENGE_TTL_MS,
      attestationType: 'none', supportedAlgorithmIDs: ALGORITHMS,
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      excludeCredentials: exclude.map((k) => ({ id: k.id, transports: k.transports })),
    });
  }

  private async saveChallenge(challenge: string, purpose: ChallengePurpose, staffId: string | null, inviteId: string | null): Promise<string> {
    const id = randomUUID();
    await this.deps.passkeys.createChallenge(this.deps.db, { id, challenge, purpose, staffId, inviteId, expiresAt: new Date(this.now().getTime() + CHALLENGE_TTL_MS) });
    return id;
  }

  /**
   * Used up before the response is even looked at, in a statement of its own: a failed attempt
   * (which rolls its transaction back) must not leave the challenge for another try.
   */
  private async consume(id: string, purpose: ChallengePurpose): Promise<WebauthnChallenge> {
    const c = /^[0-9a-f-]{36}$/i.test(id) ? await this.deps.passkeys.consumeChallenge(this.deps.db, id, purpose, this.now()) : null;
    if (!c) throw failed('challenge unknown, used or expired');
    return c;
  }

  private async member(p: Principal): Promise<StaffMember> {
    const m = p.staffId ? await this.deps.staff.get(this.deps.db, p.staffId) : null;
    if (!m) throw new AppError('forbidden', 'only staff signed in with a passkey can do this');
    return m;
  }
}
