import { plistError } from './plist.types';

/** Hard limits for untrusted input; a device body that exceeds them is refused, never trimmed. */
export interface PlistLimits {
  /** Largest body accepted, bytes. */
  maxBytes: number;
  /** Deepest nesting of values (the top value is at depth 1). */
  maxDepth: number;
  /** Total values (every string, number, dict, array ...) in one document; dict keys too in binary plists. */
  maxNodes: number;
  /** Keys in one dict. */
  maxKeysPerDict: number;
  /** What the decoded value may cost, counted as described at BYTES_PER_VALUE. */
  maxDecodedBytes: number;
}

/**
 * The device endpoints' body limit (DEVICE_BODY_LIMIT in src/apple/http/device-body.ts; the protocol
 * layer may not import it). A school iPad's largest answer, InstalledApplicationList, stays well
 * under it; the largest real answer we hold (macOS DeviceInformation) is 22 KB.
 */
export const MAX_PLIST_BYTES = 1024 * 1024;

/**
 * The deepest real document we hold nests 7 levels (a .mobileconfig with a SCEP payload, in the
 * fixtures); 32 leaves room and bounds the decoders' recursion far below the stack's limit.
 */
export const MAX_PLIST_DEPTH = 32;

/**
 * macOS DeviceInformation (22 KB, 824 values) has one value per 27 bytes; a 1 MiB body of that
 * density holds ~39,000. 100,000 is that with margin and caps the bodies made only of the
 * smallest values (`<true/>`, 7 bytes: 150,000 in 1 MiB), so the object count stays bounded too.
 */
export const MAX_PLIST_VALUES = 100_000;

/** The largest real dict (DeviceInformation's QueryResponses) has under 100 keys. */
export const MAX_KEYS_PER_DICT = 4096;

/**
 * A decoded document may cost no more than the largest body we accept. An XML body can never
 * exceed its own size (see BYTES_PER_VALUE), so this only bites a binary plist that references
 * one object from many places ("binary billion laughs", issue #9 finding 1): such an object is
 * charged every time it is materialised. Sharing it instead would cap the decoder's memory but
 * hand every consumer (zod, inventory parsers, JSON.stringify of an ErrorChain) a graph whose
 * walk is still exponential, and alias mutable arrays, dicts and Buffers; a copy per reference,
 * each one charged, gives both formats the same bound on what leaves the decoder.
 */
export const MAX_DECODED_BYTES = MAX_PLIST_BYTES;

/**
 * The charge for each value, on top of its content: a string's UTF-16 code units, a data's
 * bytes, a dict key's code units. It is at most the shortest XML markup of a value (`<key/>`,
 * `<true/>`) and no decoded text is longer than its XML source (entities and UTF-8 only shrink),
 * so an XML document is never charged more than its own length.
 */
export const BYTES_PER_VALUE = 4;

export const DEFAULT_PLIST_LIMITS: PlistLimits = {
  maxBytes: MAX_PLIST_BYTES,
  maxDepth: MAX_PLIST_DEPTH,
  maxNodes: MAX_PLIST_VALUES,
  maxKeysPerDict: MAX_KEYS_PER_DICT,
  maxDecodedBytes: MAX_DECODED_BYTES,
};

/**
 * Counts values, depth and decoded bytes while decoding, so a hostile document fails early, not
 * after allocating.
 */
export class Budget {
  private values = 0;
  private bytes = 0;
  constructor(readonly limits: PlistLimits) {}

  /** One value at `depth`, before it is read. */
  value(depth: number): void {
    if (++this.values > this.limits.maxNodes) throw plistError(`more than ${this.limits.maxNodes} values`);
    if (depth > this.limits.maxDepth) throw plistError(`nested deeper than ${this.limits.maxDepth}`);
    this.charge(BYTES_PER_VALUE);
  }

  /**
   * A value's content: the binary reader charges it before copying; the XML reader once the text
   * is read, which is safe because text never decodes longer than its source.
   */
  charge(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.limits.maxDecodedBytes) throw plistError(`decodes to more than ${this.limits.maxDecodedBytes} bytes`);
  }

  keys(count: number): void {
    if (count > this.limits.maxKeysPerDict) throw plistError(`more than ${this.limits.maxKeysPerDict} keys in a dict`);
  }
}
