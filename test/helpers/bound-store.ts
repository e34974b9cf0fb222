import type { Db } from '../../src/db/database';
import { createStores, type Stores } from '../../src/db/stores';

/** A store whose methods take their handle implicitly (see `bound`): the first parameter is dropped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Bound<S> = { [K in keyof S]: S[K] extends (handle: any, ...args: infer A) => infer R ? (...args: A) => R : S[K] };

/**
 * A store for contract tests that are about its semantics, not about transactions: every call runs
 * in a transaction of its own (a Tx fits every store method's handle), except the methods named in
 * `own`, which are given the database itself (they open their own transactions or must run outside
 * one, like VACUUM). Tests of the transaction model itself use the handles explicitly.
 */
export function bound<S extends object>(store: S, db: Db, own: readonly (keyof S)[] = []): Bound<S> {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (own.includes(prop as keyof S)) return (...args: unknown[]) => method.call(target, db, ...args);
      return (...args: unknown[]) => db.transaction((tx) => method.call(target, tx, ...args) as Promise<unknown>);
    },
  }) as unknown as Bound<S>;
}

/** Every store bound to `db` for contract tests (bound-store.ts): each call its own transaction. */
export type BoundStores = { [K in keyof Stores]: Bound<Stores[K]> };

export function boundStores(db: Db, stores: Stores = createStores()): BoundStores {
  return {
    org: bound(stores.org, db), devices: bound(stores.devices, db), commands: bound(stores.commands, db, ['expireDue', 'reclaim']),
    enrollmentTokens: bound(stores.enrollmentTokens, db), appleDevices: bound(stores.appleDevices, db), checkins: bound(stores.checkins, db),
    apnsCertificates: bound(stores.apnsCertificates, db), pushOutbox: bound(stores.pushOutbox, db, ['claimDue']),
    certificates: bound(stores.certificates, db), scepChallenges: bound(stores.scepChallenges, db), taskRuns: bound(stores.taskRuns, db),
    policyCatalog: bound(stores.policyCatalog, db), policyDevices: bound(stores.policyDevices, db),
    auditLog: bound(stores.auditLog, db), staff: bound(stores.staff, db), passkeys: bound(stores.passkeys, db),
    staffSessions: bound(stores.staffSessions, db), apiTokens: bound(stores.apiTokens, db), scopedDevices: bound(stores.scopedDevices, db),
    scopedFleet: bound(stores.scopedFleet, db), orgTree: bound(stores.orgTree, db),
    webhooks: bound(stores.webhooks, db, ['claimDue']), webhookSources: bound(stores.webhookSources, db),
    metrics: bound(stores.metrics, db, ['snapshot']),
    authorityKeys: bound(stores.authorityKeys, db), serverSettings: bound(stores.serverSettings, db),
  };
}
