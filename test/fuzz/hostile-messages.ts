import { encodePlist } from '../../src/apple/protocol/plist';
import { encodeBinaryPlist } from '../helpers/bplist-encode';
import { BODY_LIMIT, xmlDoc, type Hostile } from './hostile-xml';

/**
 * Puts a hostile value under a key of an otherwise valid device message, so it passes the checks
 * in front of it (MessageType, UDID, Status) and reaches everything behind them.
 */
export function xmlUnderKey(fields: Record<string, string>, key: string): (inner: string) => Buffer {
  const known = Object.entries(fields).map(([k, v]) => `<key>${k}</key><string>${v}</string>`).join('');
  return (inner) => xmlDoc(`<dict>${known}<key>${key}</key>${inner}</dict>`);
}

/** A valid message, then one field (a string, or base64 in a `<data>`) grown until the body is 1 MiB. */
export function grownField(message: Record<string, unknown>, key: string, unit: string, kind: 'string' | 'data'): Hostile {
  const doc = encodePlist({ ...message, [key]: kind === 'data' ? Buffer.alloc(0) : '' }).toString('utf8');
  const at = doc.indexOf(`</${kind}>`, doc.indexOf(`<key>${key}</key>`));
  const n = Math.floor((BODY_LIMIT - doc.length) / unit.length);
  return { label: `${key} of 1 MiB`, input: Buffer.from(doc.slice(0, at) + unit.repeat(n) + doc.slice(at)) };
}

/** A dict of `count` unknown keys next to the message's own. */
export function manyKeys(fields: Record<string, string>, count: number): Hostile {
  const wrap = xmlUnderKey(fields, 'Extra');
  return { label: `${count} unknown keys`, input: wrap(`<true/>${Array.from({ length: count }, (_, i) => `<key>Unknown${i}</key><true/>`).join('')}`) };
}

/** The message itself, valid, as a binary plist: the device endpoints read XML only. */
export function asBinary(message: Record<string, unknown>): Hostile {
  return { label: 'the message as a valid binary plist', input: encodeBinaryPlist(message) };
}
