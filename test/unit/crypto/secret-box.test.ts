import { SecretBox } from '../../../src/crypto/secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it('round-trips and never repeats a ciphertext', () => {
    const a = box.seal('unlock-token', Buffer.from('keybag'));
    const b = box.seal('unlock-token', Buffer.from('keybag'));
    expect(a).not.toBe(b);
    expect(box.open('unlock-token', a).toString()).toBe('keybag');
  });

  it('refuses another purpose, another key, tampering and truncation', () => {
    const sealed = box.seal('ca-key', 'private');
    expect(() => box.open('push-key', sealed)).toThrow(expect.objectContaining({ code: 'crypto_failed' }));
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open('ca-key', sealed)).toThrow(expect.objectContaining({ code: 'crypto_failed' }));
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open('ca-key', 'v1:' + raw.toString('base64'))).toThrow(expect.objectContaining({ code: 'crypto_failed' }));
    expect(() => box.open('ca-key', 'v1:AAAA')).toThrow(/truncated/);
    expect(() => box.open('ca-key', 'v2:xx')).toThrow(/unknown secret format/);
  });
});
