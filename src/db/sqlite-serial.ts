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
  /**
   * Runs `fn` on the connection in turn: at once inside the transaction that holds it (or during
   * schema work), at once when nobody holds or waits for it, else after everything queued before.
   * `fn` must be synchronous (a better-sqlite3 call): run at once, it must be done with the
   * connection before anyone else can start a transaction. Throws from `fn` run at once are
   * thrown, not returned as a rejection.
   */
  run<T>(fn: () => T): T | Promise<T>;
}

const serials = new WeakMap<DataSource, SqliteSerial>();

/** The serialisation installed on an open SQLite DataSource by openDataSource (none on Postgres). */
export function sqliteSerial(ds: DataSource): SqliteSerial | undefined {
  return serials.get(ds);
}

export function serialiseSqlite(ds: DataSource): SqliteSerial {
  const owner = new AsyncLocalStorage<true>();
  let tail: Promise<unknown> = Promise.resolve();
  let implicitAllowed = 0;
  // Jobs handed to `exclusive` and not finished yet: while it is 0, no transaction holds the
  // connection and no statement waits for it, so a synchronous statement may run at once.
  let queued = 0;
  const exclusive = <T>(fn: () => Promise<T> | T): Promise<T> => {
    queued++;
    const run = tail.then(fn);
    // Registered before the caller can await `run`, so the count drops before anyone resumes.
    const done = () => {
      queued--;
    };
    tail = run.then(done, done);
    return run;
  };
  const ours = () => owner.getStore() === true || implicitAllowed > 0;

  const qr = ds.createQueryRunner() as QueryRunner & Record<string, unknown>;
  const query = qr.query.bind(qr);
  // TypeORM's query is asynchronous before it reaches the connection, so it never takes the
  // synchronous shortcut of `run`: a transaction could begin in between.
  qr.query = ((...args: Parameters<QueryRunner['query']>) =>
    ours() ? query(...args) : exclusive(() => query(...args))) as QueryRunner['query'];

  const start = qr.startTransaction.bind(qr);
  qr.startTransaction = ((...args: Parameters<QueryRunner['startTransaction']>) => {
    if (!ours()) {
      return Promise.reject(new Error('implicit transaction on SQLite: use insert/update/delete or ds.transaction()'));
    }
    return start(...args);
  }) as QueryRunner['startTransaction'];

  const manager = ds.manager as unknown as { transaction: (...a: unknown[]) => Promise<unknown> };
  const transaction = manager.transaction.bind(ds.manager);
  manager.transaction = (...args: unknown[]) =>
    owner.getStore() ? transaction(...args) : exclusive(() => owner.run(true, () => transaction(...args)));

  const serial: SqliteSerial = {
    allowImplicit: async <T>(fn: () => Promise<T>) => {
      implicitAllowed++;
      try {
        return await exclusive(fn);
      } finally {
        implicitAllowed--;
      }
    },
    run: <T>(fn: () => T) => (queued === 0 || ours() ? fn() : exclusive(fn)),
  };
  serials.set(ds, serial);
  return serial;
}
