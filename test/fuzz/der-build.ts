/**
 * DER/BER encoders for tests and fuzz inputs. Standalone on purpose (no import from src/pki), so
 * inputs built here do not depend on the reader they test.
 */

/** Definite length octets (X.690 §8.1.3.4-5). */
export function lengthOctets(n: number): Buffer {
  const out = Buffer.alloc(lengthSize(n));
  writeLength(out, 0, n);
  return out;
}

function lengthSize(n: number): number {
  let k = 1;
  if (n >= 0x80) for (let v = n; v > 0; v = v >>> 8) k++;
  return k;
}

function writeLength(out: Buffer, at: number, n: number): number {
  const size = lengthSize(n);
  if (size === 1) out[at] = n;
  else {
    out[at] = 0x80 | (size - 1);
    for (let i = size - 1, v = n; i >= 1; i--, v = v >>> 8) out[at + i] = v & 0xff;
  }
  return size;
}

export function tlv(identifier: number, ...content: Buffer[]): Buffer {
  const c = Buffer.concat(content);
  return Buffer.concat([Buffer.from([identifier]), lengthOctets(c.length), c]);
}

/** `levels` constructed elements around `inner`, definite lengths: sizes inside out, then one write (1 MiB in milliseconds). */
export function nestDefinite(levels: number, inner: Buffer, identifier = 0x30): Buffer {
  const contentSizes: number[] = [];
  let size = inner.length;
  for (let i = 0; i < levels; i++) {
    contentSizes.push(size);
    size += 1 + lengthSize(size);
  }
  const out = Buffer.alloc(size);
  let w = 0;
  for (let i = levels - 1; i >= 0; i--) {
    out[w++] = identifier;
    w += writeLength(out, w, contentSizes[i]!);
  }
  inner.copy(out, w);
  return out;
}

/** `levels` constructed elements around `inner`, indefinite lengths. */
export function nestIndefinite(levels: number, inner: Buffer, identifier = 0x30): Buffer {
  const open = Buffer.alloc(2 * levels);
  for (let i = 0; i < levels; i++) {
    open[2 * i] = identifier;
    open[2 * i + 1] = 0x80;
  }
  return Buffer.concat([open, inner, Buffer.alloc(2 * levels)]);
}

/** `inner` nested in SEQUENCEs until the whole is as close to `size` bytes as the headers allow. */
export function nestToSize(size: number, inner: Buffer, indefinite: boolean): Buffer {
  if (indefinite) return nestIndefinite(Math.max(0, Math.floor((size - inner.length) / 4)), inner);
  let levels = 0;
  for (let total = inner.length; ; levels++) {
    const next = total + 1 + lengthSize(total);
    if (next > size) break;
    total = next;
  }
  return nestDefinite(levels, inner);
}

/** Content octets of an OBJECT IDENTIFIER (X.690 §8.19). */
export function oidBytes(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a! + b!];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift((v % 128) | (groups.length ? 0x80 : 0));
      if (v < 128) break;
    }
    out.push(...groups);
  }
  return Buffer.from(out);
}
