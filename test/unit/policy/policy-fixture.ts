import { readFileSync } from 'node:fs';
import { AppleSchemas } from '../../../src/apple/schema';
import { parseOrgFile } from '../../../src/fleet/org-file';
import { loadCatalog, OrgIndex, policyHashKey, secretSource, type Catalog, type CatalogSource, type LoadResult, type SecretSource } from '../../../src/policy';

/** Shared set-up for the policy tests: the shipped organisation tree and Apple's schemas. */
export const schemas = new AppleSchemas();
export const org = OrgIndex.fromOrgFile(parseOrgFile(readFileSync('profiles/organisation.yaml', 'utf8')));
export const settings = { identifierPrefix: 'de.rvsbr.mdm', organization: '{{municipality.name}}' };
export const secrets: SecretSource = secretSource({ SCHOOL_WIFI_PASSWORD: 'general-pass' }, { 'gs-holz': { SCHOOL_WIFI_PASSWORD: 'holz-pass' } });
export const hashKey = policyHashKey(Buffer.alloc(32, 7));

export function load(files: Record<string, string | Buffer>, opts: { org?: OrgIndex; secrets?: SecretSource } = {}): LoadResult {
  const sources: CatalogSource[] = Object.entries(files).map(([path, text]) => ({ path, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) }));
  return loadCatalog(sources, { org: opts.org ?? org, schemas, secrets: opts.secrets ?? secrets, settings });
}

/** Loads files that must be valid; fails the test with the report otherwise. */
export function catalogOf(files: Record<string, string | Buffer>, opts: { org?: OrgIndex; secrets?: SecretSource } = {}): Catalog {
  const r = load(files, opts);
  if (!r.catalog) throw new Error(`catalog invalid:\n${r.report.errors.map((e) => `${e.file}:${e.line} ${e.key}: ${e.message}`).join('\n')}`);
  return r.catalog;
}

/** A one-file catalog from entry YAML (indented as list items under `entries:`). */
export function yamlFile(entries: string): string {
  return `version: 1\nentries:\n${entries}`;
}
