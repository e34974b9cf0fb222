import type { AppleSchemas } from '../apple/schema';
import type { Queryable } from '../db/database';
import type { CatalogVersion, OrgStore, PolicyCatalogStore } from '../db/stores';
import type { Logger } from '../log/logger';
import {
  formatReport, loadCatalog, OrgIndex, PolicyPlanner, PolicyRenderer, policyIdentifierPrefix,
  type Catalog, type CatalogReport, type CatalogSource, type ProfileSigner, type SecretSource,
} from '../policy';

/** What every policy context is built with; one per Slate process (src/app.ts). */
export interface PolicyEnvironment {
  schemas: AppleSchemas;
  /** Secrets for `{{secret.NAME}}` (from POLICY_SECRET_*_FILE), given the schools' codes. */
  secrets(schoolCodes: readonly string[]): SecretSource;
  settings: { identifierPrefix: string; organization: string };
  hashKey: Buffer;
  signer: ProfileSigner;
}

/** A catalog ready to plan and render against one organisation tree. */
export interface PolicyContext {
  /** The applied version this context is; null for a catalog read from files and not applied. */
  version: CatalogVersion | null;
  catalog: Catalog;
  org: OrgIndex;
  planner: PolicyPlanner;
  renderer: PolicyRenderer;
}

export interface LoadedContext {
  context: PolicyContext | null;
  report: CatalogReport;
}

/**
 * The applied catalog as this process plans with it. Every Slate process (server or CLI) reads the
 * current version from the database, not from its own disk, so they all plan alike; a context is
 * rebuilt only when the version or the organisation tree changed (one cheap query per use tells),
 * and keeps its planner caches and signed profiles between reconciles.
 */
export class PolicyContexts {
  private cached: { key: string; context: PolicyContext | null } | undefined;

  constructor(private readonly deps: { catalogs: PolicyCatalogStore; org: OrgStore; env: PolicyEnvironment; logger: Logger }) {}

  /** `<prefix>.slate.policy.`: what a compact ProfileList keeps (nothing else is policy's business). */
  get policyPrefix(): string {
    return policyIdentifierPrefix(this.deps.env.settings.identifierPrefix);
  }

  /** The applied catalog's context, or null when none was applied (or it does not load here). */
  async current(q: Queryable): Promise<PolicyContext | null> {
    const stamp = await this.deps.catalogs.stamp(q);
    if (stamp.versionId === null) return null;
    const key = `${stamp.versionId}/${stamp.org}`;
    if (this.cached?.key === key) return this.cached.context;
    const version = (await this.deps.catalogs.current(q))!;
    const loaded = await this.load(q, await this.deps.catalogs.files(q, version.id), version);
    if (!loaded.context) {
      // Valid when applied; here a secret may be missing from this process's configuration.
      this.deps.logger.error({ alert: 'policy-catalog-unusable', version: version.id, problems: formatReport(loaded.report) }, 'the applied policy catalog does not load in this process; policy is paused here');
    }
    this.cached = { key, context: loaded.context };
    return loaded.context;
  }

  /** Validates catalog files against the current organisation tree; a context only when valid. */
  async load(q: Queryable, sources: readonly CatalogSource[], version: CatalogVersion | null = null): Promise<LoadedContext> {
    const { env } = this.deps;
    const org = new OrgIndex(await this.deps.org.list(q));
    const secrets = env.secrets([...org.units()].filter((u) => u.kind === 'school').map((u) => u.code));
    const { catalog, report } = loadCatalog(sources, { org, schemas: env.schemas, secrets, settings: env.settings });
    if (!catalog) return { context: null, report };
    const planner = new PolicyPlanner(catalog, { org, secrets, hashKey: env.hashKey });
    const renderer = new PolicyRenderer(catalog, planner.versions, { schemas: env.schemas, signer: env.signer, hashKey: env.hashKey });
    return { context: { version, catalog, org, planner, renderer }, report };
  }

  /** Adopts the context an apply just built and stored, so it is not loaded again. */
  async adopt(q: Queryable, context: PolicyContext, version: CatalogVersion): Promise<PolicyContext> {
    const stamp = await this.deps.catalogs.stamp(q);
    const adopted = { ...context, version };
    if (stamp.versionId === version.id) this.cached = { key: `${version.id}/${stamp.org}`, context: adopted };
    return adopted;
  }
}
