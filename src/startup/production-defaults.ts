import type { Config } from '../config';
import type { Db } from '../db/database';
import type { Stores } from '../db/stores';
import { AppError } from '../errors';

/**
 * Production refuses the defaults that make a development start work (issue #11): it creates no CA
 * nobody chose and imports no example organisation. Checked before anything is created, so that
 * a start missing both names both in one line. A database that already holds a CA or an
 * organisation needs neither again: DATABASE_URL and SECRET_KEY are enough for another node.
 */
export async function refuseDevelopmentDefaults(config: Config, db: Db, stores: Pick<Stores, 'authorityKeys' | 'org'>, importingOrg: boolean): Promise<void> {
  if (config.env !== 'production') return;
  const missing: string[] = [];
  if (!config.pki.caCertFile && !config.pki.caCreate && !(await stores.authorityKeys.get(db, 'ca'))) {
    missing.push('CA_CERT_FILE and CA_KEY_FILE (the authority\'s CA; or CA_CREATE=true to have Slate create one)');
  }
  if (importingOrg && config.orgImportOnStart && !config.orgFile && (await stores.org.count(db)) === 0) {
    missing.push('ORG_FILE (the authority\'s organisation; production imports no example; or ORG_IMPORT_ON_START=false to import it later)');
  }
  if (missing.length) throw new AppError('config_invalid', `production start refused: set ${missing.join(', and ')}`);
}
