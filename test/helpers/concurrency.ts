import type { Db, Tx } from '../../src/db/database';

/**
 * Runs `fn` with `n` open transactions on their own connections (Postgres); those `fn` did not
 * commit itself (`commit(i)`) commit after it, or roll back when it fails. For row-lock tests:
 * SQLite has one writer and would wait.
 */
export async function inTransactions(db: Db, n: number, fn: (txs: Tx[], commit: (i: number) => Promise<void>) => Promise<void>): Promise<void> {
  const txs: Tx[] = [];
  const gates: ((commit: boolean) => void)[] = [];
  let ready!: () => void;
  const allOpen = new Promise<void>((r) => (ready = r));
  const running = Array.from({ length: n }, (_, i) => db.transaction(async (tx) => {
    txs[i] = tx;
    const go = new Promise<boolean>((r) => (gates[i] = r));
    if (gates.filter(Boolean).length === n) ready();
    if (!(await go)) throw new Error('rolled back by the test');
  }).catch((err: Error) => {
    if (err.message !== 'rolled back by the test') throw err;
  }));
  await allOpen;
  const commit = async (i: number) => {
    gates[i]!(true);
    await running[i];
  };
  let ok = false;
  try {
    await fn(txs, commit);
    ok = true;
  } finally {
    for (const g of gates) g(ok);
    await Promise.all(running);
  }
}

/** The promise's value, or a rejection if it has not settled within `ms` (it waited for a lock). */
export async function settlesWithin<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms (blocked on a lock?)`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The Postgres backend serving a transaction. */
export async function backendPid(tx: Tx): Promise<number> {
  return Number((await tx.one<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid);
}

/** Postgres: resolves once backend `pid` is waiting for a lock (fails after 5 s). */
export async function waitForLockWait(db: Db, pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const r = await db.one<{ wait_event_type: string | null }>('SELECT wait_event_type FROM pg_stat_activity WHERE pid = ?', [pid]);
    if (r?.wait_event_type === 'Lock') return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}
