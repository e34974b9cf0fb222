import { readDate } from '../columns';
import { valuesList, type Queryable, type Tx } from '../database';
import { jsonParam, readJson } from '../json-column';
import type { CatalogVersion, EntryVersion, NewCatalogVersion, PolicyCatalogStore } from './policy-catalog.store';

const VERSION_COLS = 'id, hash, applied_at, applied_by, entries, warnings';

export class SqlPolicyCatalogStore implements PolicyCatalogStore {
  async current(q: Queryable): Promise<CatalogVersion | null> {
    const r = await q.one<Record<string, unknown>>(`SELECT ${VERSION_COLS} FROM policy_catalog_versions ORDER BY id DESC LIMIT 1`);
    return r ? toVersion(r) : null;
  }

  async files(q: Queryable, versionId: number): Promise<{ path: string; bytes: Buffer }[]> {
    const rows = await q.rows<{ path: string; bytes: Buffer }>(`SELECT path, bytes FROM policy_catalog_files WHERE version_id = ? ORDER BY path`, [versionId]);
    return rows.map((r) => ({ path: r.path, bytes: Buffer.from(r.bytes) }));
  }

  async insert(tx: Tx, v: NewCatalogVersion): Promise<CatalogVersion> {
    const row = (await tx.one<Record<string, unknown>>(
      `INSERT INTO policy_catalog_versions (hash, applied_at, applied_by, entries, warnings) VALUES (?, ?, ?, ?, ?) RETURNING ${VERSION_COLS}`,
      [v.hash, v.at, v.appliedBy.slice(0, 200), v.entries.length, jsonParam(v.warnings)]))!;
    const version = toVersion(row);
    for (const f of v.files) {
      await tx.run(`INSERT INTO policy_catalog_files (version_id, path, bytes) VALUES (?, ?, ?)`, [version.id, f.path, f.bytes]);
    }
    for (let i = 0; i < v.entries.length; i += 500) {
      const part = v.entries.slice(i, i + 500);
      await tx.run(
        `INSERT INTO policy_entry_versions (entry_id, definition_hash, content_hash, version_id, file) VALUES ${valuesList(part.length, 5)}
         ON CONFLICT (entry_id, definition_hash) DO NOTHING`,
        part.flatMap((e) => [e.entryId, e.definitionHash, e.contentHash, version.id, e.file]));
    }
    return version;
  }

  async history(q: Queryable, limit: number): Promise<CatalogVersion[]> {
    const rows = await q.rows<Record<string, unknown>>(`SELECT ${VERSION_COLS} FROM policy_catalog_versions ORDER BY id DESC LIMIT ${Math.max(1, Math.floor(limit))}`);
    return rows.map(toVersion);
  }

  async entryHistory(q: Queryable, entryId: string): Promise<EntryVersion[]> {
    const rows = await q.rows<Record<string, unknown>>(
      `SELECT e.entry_id, e.definition_hash, e.content_hash, e.version_id, v.applied_at FROM policy_entry_versions e
       JOIN policy_catalog_versions v ON v.id = e.version_id WHERE e.entry_id = ? ORDER BY e.version_id`, [entryId]);
    return rows.map((r) => ({
      entryId: String(r.entry_id), definitionHash: String(r.definition_hash), contentHash: String(r.content_hash),
      versionId: Number(r.version_id), appliedAt: readDate(r.applied_at)!,
    }));
  }

  async stamp(q: Queryable): Promise<{ versionId: number | null; org: string }> {
    const r = await q.one<Record<string, unknown>>(
      `SELECT (SELECT MAX(id) FROM policy_catalog_versions) AS v, (SELECT COUNT(*) FROM org_units) AS n, (SELECT MAX(updated_at) FROM org_units) AS u`);
    const u = readDate(r?.u);
    return { versionId: r?.v === null || r?.v === undefined ? null : Number(r.v), org: `${Number(r?.n ?? 0)}@${u ? u.getTime() : 0}` };
  }
}

function toVersion(r: Record<string, unknown>): CatalogVersion {
  return {
    id: Number(r.id), hash: String(r.hash), appliedAt: readDate(r.applied_at)!, appliedBy: String(r.applied_by),
    entries: Number(r.entries), warnings: readJson<unknown[]>(r.warnings),
  };
}
