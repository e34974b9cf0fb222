import type { PlistDict } from '../../apple/protocol/plist';
import type { AppleSchemas } from '../../apple/schema';
import { AppError } from '../../errors';
import type { Catalog, CompiledEntry } from '../catalog/compiled-catalog';
import type { DeviceFacts } from '../variables/variable-context';
import { substitute } from '../variables/template';
import { renderProfile, type RenderedProfile } from './profile-renderer';
import type { Version, VersionResolver } from './version-resolver';

/** Signs an unsigned profile (CMS SignedData, src/pki); injected so rendering stays pure. */
export type ProfileSigner = (unsigned: Buffer) => Buffer | Promise<Buffer>;

export interface SignedProfile {
  entryId: string;
  identifier: string;
  /** The version (top-level PayloadUUID) the device will report once installed. */
  uuid: string;
  /** Signed bytes: the InstallProfile Payload. */
  payload: Buffer;
  renderedHash: string;
}

export interface RendererDeps {
  schemas: AppleSchemas;
  signer: ProfileSigner;
  hashKey: Buffer;
  /** Signed profiles kept in memory (LRU); one per (entry, variable values). Default 5,000. */
  maxCached?: number;
}

/**
 * Renders and signs profiles once per (entry version, variable values) and keeps the result:
 * 3,000 iPads of one school share the school's Wi-Fi profile bytes and signature. Concurrent
 * requests for the same version share one signing; a failed signing is not cached.
 */
export class PolicyRenderer {
  private readonly cache = new Map<string, Promise<SignedProfile>>();
  private readonly maxCached: number;
  /** Renders and signatures done (not served from cache): for tests and metrics. */
  readonly counts = { renders: 0, signatures: 0 };

  constructor(private readonly catalog: Catalog, private readonly versions: VersionResolver, private readonly deps: RendererDeps) {
    this.maxCached = deps.maxCached ?? 5000;
  }

  /** The unsigned profile of an entry for a device in `unitId` (for dry runs and tests). */
  render(entryId: string, unitId: string | null, device?: DeviceFacts): RenderedProfile {
    const e = this.entry(entryId);
    const v = this.version(e, unitId, device);
    const b = this.versions.values(e.profile!.variables, unitId, device);
    if (!b.ok) throw missing(e.entry.id, b.missing);
    this.counts.renders++;
    return renderProfile(e.entry, this.catalog.settings, { identifier: e.profile!.identifier, uuid: v.uuid }, b.get, { schemas: this.deps.schemas, hashKey: this.deps.hashKey });
  }

  /** Signed InstallProfile payload, from the cache when this version was signed before. */
  signed(entryId: string, unitId: string | null, device?: DeviceFacts): Promise<SignedProfile> {
    const e = this.entry(entryId);
    const v = this.version(e, unitId, device);
    const hit = this.cache.get(v.uuid);
    if (hit) {
      // Refresh recency: Map keeps insertion order, so re-inserting makes this the newest.
      this.cache.delete(v.uuid);
      this.cache.set(v.uuid, hit);
      return hit;
    }
    const pending = (async () => {
      const rendered = this.render(entryId, unitId, device);
      this.counts.signatures++;
      const payload = await this.deps.signer(rendered.bytes);
      return { entryId, identifier: rendered.identifier, uuid: rendered.uuid, payload, renderedHash: rendered.renderedHash };
    })();
    this.cache.set(v.uuid, pending);
    pending.catch(() => this.cache.delete(v.uuid));
    while (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    return pending;
  }

  /** Managed app configuration with variables substituted; undefined when the app has none. */
  appConfiguration(entryId: string, bundleId: string, unitId: string | null, device?: DeviceFacts): PlistDict | undefined {
    const app = this.entry(entryId).apps.find((a) => a.bundleId === bundleId);
    if (!app) throw new AppError('not_found', `policy ${entryId} has no app ${bundleId}`);
    if (!app.configuration) return undefined;
    const b = this.versions.values(app.variables, unitId, device);
    if (!b.ok) throw missing(entryId, b.missing);
    return substitute(app.configuration, b.get);
  }

  private entry(entryId: string): CompiledEntry {
    const e = this.catalog.byId.get(entryId);
    if (!e) throw new AppError('not_found', `no policy ${entryId} in the catalog`);
    return e;
  }

  private version(e: CompiledEntry, unitId: string | null, device: DeviceFacts | undefined): Extract<Version, { ok: true }> {
    if (!e.profile) throw new AppError('not_found', `policy ${e.entry.id} has no Apple profile`);
    const v = this.versions.profile(e.index, unitId, device);
    if (!v.ok) throw missing(e.entry.id, v.missing);
    return v;
  }
}

function missing(entryId: string, names: readonly string[]): AppError {
  return new AppError('profile_invalid', `policy ${entryId}: no value for ${names.map((n) => `{{${n}}}`).join(', ')}`);
}
