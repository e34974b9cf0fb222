import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger';

/**
 * Moves SQLite's WAL checkpoints off the event loop.
 *
 * better-sqlite3 is synchronous, so SQLite's automatic checkpoint (every 1000 WAL pages: copy the
 * pages into the database file, then fsync it) ran inside whichever COMMIT crossed the threshold
 * and stalled every request for 2–22 ms. A worker thread with its own connection to the same file
 * now runs `wal_checkpoint(PASSIVE)` every CHECKPOINT_INTERVAL_MS. PASSIVE never takes the write
 * lock and never waits, so the main connection's readers and writers are never blocked.
 *
 * Why not RESTART/TRUNCATE in the worker to keep the WAL small: both take the WAL write lock, and a
 * deferred transaction on the main connection that has already read cannot wait for that lock
 * (SQLite refuses to run the busy handler when upgrading a read transaction, to avoid deadlock):
 * it fails with SQLITE_BUSY at once (seen in a prototype). So the worker only ever PASSIVEs.
 *
 * Keeping the WAL bounded: a writer rewinds the WAL to its start when a transaction begins while
 * the WAL is fully checkpointed, i.e. after a worker round during which nothing committed. With
 * pauses in the traffic that happens by itself. Under sustained load something commits during
 * every round (copy + two fsyncs: tens of ms), and (measured) the WAL grew to 650 MiB in 20k
 * transactions. So the main connection keeps an automatic checkpoint, but at CAP_PAGES rather than
 * 1000: it fires only when the WAL has not been rewound for CAP_PAGES pages, and then has only the
 * pages since the worker's last round left to copy (if a round is running, it is skipped and
 * retried at the next COMMIT). It leaves the WAL fully checkpointed, so the next transaction
 * rewinds it. `journal_size_limit` trims the file after a rewind, in case one big transaction (a
 * migration, an import) grew it further.
 */

/**
 * Worker PASSIVE period. Measured on 20k back-to-back poll-like transactions: every worker round
 * that copies pages fsyncs twice, and those fsyncs slow concurrent COMMITs a little (50 ms rounds:
 * more COMMITs over 1 ms than 100 ms); but the longer the period, the more pages the main
 * connection has left to copy when it reaches the cap (250 ms: ~60 ms stalls instead of ~30–45).
 */
export const CHECKPOINT_INTERVAL_MS = 100;
/**
 * WAL pages after which the main connection checkpoints itself (≈ 64 MiB with 4 KiB pages): 16×
 * fewer checkpoints on the event loop than SQLite's default of 1000 under sustained load, none when
 * there are pauses of a round's length (the WAL is then rewound without it).
 */
export const CAP_PAGES = 16_000;
/** SQLite's default; the main connection goes back to it when the worker is gone. */
export const FALLBACK_AUTOCHECKPOINT = 1000;

/** The part of a better-sqlite3 connection the checkpointer touches. */
export interface MainConnection {
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

export interface CheckpointerOptions {
  intervalMs?: number;
  capPages?: number;
  /** Module the worker requires for better-sqlite3 (resolved here: an eval worker resolves from the cwd). */
  driver?: string;
  logger?: Logger;
}

export interface Checkpointer {
  /** True while the worker checkpoints; false after stop() or after it failed (fallback active). */
  readonly running: boolean;
  /** One last checkpoint in the worker, then it closes its connection and exits. Idempotent. */
  stop(): Promise<void>;
}

// Plain JS run with `eval: true`: works the same under jest (no .js for src files) and from dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
// Never wait on a lock: PASSIVE only needs the checkpointer lock, and if another checkpoint holds
// it there is nothing to do this round.
db.pragma('busy_timeout = 0');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // A lock held for a moment (recovery, schema read) is no reason to give up: next round.
    if (err.code !== 'SQLITE_BUSY' && err.code !== 'SQLITE_LOCKED') throw err;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export function startCheckpointer(main: MainConnection, path: string, opts: CheckpointerOptions = {}): Checkpointer {
  const capPages = opts.capPages ?? CAP_PAGES;
  const logger = opts.logger;
  const fallBack = (why: string, err?: unknown) => {
    try {
      main.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`);
    } catch {
      return; // the main connection is closed already: no WAL left to keep small
    }
    logger?.error({ err, path }, `sqlite checkpointer ${why}; checkpoints run on the main thread again`);
  };

  const pageSize = Number(main.pragma('page_size', { simple: true }));
  main.pragma(`wal_autocheckpoint = ${capPages}`);
  main.pragma(`journal_size_limit = ${capPages * pageSize}`);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver: opts.driver ?? require.resolve('better-sqlite3'), intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS },
    });
  } catch (err) {
    fallBack('could not start', err);
    return { running: false, stop: async () => undefined };
  }
  // Never what keeps a process alive; stop() re-refs it so a shutdown waits for the last checkpoint.
  worker.unref();
  let state: 'running' | 'stopping' | 'exited' = 'running';
  let failure: unknown;
  worker.on('error', (err) => { failure = err; });
  const exited = new Promise<void>((resolve) => {
    worker.on('exit', (code) => {
      if (state === 'running') fallBack(`exited (code ${code})`, failure);
      else if (failure) logger?.warn({ err: failure, path }, 'sqlite checkpointer: last checkpoint failed');
      state = 'exited';
      resolve();
    });
  });
  return {
    get running() { return state === 'running'; },
    stop: () => {
      if (state === 'running') {
        state = 'stopping';
        worker.ref();
        worker.postMessage('stop');
      }
      return exited;
    },
  };
}
