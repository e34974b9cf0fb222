import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * TypeORM's better-sqlite3 driver shares ONE connection and one QueryRunner among all callers.
 * Two concurrent `ds.transaction()` calls would therefore nest into each other (savepoints), and a
 * query from another request would silently run inside someone else's open transaction and be
 * rolled back with it. This serialises access: a transaction holds the connection from BEGIN to
 * COMMIT, and everyone else's statements wait their turn. SQLite allows one writer at a time
 * anyway, and better-sqlite3 runs each statement synchronously, so nothing is lost.
 *
 * Implicit transactions (repository `save`/`remove`) cannot be told apart from foreign work, so
 * they are refused outside `ds.transaction()`: stores use insert/update/delete or an explicit
 * transaction. Migrations run before the server serves and are allowed (`allowImplicit`).
 */
export interface SqliteSerial {
  allowImplicit<T>(fn: () => Promise<T>): Promise<T>;
}

export function serialiseSqlite(ds: DataSource): SqliteSerial {
  const owner = new AsyncLocalStorage<true>();
  let tail: Promise<unknown> = Promise.resolve();
  let implicitAllowed = 0;
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };

  const qr = ds.createQueryRunner() as QueryRunner & Record<string, unknown>;
  const query = qr.query.bind(qr);
  qr.query = ((...args: Parameters<QueryRunner['query']>) =>
    owner.getStore() || implicitAllowed ? query(...args) : exclusive(() => query(...args))) as QueryRunner['query'];

  const start = qr.startTransaction.bind(qr);
  qr.startTransaction = ((...args: Parameters<QueryRunner['startTransaction']>) => {
    if (!owner.getStore() && !implicitAllowed) {
      return Promise.reject(new Error('implicit transaction on SQLite: use insert/update/delete or ds.transaction()'));
    }
    return start(...args);
  }) as QueryRunner['startTransaction'];

  const manager = ds.manager as unknown as { transaction: (...a: unknown[]) => Promise<unknown> };
  const transaction = manager.transaction.bind(ds.manager);
  manager.transaction = (...args: unknown[]) =>
    owner.getStore() ? transaction(...args) : exclusive(() => owner.run(true, () => transaction(...args)));

  return {
    allowImplicit: async <T>(fn: () => Promise<T>) => {
      implicitAllowed++;
      try {
        return await exclusive(fn);
      } finally {
        implicitAllowed--;
      }
    },
  };
}
