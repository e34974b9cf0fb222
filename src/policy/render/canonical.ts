import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { PlistReal } from '../../apple/protocol/plist';

/**
 * Canonical text of a plist-like value: dict keys sorted, each type tagged so that 2 (integer),
 * 2.0 (real) and "2" (string) differ, Buffers as base64. Hashes of catalog content are taken over
 * this text, never over YAML formatting or signature bytes, so reformatting a file or re-signing
 * with a renewed certificate does not make a new version.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

function write(v: unknown, out: string[]): void {
  if (v === undefined) return void out.push('null');
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return void out.push(JSON.stringify(v));
  if (typeof v === 'number') return void out.push(Number.isInteger(v) ? `{"i":${v}}` : `{"r":${JSON.stringify(v)}}`);
  if (typeof v === 'bigint') return void out.push(`{"i":${v.toString()}}`);
  if (v instanceof PlistReal) return void out.push(`{"r":${JSON.stringify(v.value)}}`);
  if (v instanceof Date) return void out.push(`{"d":${JSON.stringify(v.toISOString())}}`);
  if (Buffer.isBuffer(v)) return void out.push(`{"b":${JSON.stringify(v.toString('base64'))}}`);
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((item, i) => {
      if (i) out.push(',');
      write(item, out);
    });
    return void out.push(']');
  }
  if (typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    out.push('{');
    keys.forEach((k, i) => {
      if (i) out.push(',');
      out.push(JSON.stringify(k), ':');
      write(obj[k], out);
    });
    return void out.push('}');
  }
  throw new TypeError(`canonicalJson: cannot encode ${typeof v}`);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Keyed digest: what may leak a secret (a Wi-Fi password inside a profile) is never hashed bare. */
export function hmacHex(key: Buffer, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Slate's UUID namespace for policy identifiers (a fixed random UUID; never change it). */
export const SLATE_POLICY_NAMESPACE = '6f1b3c52-7d0e-4f7a-9a65-3e2b8c1d4f90';

/**
 * Name-based UUID (RFC 9562 §5.5, version 5: SHA-1 over namespace + name). Deterministic, so the
 * same entry and payload index always give the same PayloadUUID on every server and after a
 * restore from backup. Upper case, as Apple's tools write them.
 */
export function uuidV5(name: string, namespace: string = SLATE_POLICY_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The HMAC key for policy digests, derived from SECRET_KEY for this one purpose (HKDF-SHA256). */
export function policyHashKey(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'slate/policy/version-digest', 32));
}
