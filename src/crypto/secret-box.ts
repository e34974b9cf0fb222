import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../errors';

/**
 * Encryption of secrets at rest (CA keys, unlock tokens, bootstrap tokens, push keys):
 * AES-256-GCM under a subkey derived from SECRET_KEY per purpose, so a ciphertext of one kind can
 * never be replayed as another. Format: "v1:" + base64(iv[12] | tag[16] | ciphertext).
 */
export type SecretPurpose = 'ca-key' | 'unlock-token' | 'bootstrap-token' | 'push-key' | 'api' | 'generic' | 'key-check';

export class SecretBox {
  private readonly keys = new Map<SecretPurpose, Buffer>();

  constructor(private readonly master: Buffer) {
    if (master.length !== 32) throw new AppError('config_invalid', 'SECRET_KEY: expected 32 bytes');
  }

  private key(purpose: SecretPurpose): Buffer {
    let k = this.keys.get(purpose);
    if (!k) {
      k = Buffer.from(hkdfSync('sha256', this.master, Buffer.alloc(0), `slate/secret-box/${purpose}`, 32));
      this.keys.set(purpose, k);
    }
    return k;
  }

  /** A key for another use than sealing (a MAC), derived from SECRET_KEY under its own label. */
  subkey(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.master, Buffer.alloc(0), `slate/subkey/${label}`, 32));
  }

  seal(purpose: SecretPurpose, plaintext: Buffer | string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(purpose), iv);
    const body = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext) : plaintext), cipher.final()]);
    return 'v1:' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(purpose: SecretPurpose, sealed: string): Buffer {
    if (!sealed.startsWith('v1:')) throw new AppError('crypto_failed', 'unknown secret format');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    if (raw.length < 28) throw new AppError('crypto_failed', 'sealed secret is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key(purpose), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    } catch (err) {
      // Wrong SECRET_KEY or tampered data: both mean we must not use the secret.
      throw new AppError('crypto_failed', 'cannot decrypt secret (wrong SECRET_KEY or tampered data)', { cause: err });
    }
  }
}
