import { AsyncResource } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Executor } from './sql';

/**
 * Runs work once a transaction has committed: the push dispatcher must not look for outbox rows
 * before they are visible, and must not push for a transaction that rolled back.
 *
 * Callbacks run on a later tick in the async context of whoever built this helper (the composition
 * root), not in the transaction's: on SQLite, work started from inside a transaction's context
 * would bypass the connection's serialisation (sqlite-serial.ts) and leak into other transactions.
 */
export class AfterCommit {
  private readonly pending = new WeakMap<QueryRunner, (() => void)[]>();
  private readonly scope = new AsyncResource('slate.after-commit');

  constructor(ds: DataSource) {
    ds.subscribers.push({
      afterTransactionCommit: (e) => this.settle(e.queryRunner, true),
      afterTransactionRollback: (e) => this.settle(e.queryRunner, false),
    });
  }

  /** Runs `fn` after the transaction of `ex` commits (dropped on rollback); at once without one. */
  run(ex: Executor | undefined, fn: () => void): void {
    const qr = (ex as EntityManager | undefined)?.queryRunner;
    if (!qr || !qr.isTransactionActive) {
      this.later([fn]);
      return;
    }
    const list = this.pending.get(qr);
    if (list) list.push(fn);
    else this.pending.set(qr, [fn]);
  }

  private settle(qr: QueryRunner, committed: boolean): void {
    // Savepoints (nested transactions) broadcast too; only the outermost end counts.
    if (qr.isTransactionActive) return;
    const fns = this.pending.get(qr);
    if (!fns) return;
    this.pending.delete(qr);
    if (committed) this.later(fns);
  }

  private later(fns: (() => void)[]): void {
    this.scope.runInAsyncScope(() =>
      setImmediate(() => {
        for (const fn of fns) fn();
      }),
    );
  }
}
