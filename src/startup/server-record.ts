import type { Config } from '../config';
import type { Db, Queryable } from '../db/database';
import type { ServerSettingStore } from '../db/stores';
import type { Logger } from '../log/logger';

/**
 * What the running server announces in the database at start (server_settings): the CLI, on this
 * machine or another, prints the links and URLs the server really serves instead of guessing them
 * from its own environment (issue #11: a CLI without PUBLIC_URL printed a dead http:// link).
 */
export interface ServerRecord {
  publicUrl: string;
  version: string;
  startedAt: Date;
}

const KEYS = { publicUrl: 'server.public_url', version: 'server.version' } as const;

export async function recordServer(db: Db, store: ServerSettingStore, r: Omit<ServerRecord, 'startedAt'>, now = new Date()): Promise<void> {
  await store.put(db, { [KEYS.publicUrl]: r.publicUrl, [KEYS.version]: r.version }, now);
}

export async function readServerRecord(q: Queryable, store: ServerSettingStore): Promise<ServerRecord | null> {
  const v = await store.get(q, [KEYS.publicUrl, KEYS.version]);
  const url = v.get(KEYS.publicUrl);
  if (!url) return null;
  return { publicUrl: url.value, version: v.get(KEYS.version)?.value ?? 'unknown', startedAt: url.updatedAt };
}

/**
 * The configuration a process other than the server works with: the server's public URL (with a
 * warning when this process was given another one), so that links it prints lead to the server.
 */
export function asServed(config: Config, server: ServerRecord | null, version: string, logger: Logger): Config {
  if (!server) return config;
  if (config.publicUrlGiven && config.publicUrl !== server.publicUrl) {
    logger.warn({ server: server.publicUrl, here: config.publicUrl }, 'PUBLIC_URL differs from the running server\'s; using the server\'s');
  }
  if (server.version !== version) logger.warn({ server: server.version, here: version }, 'the server last started runs another Slate version than this command');
  return { ...config, publicUrl: server.publicUrl };
}
