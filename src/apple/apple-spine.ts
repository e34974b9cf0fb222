import type { Router } from 'express';
import type { Config } from '../config';
import type { SecretBox } from '../crypto/secret-box';
import type { Sql } from '../db/sql';
import type { CertificateRecord, EnrollmentToken, Stores } from '../db/stores';
import { AppError } from '../errors';
import type { OrgService } from '../fleet/org.service';
import type { Logger } from '../log/logger';
import type { CheckinMessage, DeviceIdentity } from './checkin.types';
import { CheckinService, type CertificateBinder, type EncodePlist } from './checkin.service';
import { CommandEffects, type DeviceFactsOf, type InventoryParser } from './command-effects';
import { CommandService, type AppleCommand, type DeviceReport, type EncodeCommand, type PushWaker } from './command.service';
import { ContactTracker } from './contact-tracker';
import type { EnrollmentTokenService } from './enrollment/enrollment-token.service';
import { enrollRouter } from './http/enroll.router';
import { commandEndpoint, mdmRouter, type DeviceCredentials } from './http/mdm.router';
import type { FastRoute } from '../http/fast-routes';

/** What the spine needs from the certificate authority (src/pki). */
export interface SpinePki extends CertificateBinder {
  verifyDeviceSignature(signatureB64: string, body: Buffer): Promise<DeviceIdentity>;
  checkDeviceCertificate(cert: string): Promise<DeviceIdentity>;
  deviceSignatureFingerprint(signatureB64: string, body: Buffer): string;
  deviceCertificateFingerprint(cert: string): string;
  liveIdentity(fingerprint: string, rec: CertificateRecord | null): DeviceIdentity;
  createChallenge(req: { schoolId: string; gradeId: string; classId?: string | null; enrollmentTokenId?: string | null }): Promise<{ challenge: string; expiresAt: Date }>;
  caCertificateDer(): Buffer;
  signProfile(profile: Buffer): Buffer;
}

/** The pure protocol package (src/apple/protocol), passed in so the spine stays testable. */
export interface SpineProtocol {
  decodeCheckin(body: Buffer): CheckinMessage;
  decodeReport(body: Buffer): DeviceReport & { udid: string };
  encodeCommand: EncodeCommand;
  encodePlist: EncodePlist;
  buildCommand(requestType: string, params: Record<string, unknown>): AppleCommand;
  inventoryParsers: Partial<Record<string, InventoryParser>>;
  deviceFactsOf: DeviceFactsOf;
  buildEnrollmentProfile(opts: EnrollmentProfileOptions): Buffer;
}

export interface EnrollmentProfileOptions {
  identifier: string;
  displayName: string;
  organization: string;
  description?: string;
  scep: { url: string; challenge: string; subjectCommonName: string; keySize?: number };
  mdm: { topic: string; serverUrl: string; checkInUrl: string };
  rootCaDer?: Buffer;
}

export interface SpineDeps {
  config: Config;
  logger: Logger;
  sql: Sql;
  stores: Stores;
  secrets: SecretBox;
  org: OrgService;
  enrollmentTokens: EnrollmentTokenService;
  pki: SpinePki;
  push: PushWaker;
  /** The APNs topic of the current push certificate, or null when none is configured. */
  pushTopic(): string | null;
  protocol: SpineProtocol;
}

export interface AppleSpine {
  commands: CommandService;
  checkins: CheckinService;
  /** Validated Apple command from a request type and staff-given parameters. */
  buildCommand(requestType: string, params?: Record<string, unknown>): AppleCommand;
  mounts: { path: string; router: Router }[];
  /** Device endpoints served on node:http ahead of express (src/http/fast-routes.ts). */
  fastRoutes: FastRoute[];
}

/**
 * Wires the Apple MDM spine: command queue with push, check-in handling, and the device-facing
 * routers (/enroll, /mdm/checkin, /mdm/connect). SCEP is mounted by the PKI itself.
 */
export function createAppleSpine(d: SpineDeps): AppleSpine {
  const { stores, logger } = d;
  const effects = new CommandEffects({
    devices: stores.devices, checkins: stores.checkins, parsers: d.protocol.inventoryParsers,
    deviceFacts: d.protocol.deviceFactsOf, logger,
  });
  const commands = new CommandService({
    queue: stores.commands, sql: d.sql, encode: d.protocol.encodeCommand, secrets: d.secrets, push: d.push,
    effects, logger, commandTtlMs: d.config.apple.commandTtlMs,
  });
  effects.bindCommands(commands);
  const checkins = new CheckinService({
    sql: d.sql, devices: stores.devices, appleDevices: stores.appleDevices, checkins: stores.checkins, commands,
    certificates: d.pki, secrets: d.secrets, encodePlist: d.protocol.encodePlist, logger,
  });
  // A proxy-terminated client certificate is as good as a signature, but only when configured:
  // otherwise anyone could send the header.
  const viaClientCert = (creds: DeviceCredentials): creds is { clientCert: string } => !!creds.clientCert && !!d.config.apple.clientCertHeader;
  const authenticate = (creds: DeviceCredentials, body: Buffer): Promise<DeviceIdentity> => {
    if (viaClientCert(creds)) return d.pki.checkDeviceCertificate(creds.clientCert);
    if (!creds.signature) return Promise.reject(new AppError('device_auth_failed', 'no Mdm-Signature'));
    return d.pki.verifyDeviceSignature(creds.signature, body);
  };
  // The command endpoint reads the certificate's record and its device in one query.
  const authenticateConnect = async (creds: DeviceCredentials, body: Buffer) => {
    let fingerprint: string;
    if (viaClientCert(creds)) fingerprint = d.pki.deviceCertificateFingerprint(creds.clientCert);
    else if (creds.signature) fingerprint = d.pki.deviceSignatureFingerprint(creds.signature, body);
    else throw new AppError('device_auth_failed', 'no Mdm-Signature');
    const ctx = await stores.appleDevices.connectContext(fingerprint);
    return { identity: d.pki.liveIdentity(fingerprint, ctx.certificate), device: ctx.device };
  };
  const deviceDeps = {
    authenticate, authenticateConnect, decodeCheckin: d.protocol.decodeCheckin, decodeReport: d.protocol.decodeReport,
    checkins, commands, contacts: new ContactTracker(stores.devices),
    clientCertHeader: d.config.apple.clientCertHeader, logger,
  };
  const connect = commandEndpoint(deviceDeps);
  const mdm = mdmRouter(deviceDeps, connect);
  const enroll = enrollRouter({
    // Checked before the link counts a use: a 503 must not spend a single-use link.
    redeem: async (token) => {
      enrollmentEndpoints(d);
      return d.enrollmentTokens.redeem(token);
    },
    buildProfile: (token) => enrollmentProfile(d, token),
    sign: async (profile) => d.pki.signProfile(profile),
    allowUnsigned: d.config.apple.allowUnsignedEnrollment,
    logger,
  });
  return {
    commands,
    checkins,
    buildCommand: (requestType, params = {}) => d.protocol.buildCommand(requestType, params),
    fastRoutes: [connect],
    mounts: [
      { path: '/mdm', router: mdm },
      { path: '/enroll', router: enroll },
    ],
  };
}

/** The push topic and public base an enrolment needs; enrollment_unavailable (503) without them. */
function enrollmentEndpoints(d: SpineDeps): { topic: string; base: string } {
  const topic = d.pushTopic();
  // Without a push certificate a device would enrol but never wake up for a lock or wipe.
  if (!topic) throw new AppError('enrollment_unavailable', 'no APNs push certificate configured (slate apns set-cert)', { expose: true });
  const base = d.config.publicUrl;
  // iPads only talk MDM over HTTPS: put a TLS proxy in front (or TLS_CERT_FILE) and say so in PUBLIC_URL.
  if (!base.startsWith('https://')) throw new AppError('enrollment_unavailable', `PUBLIC_URL must be an https:// URL for iPads to enrol (is ${base})`, { expose: true });
  return { topic, base };
}

async function enrollmentProfile(d: SpineDeps, token: EnrollmentToken): Promise<Buffer> {
  const { topic, base } = enrollmentEndpoints(d);
  const school = await d.org.byId(token.schoolId);
  const { challenge } = await d.pki.createChallenge({
    schoolId: token.schoolId, gradeId: token.gradeId, classId: token.classId, enrollmentTokenId: token.id,
  });
  return d.protocol.buildEnrollmentProfile({
    identifier: `${new URL(base).hostname.split('.').reverse().join('.')}.slate.enroll`,
    displayName: `Slate MDM${school ? ` – ${school.name}` : ''}`,
    organization: d.config.pki.organization,
    description: 'Enrols this tablet in the school authority\'s device management.',
    scep: { url: `${base}/scep`, challenge, subjectCommonName: `slate-device-${token.id.slice(0, 8)}` },
    mdm: { topic, serverUrl: `${base}/mdm/connect`, checkInUrl: `${base}/mdm/checkin` },
    rootCaDer: d.pki.caCertificateDer(),
  });
}
