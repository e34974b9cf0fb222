import { decodePlist, isPlistDict, type PlistDict, type PlistValue } from '../../apple/protocol/plist';
import { isAppError } from '../../errors';
import { payloadUuid } from '../render/profile-identity';
import { normaliseScope } from './catalog-entry';
import type { CatalogProblem, PathSegment } from './catalog-report';
import { ENTRY_ID, RESERVED_PAYLOAD_KEYS, sidecarSchema } from './catalog-schema';
import type { SourcedEntry } from './yaml-entries';
import { parseYamlSource } from './yaml-source';
import { addZodIssues } from './zod-problems';

const HANDLED_TOP_KEYS = new Set(['PayloadType', 'PayloadVersion', 'PayloadIdentifier', 'PayloadUUID', 'PayloadDisplayName', 'PayloadDescription', 'PayloadOrganization', 'PayloadRemovalDisallowed', 'PayloadContent']);

/**
 * A raw `.mobileconfig` (as exported by Apple Configurator or iMazing Profile Editor) plus its
 * sidecar `<name>.scope.yaml`. The payloads are kept; identifiers and UUIDs are replaced by Slate's
 * stable ones (so updates replace the installed profile), and references between payloads
 * (PayloadCertificateUUID → a certificate payload) are rewritten to the new UUIDs. Lines for
 * payload keys are the first line naming that key in the file: a plist reader with positions
 * is not worth it for imported files.
 */
export function entryFromMobileconfig(file: string, bytes: Buffer, sidecar: { file: string; text: string } | undefined, problems: CatalogProblem[]): SourcedEntry | undefined {
  const text = bytes.toString('utf8');
  const lineOfKey = (path: readonly PathSegment[]) => approximateLine(text, path);
  const fail = (message: string, path: PathSegment[] = []) => void problems.push({ code: 'plist_syntax', file, line: lineOfKey(path), key: path.join('.'), message });
  if (!sidecar) return fail(`no sidecar ${file.replace(/\.mobileconfig$/, '.scope.yaml')} saying who gets this profile`);
  if (bytes[0] === 0x30) return fail('signed (CMS) profile: export it unsigned; Slate signs what it installs');
  let top: PlistValue;
  try {
    top = decodePlist(bytes);
  } catch (err) {
    if (isAppError(err)) return fail(err.message);
    throw err;
  }
  if (!isPlistDict(top) || top.PayloadType !== 'Configuration') return fail('not a configuration profile (top-level PayloadType Configuration)', ['PayloadType']);
  if (top.EncryptedPayloadContent !== undefined) return fail('encrypted profile: export it unencrypted', ['EncryptedPayloadContent']);
  const content = top.PayloadContent;
  if (!Array.isArray(content) || content.length === 0 || !content.every(isPlistDict)) return fail('PayloadContent must be a non-empty array of payload dicts', ['PayloadContent']);

  const side = sidecarOf(sidecar, problems);
  if (!side) return undefined;
  const id = side.id ?? file.replace(/^.*\//, '').replace(/\.mobileconfig$/, '').toLowerCase();
  if (!ENTRY_ID.test(id)) {
    problems.push({ code: 'invalid_value', file: sidecar.file, line: 1, key: 'id', message: `the file name gives the id ${JSON.stringify(id)}, which is not a valid entry id; set id: in the sidecar` });
    return undefined;
  }
  for (const key of Object.keys(top)) {
    if (!HANDLED_TOP_KEYS.has(key)) problems.push({ code: 'unknown_key', file, line: lineOfKey([key]), key, message: `top-level ${key} is not carried over (Slate builds the profile's top level)` });
  }
  const renames = new Map<string, string>();
  (content as PlistDict[]).forEach((p, i) => {
    if (typeof p.PayloadUUID === 'string') renames.set(p.PayloadUUID.toUpperCase(), payloadUuid(id, i));
  });
  const payloads = (content as PlistDict[]).map((p) => {
    const copy: PlistDict = {};
    for (const [k, v] of Object.entries(p)) if (!(RESERVED_PAYLOAD_KEYS as readonly string[]).includes(k)) Object.defineProperty(copy, k, { value: rewriteRefs(v, renames), enumerable: true, writable: true, configurable: true });
    return copy;
  });
  const name = side.name ?? (typeof top.PayloadDisplayName === 'string' ? top.PayloadDisplayName : id);
  const description = side.description ?? (typeof top.PayloadDescription === 'string' ? top.PayloadDescription : undefined);
  return {
    entry: {
      id,
      name,
      ...(description !== undefined ? { description } : {}),
      scope: normaliseScope(side.scope),
      apple: {
        payloads,
        removalDisallowed: side.removalDisallowed,
        supervisedOnly: side.supervisedOnly,
        ...(typeof top.PayloadOrganization === 'string' ? { organization: top.PayloadOrganization } : {}),
      },
      appStore: [],
      googlePlay: [],
    },
    origin: {
      file,
      format: 'mobileconfig',
      keyPrefix: [],
      // Paths in the catalog format (apple.payloads[i].Key) → the key's line in the plist.
      lineOf: (path) => (path[0] === 'scope' ? side.lineOf(path) : lineOfKey(path)),
      fileOf: (path) => (path[0] === 'scope' ? sidecar.file : file),
    },
  };

  function sidecarOf(s: { file: string; text: string }, out: CatalogProblem[]) {
    const parsed = parseYamlSource(s.text);
    if ('errors' in parsed) {
      for (const e of parsed.errors) out.push({ code: 'yaml_syntax', file: s.file, line: e.line, key: '', message: e.message });
      return undefined;
    }
    const result = sidecarSchema.safeParse(parsed.source.value, { reportInput: true });
    if (!result.success) {
      addZodIssues({ file: s.file, lineOf: parsed.source.lineOf, add: (p) => out.push(p) }, result.error.issues, []);
      return undefined;
    }
    return { ...result.data, lineOf: parsed.source.lineOf };
  }
}

function rewriteRefs(v: PlistValue, renames: ReadonlyMap<string, string>): PlistValue {
  if (typeof v === 'string') return renames.get(v.toUpperCase()) ?? v;
  if (Array.isArray(v)) return v.map((x) => rewriteRefs(x, renames));
  if (isPlistDict(v)) {
    const out: PlistDict = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: rewriteRefs(x, renames), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function approximateLine(text: string, path: readonly PathSegment[]): number {
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = path[i];
    if (typeof seg !== 'string' || seg === 'apple' || seg === 'payloads') continue;
    const at = text.indexOf(`<key>${seg}</key>`);
    if (at >= 0) return lineAt(text, at);
  }
  return 1;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
