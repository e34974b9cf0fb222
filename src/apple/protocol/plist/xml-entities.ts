import { plistError } from './plist.types';

/**
 * Decodes the entity and character references in XML character data: the five predefined
 * entities and `&#N;` / `&#xH;`. Anything else (a DTD's entities, a bare `&`) is refused, so there
 * is nothing to expand. One forward pass; the `;` is looked for within MAX_REFERENCE characters
 * only, so a text of many bare `&` is not rescanned. Hand-written rather than a replace() with a
 * callback, which took ~70 ms for 1 MiB of `&amp;` (npm run fuzz -- plist-xml); this takes ~10.
 */
export function unescapeText(raw: string): string {
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    const semi = referenceEnd(raw, amp);
    out += raw.slice(from, amp) + reference(raw, amp + 1, semi);
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

/** The longest reference accepted between `&` and `;`: `#1114111` (7) and `#x10FFFF` (8) fit. */
const MAX_REFERENCE = 12;

function referenceEnd(s: string, amp: number): number {
  const end = Math.min(s.length, amp + 2 + MAX_REFERENCE);
  for (let i = amp + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 59 /* ; */) return i;
    if (c === 38 /* & */ || c === 60 /* < */) break;
  }
  throw plistError('bare & in text');
}

function reference(s: string, start: number, end: number): string {
  switch (s.slice(start, end)) {
    case 'lt': return '<';
    case 'gt': return '>';
    case 'amp': return '&';
    case 'quot': return '"';
    case 'apos': return "'";
  }
  const code = characterReference(s, start, end);
  if (code < 0) throw plistError(`entity &${s.slice(start, end)}; is not accepted`);
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0) throw plistError('invalid character reference');
  return String.fromCodePoint(code);
}

/** `#` then 1-7 decimal digits, or `#x` then 1-6 hex digits; -1 for anything else. */
function characterReference(s: string, start: number, end: number): number {
  if (s.charCodeAt(start) !== 35 /* # */) return -1;
  const hex = s.charCodeAt(start + 1) === 120; /* x */
  const first = start + (hex ? 2 : 1);
  if (first === end || end - first > (hex ? 6 : 7)) return -1;
  let code = 0;
  for (let i = first; i < end; i++) {
    const digit = digitValue(s.charCodeAt(i), hex);
    if (digit < 0) return -1;
    code = code * (hex ? 16 : 10) + digit;
  }
  return code;
}

function digitValue(c: number, hex: boolean): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (hex && c >= 97 && c <= 102) return c - 87;
  if (hex && c >= 65 && c <= 70) return c - 55;
  return -1;
}
