import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software passkey (WebAuthn authenticator) for tests without a browser: a P-256 key, the
 * "none" attestation format and authenticator data built byte by byte as WebAuthn Level 2 §6.1
 * and §6.5 describe them, assertions signed with ES256 over authenticatorData ‖ SHA-256(clientDataJSON).
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly key: { privateKey: KeyObject; publicKey: KeyObject };
  counter = 0;
  /** Whether the authenticator claims user verification (the UV flag). */
  userVerified = true;

  constructor(readonly origin: string, readonly rpId: string) {
    this.key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  }

  get id(): string {
    return this.credentialId.toString('base64url');
  }

  /** navigator.credentials.create() with the server's options, as PublicKeyCredential.toJSON(). */
  register(options: { challenge: string; rp?: { id?: string } }, opts: { origin?: string; challenge?: string } = {}): Record<string, unknown> {
    const clientData = this.clientData('webauthn.create', opts.challenge ?? options.challenge, opts.origin);
    const jwk = this.key.publicKey.export({ format: 'jwk' });
    // COSE_Key (RFC 9053 §7.1): kty EC2, alg ES256, crv P-256, x, y.
    const cose = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const attested = Buffer.concat([Buffer.alloc(16), u16(this.credentialId.length), this.credentialId, cose]);
    const authData = Buffer.concat([this.authDataHead(0x40), attested]);
    const attestationObject = cbor(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return {
      id: this.id, rawId: this.id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { clientDataJSON: clientData.toString('base64url'), attestationObject: attestationObject.toString('base64url'), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get() with the server's options. */
  assert(options: { challenge: string }, opts: { origin?: string; challenge?: string; counter?: number } = {}): Record<string, unknown> {
    this.counter = opts.counter ?? this.counter + 1;
    const clientData = this.clientData('webauthn.get', opts.challenge ?? options.challenge, opts.origin);
    const authData = this.authDataHead(0);
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), this.key.privateKey);
    return {
      id: this.id, rawId: this.id, type: 'public-key', clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { clientDataJSON: clientData.toString('base64url'), authenticatorData: authData.toString('base64url'), signature: signature.toString('base64url') },
    };
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** rpIdHash ‖ flags (UP, UV when claimed, plus `extra`) ‖ signCount. */
  private authDataHead(extra: number): Buffer {
    const flags = 0x01 | (this.userVerified ? 0x04 : 0) | extra;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.counter);
    return Buffer.concat([createHash('sha256').update(this.rpId).digest(), Buffer.from([flags]), count]);
  }
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** The CBOR subset WebAuthn needs (RFC 8949): integers, byte and text strings, maps. */
export function cbor(v: unknown): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (Buffer.isBuffer(v)) return Buffer.concat([head(2, v.length), v]);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Map) return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  throw new Error(`cbor: cannot encode ${typeof v}`);
}

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) return Buffer.concat([Buffer.from([(major << 5) | 25]), u16(n)]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}
