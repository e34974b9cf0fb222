import { createHmac, hash } from 'node:crypto';
import { canonicalJson, sha256Hex, uuidV5 } from './canonical';

/**
 * How Slate names what it installs, and how a device's ProfileList proves which version it has.
 *
 * - PayloadIdentifier `<prefix>.slate.policy.<entry-id>`: stable for the life of the entry, so
 *   installing a new version replaces the old profile instead of adding a second one.
 * - Payload UUIDs inside the profile: UUIDv5 of (entry id, payload index), stable too.
 * - The profile's top-level PayloadUUID is the *version*: a keyed hash of (render format, the
 *   entry's content hash, the variable values it was rendered with). ProfileList reports
 *   PayloadIdentifier and PayloadUUID per installed profile (see inventory.ts), so "installed"
 *   means: identifier present and PayloadUUID equal to the expected version. PayloadVersion
 *   stays 1: Apple documents it as the format version, not a revision counter.
 */

/** Bump when rendering changes a profile's bytes for unchanged catalog content. */
export const PROFILE_FORMAT = 1;

const REVERSE_DNS = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export function assertReverseDns(prefix: string): string {
  if (!REVERSE_DNS.test(prefix) || prefix.length > 150) throw new Error(`identifier prefix ${JSON.stringify(prefix)} is not a reverse-DNS name`);
  return prefix;
}

/** `https://mdm.rvsbr.de/…` → `de.rvsbr.mdm`: a prefix derived from PUBLIC_URL's host. */
export function reverseDnsOfUrl(url: string): string {
  const host = new URL(url).hostname;
  if (!host.includes('.') || /^[\d.]+$/.test(host) || host.includes(':')) return 'local.slate';
  return assertReverseDns(host.split('.').reverse().join('.'));
}

/** Everything Slate installs as policy starts with this; nothing else is ever removed by policy. */
export function policyIdentifierPrefix(prefix: string): string {
  return `${prefix}.slate.policy.`;
}

export function profileIdentifier(prefix: string, entryId: string): string {
  return `${policyIdentifierPrefix(prefix)}${entryId}`;
}

/** The entry id in a Slate policy identifier, or undefined for anything Slate did not install. */
export function entryIdOfIdentifier(policyPrefix: string, identifier: string): string | undefined {
  if (!identifier.startsWith(policyPrefix)) return undefined;
  const rest = identifier.slice(policyPrefix.length);
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(rest) ? rest : undefined;
}

export function payloadIdentifier(profileId: string, index: number): string {
  return `${profileId}.payload${index}`;
}

export function payloadUuid(entryId: string, index: number): string {
  return uuidV5(`payload:${entryId}:${index}`);
}

/** Content hash of an entry version: over canonical content and the settings that shape output. */
export function entryContentHash(content: unknown): string {
  return sha256Hex(canonicalJson({ format: PROFILE_FORMAT, content }));
}

/**
 * The top-level PayloadUUID of one rendered version: a UUIDv8 (RFC 9562 §5.8, custom) over
 * HMAC-SHA256 of the render format, the entry's content hash and the variable values, in the order
 * of the entry's sorted variable names (which its content fixes). Keyed, under a key the caller
 * derives from SECRET_KEY, because values include secrets: a bare hash of a Wi-Fi password in a
 * PayloadUUID or a database column could be guessed offline.
 */
export function versionUuid(key: Buffer, contentHash: string, values: readonly string[]): string {
  return uuidOfHex(unitDigest(key, contentHash, values));
}

/** The keyed digest of everything but device values; computed once per (entry, unit). */
export function unitDigest(key: Buffer, contentHash: string, values: readonly string[]): string {
  return createHmac('sha256', key).update(`${PROFILE_FORMAT}\n${contentHash}\n${JSON.stringify(values)}`).digest('hex');
}

/**
 * Version of a device-level rendering: the unit's keyed digest (which covers content and any
 * secret) extended by the device's own values (serial, asset tag: not secret) with one plain
 * SHA-256, so a fleet plan pays one cheap hash per device instead of an HMAC.
 */
export function deviceVersionUuid(unitDigestHex: string, deviceValues: readonly string[]): string {
  return uuidOfHex(hash('sha256', `${unitDigestHex}\n${JSON.stringify(deviceValues)}`, 'hex'));
}

const VARIANT = '89ab89ab89ab89ab';

function uuidOfHex(h: string): string {
  const u = h.slice(0, 32).toUpperCase();
  return `${u.slice(0, 8)}-${u.slice(8, 12)}-8${u.slice(13, 16)}-${VARIANT[parseInt(u[16]!, 16)]!.toUpperCase()}${u.slice(17, 20)}-${u.slice(20, 32)}`;
}
