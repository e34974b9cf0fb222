import type { Queryable, Tx } from '../database';

/** One applied catalog. The newest is the one every Slate process plans against. */
export interface CatalogVersion {
  id: number;
  hash: string;
  appliedAt: Date;
  appliedBy: string;
  entries: number;
  warnings: unknown[] | null;
}

export interface NewCatalogVersion {
  hash: string;
  appliedBy: string;
  at: Date;
  warnings: unknown[];
  files: readonly { path: string; bytes: Buffer }[];
  /** Every entry with its hashes; pairs seen before are kept with the version that first had them. */
  entries: readonly { entryId: string; definitionHash: string; contentHash: string; file: string }[];
}

export interface EntryVersion {
  entryId: string;
  definitionHash: string;
  contentHash: string;
  versionId: number;
  appliedAt: Date;
}

/** Applied catalogs and their history (policy_catalog_versions, _files, policy_entry_versions). */
export interface PolicyCatalogStore {
  current(q: Queryable): Promise<CatalogVersion | null>;
  files(q: Queryable, versionId: number): Promise<{ path: string; bytes: Buffer }[]>;
  insert(tx: Tx, v: NewCatalogVersion): Promise<CatalogVersion>;
  history(q: Queryable, limit: number): Promise<CatalogVersion[]>;
  /** Each definition an entry had, oldest first. */
  entryHistory(q: Queryable, entryId: string): Promise<EntryVersion[]>;
  /**
   * In one round trip: the current catalog version and a mark that changes whenever the
   * organisation tree does (units added or renamed), so a process knows when its plan is stale.
   */
  stamp(q: Queryable): Promise<{ versionId: number | null; org: string }>;
}
