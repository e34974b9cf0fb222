import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Runs `fn` with `n` open transactions on their own connections; commits those still open after
 * it, rolls back on failure, and always releases the connections.
 */
export async function inTransactions(ds: DataSource, n: number, fn: (txs: QueryRunner[]) => Promise<void>): Promise<void> {
  const txs = Array.from({ length: n }, () => ds.createQueryRunner());
  try {
    for (const tx of txs) {
      await tx.connect();
      await tx.startTransaction();
    }
    await fn(txs);
    for (const tx of txs) if (tx.isTransactionActive) await tx.commitTransaction();
  } finally {
    for (const tx of txs) {
      if (tx.isTransactionActive) await tx.rollbackTransaction().catch(() => undefined);
      await tx.release();
    }
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

/** Postgres: resolves once backend `pid` is waiting for a lock (fails after 5 s). */
export async function waitForLockWait(ds: DataSource, pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [r] = await ds.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (r?.wait_event_type === 'Lock') return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}
