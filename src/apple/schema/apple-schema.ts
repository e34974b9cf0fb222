import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Apple's own machine-readable schemas (github.com/apple/device-management, MIT, vendored in
 * vendor/apple-device-management) for MDM commands, check-in messages and profile payloads.
 * Format: vendor/apple-device-management docs/schema.md upstream.
 */
export interface AppleKeySpec {
  key: string;
  type: string;
  presence?: 'required' | 'optional';
  rangelist?: unknown[];
  range?: { min?: number; max?: number };
  subkeys?: AppleKeySpec[];
}

export interface AppleSchema {
  title: string;
  payload: { requesttype?: string; payloadtype?: string };
  payloadkeys?: AppleKeySpec[];
  responsekeys?: AppleKeySpec[];
}

export type SchemaKind = 'commands' | 'checkin' | 'profiles';

const VENDOR = join('vendor', 'apple-device-management');

/** Finds the vendored schemas from source (src/...) and compiled (dist/src/...) locations alike. */
export function findSchemaRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, VENDOR);
    if (existsSync(join(candidate, 'LICENSE.txt'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`apple schemas not found above ${from} (${VENDOR})`);
  }
}

/**
 * The vendored schemas, indexed by RequestType (commands), MessageType (check-in) and
 * PayloadType (profiles). Files are read once, lazily per kind.
 */
export class AppleSchemas {
  private readonly index = new Map<SchemaKind, Map<string, AppleSchema>>();

  constructor(private readonly root: string = findSchemaRoot()) {}

  command(requestType: string): AppleSchema | undefined {
    return this.kind('commands').get(requestType);
  }

  checkin(messageType: string): AppleSchema | undefined {
    return this.kind('checkin').get(messageType);
  }

  /** A profile payload schema; `TopLevel` is the profile itself. */
  profilePayload(payloadType: string): AppleSchema | undefined {
    return this.kind('profiles').get(payloadType);
  }

  types(kind: SchemaKind): string[] {
    return [...this.kind(kind).keys()].sort();
  }

  private kind(kind: SchemaKind): Map<string, AppleSchema> {
    let map = this.index.get(kind);
    if (map) return map;
    map = new Map();
    const dir = join(this.root, 'mdm', kind);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      // Some upstream files use anchors/aliases; the yaml package resolves them.
      const doc = parseYaml(readFileSync(join(dir, file), 'utf8'), { maxAliasCount: -1 }) as AppleSchema;
      const type = doc.payload.requesttype ?? doc.payload.payloadtype;
      if (type) map.set(type, doc);
    }
    this.index.set(kind, map);
    return map;
  }
}
