import { tableExistsSql } from '../db/columns';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/database';
import type { ServerSettingStore } from '../db/stores';
import { AppError } from '../errors';

const NAME = 'secret_key_check';
const PLAIN = 'slate';

/**
 * Opens, before any migration runs, a value the database's first start sealed with SECRET_KEY.
 * Another key (a second `openssl rand` on restart, another DATA_DIR's generated key) would seal
 * new secrets that no other process can open, and fail on the first old one half-way through the
 * start: refuse at once, naming the key. A database without the value yet (new, or older than
 * migration 0011) passes: the start then records it (`recordSecretCheck`).
 */
export async function checkSecretKey(db: Db, settings: ServerSettingStore, secrets: SecretBox, keyName: string): Promise<void> {
  const table = await db.one<{ present: unknown }>(tableExistsSql(db.dialect), ['server_settings']);
  if (!Number(table?.present)) return;
  const sealed = (await settings.get(db, [NAME])).get(NAME);
  if (!sealed) return;
  try {
    if (secrets.open('key-check', sealed.value).toString('utf8') === PLAIN) return;
  } catch {
    // Falls through to the one line below.
  }
  throw new AppError('config_invalid', `${keyName}: not the key this database's secrets are sealed with (CA key, push certificate); start with the SECRET_KEY it was set up with`);
}

/** Seals the check value with this SECRET_KEY unless the database has one. */
export async function recordSecretCheck(db: Db, settings: ServerSettingStore, secrets: SecretBox, now = new Date()): Promise<void> {
  await settings.putIfAbsent(db, NAME, secrets.seal('key-check', PLAIN), now);
}
