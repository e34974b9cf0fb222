import { AppError } from '../../errors';
import { encodePlist, type PlistDict } from '../../apple/protocol/plist';
import { profileProblems, type AppleSchemas } from '../../apple/schema';
import type { CatalogEntry } from '../catalog/catalog-entry';
import { substitute } from '../variables/template';
import { hmacHex } from './canonical';
import { MAX_PROFILE_BYTES } from './profile-limits';
import { payloadIdentifier, payloadUuid } from './profile-identity';

export interface RenderSettings {
  /** Reverse-DNS prefix of every identifier (e.g. from PUBLIC_URL's host). */
  identifierPrefix: string;
  /** PayloadOrganization when an entry does not give one; variables allowed. */
  organization: string;
}

export interface RenderedProfile {
  entryId: string;
  identifier: string;
  /** Top-level PayloadUUID: the version the device will report in its ProfileList. */
  uuid: string;
  profile: PlistDict;
  /** Unsigned XML plist; the injected signer turns it into the InstallProfile Payload. */
  bytes: Buffer;
  /** HMAC-SHA256 of the unsigned bytes (keyed: the bytes may hold secrets). */
  renderedHash: string;
}

/**
 * The profile of an entry as a plist value. `resolve` gives each variable's value; without it the
 * result is the template itself (`{{name}}` left as text, every value keeping its type), which is
 * what the loader validates against Apple's schemas.
 */
export function buildProfile(entry: CatalogEntry, settings: RenderSettings, identifier: string, uuid: string, resolve: ((name: string) => string) | null): PlistDict {
  const apple = entry.apple;
  if (!apple) throw new Error(`entry ${entry.id} has no Apple payloads`);
  const sub = <T>(v: T): T => (resolve ? substitute(v, resolve) : v);
  const text = (s: string | undefined) => (s === undefined ? undefined : sub(s));
  return {
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: identifier,
    PayloadUUID: uuid,
    PayloadDisplayName: text(entry.name)!,
    ...(entry.description !== undefined ? { PayloadDescription: text(entry.description)! } : {}),
    PayloadOrganization: text(apple.organization ?? settings.organization)!,
    PayloadRemovalDisallowed: apple.removalDisallowed,
    PayloadContent: apple.payloads.map((p, i) => ({
      PayloadDisplayName: text(entry.name)!,
      ...sub(p),
      PayloadIdentifier: payloadIdentifier(identifier, i),
      PayloadUUID: payloadUuid(entry.id, i),
      PayloadVersion: 1,
    })),
  };
}

/**
 * Renders, checks and encodes one version. A rendered profile that Apple's schema rejects or that
 * exceeds the size limit is a server fault here (the loader refuses such templates), so it throws
 * AppError profile_invalid instead of handing a device something it would reject.
 */
export function renderProfile(
  entry: CatalogEntry,
  settings: RenderSettings,
  version: { identifier: string; uuid: string },
  resolve: (name: string) => string,
  deps: { schemas: AppleSchemas; hashKey: Buffer },
): RenderedProfile {
  const profile = buildProfile(entry, settings, version.identifier, version.uuid, resolve);
  const problems = profileProblems(deps.schemas, profile);
  if (problems.length) throw new AppError('profile_invalid', `policy ${entry.id}: rendered profile does not match Apple's schema: ${problems.slice(0, 5).join('; ')}`, { details: problems });
  const bytes = encodePlist(profile);
  if (bytes.length > MAX_PROFILE_BYTES) throw new AppError('profile_invalid', `policy ${entry.id}: rendered profile is ${bytes.length} bytes; the limit is ${MAX_PROFILE_BYTES}`);
  return { entryId: entry.id, identifier: version.identifier, uuid: version.uuid, profile, bytes, renderedHash: hmacHex(deps.hashKey, bytes) };
}
