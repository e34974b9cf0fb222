import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Db } from '../../../src/db/database';
import type { SqliteDatabase } from '../../../src/db/sqlite-database';
import { CAP_PAGES, FALLBACK_AUTOCHECKPOINT, startCheckpointer, type Checkpointer, type MainConnection } from '../../../src/db/sqlite-checkpointer';
import { createLogger } from '../../../src/log/logger';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';

/** The few better-sqlite3 calls made here (the package ships no type declarations). */
interface RawDb extends MainConnection {
  exec(sql: string): void;
  prepare(sql: string): { run(...params: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  close(): void;
}
const Database = require('better-sqlite3') as new (path: string) => RawDb;

const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** Polls until `done()` (the worker runs on its own clock); fails with `what` after 10 s. */
async function eventually(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw connection set up like the server's, for driving the checkpointer directly. */
function rawConnection(path: string): RawDb {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, b TEXT NOT NULL)');
  return db;
}

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { logger: createLogger('info', sink), lines };
}

if (testDialect === 'postgres') {
  it('Postgres has no WAL checkpointer', async () => {
    const db = await createTestDatabase();
    try {
      expect((await db.open() as unknown as Partial<SqliteDatabase>).checkpoints).toBeUndefined();
    } finally {
      await db.drop();
    }
  });
} else {
  describe('SQLite WAL checkpointer (worker thread)', () => {
    let db: TestDatabase;
    let ds: Db;
    let path: string;
    const checkpointerOf = (d: Db) => (d as SqliteDatabase).checkpoints;
    beforeAll(async () => {
      db = await createTestDatabase();
      ds = await db.openMigrated();
      path = (db.database as { path: string }).path;
      await ds.run('CREATE TABLE t_fill (id integer PRIMARY KEY, b text NOT NULL)');
    });
    afterAll(() => db.drop());

    it('hands checkpoints to the worker: the main connection only checkpoints past the cap', async () => {
      expect(checkpointerOf(ds)?.running).toBe(true);
      expect((ds as SqliteDatabase).connection.pragma('wal_autocheckpoint', { simple: true })).toBe(CAP_PAGES);
    });

    it('copies committed pages into the database file without the main connection checkpointing', async () => {
      const before = size(path);
      // ~2 MB: ~500 pages, far below the main connection's own threshold.
      await ds.transaction(async (tx) => {
        for (let i = 0; i < 2000; i++) await tx.run('INSERT INTO t_fill (b) VALUES (?)', ['x'.repeat(1000)]);
      });
      expect(size(`${path}-wal`)).toBeGreaterThan(2_000_000);
      await eventually('the database file to receive the pages', () => size(path) - before > 2_000_000);
    });

    it('closing the database stops the worker and leaves no WAL behind', async () => {
      const other = await createTestDatabase();
      const ds2 = await other.openMigrated();
      const file = (other.database as { path: string }).path;
      const checkpointer = checkpointerOf(ds2)!;
      await ds2.run('CREATE TABLE t_x (id integer PRIMARY KEY)');
      expect(existsSync(`${file}-wal`)).toBe(true);
      await ds2.close();
      expect(checkpointer.running).toBe(false);
      // SQLite deletes the WAL when the last connection closes: the worker's is closed too.
      expect(existsSync(`${file}-wal`)).toBe(false);
      await other.drop();
    });
  });

  describe('SQLite WAL checkpointer (direct)', () => {
    let db: TestDatabase;
    const open: Array<{ conn: RawDb; checkpointer?: Checkpointer }> = [];
    beforeAll(async () => { db = await createTestDatabase(); });
    afterAll(async () => {
      for (const o of open) {
        await o.checkpointer?.stop();
        o.conn.close();
      }
      await db.drop();
    });
    const connection = (name: string) => {
      const conn = rawConnection(join(db.dir, name));
      const entry: { conn: RawDb; checkpointer?: Checkpointer } = { conn };
      open.push(entry);
      return entry;
    };

    /** Back-to-back write transactions with no gap between them (the worker never catches up). */
    const hammer = (e: { conn: RawDb }, wal: string, transactions: number) => {
      const insert = e.conn.prepare('INSERT INTO t (b) VALUES (?)');
      const tx = e.conn.transaction(() => { for (let j = 0; j < 4; j++) insert.run('y'.repeat(900)); });
      let largest = 0;
      for (let i = 0; i < transactions; i++) {
        tx();
        largest = Math.max(largest, size(wal));
      }
      return largest;
    };
    const frame = 4096 + 24;

    it('bounds the WAL under back-to-back writes: the main connection checkpoints at the cap', () => {
      const capPages = 64;
      const e = connection('cap.db');
      // The worker's first round is a minute away: only the cap can keep the WAL small here.
      e.checkpointer = startCheckpointer(e.conn, join(db.dir, 'cap.db'), { capPages, intervalMs: 60_000 });
      // ~4000 transactions of ~1 page each: unbounded, the WAL would pass 16 MB.
      const largest = hammer(e, join(db.dir, 'cap.db-wal'), 4000);
      expect(largest).toBeLessThan((capPages + 16) * frame);
    });

    it('bounds the WAL under back-to-back writes while the worker checkpoints concurrently', () => {
      const e = connection('busy.db');
      e.checkpointer = startCheckpointer(e.conn, join(db.dir, 'busy.db'), { capPages: 64, intervalMs: 10 });
      const transactions = 4000;
      const largest = hammer(e, join(db.dir, 'busy.db-wal'), transactions);
      // While a worker round holds the checkpoint lock the main connection's own checkpoint is
      // skipped, so the WAL may pass the cap by one round's writes; it must still be rewound.
      expect(largest).toBeLessThan((transactions * frame) / 2);
      expect(e.checkpointer.running).toBe(true);
    });

    it('falls back to checkpointing on the main connection when the worker cannot start', async () => {
      const { logger, lines } = capturingLogger();
      const e = connection('no-driver.db');
      e.conn.pragma('wal_autocheckpoint = 0');
      e.checkpointer = startCheckpointer(e.conn, join(db.dir, 'no-driver.db'), { driver: join(db.dir, 'missing-driver.js'), logger });
      await eventually('the worker to fail', () => !e.checkpointer!.running);
      expect(e.conn.pragma('wal_autocheckpoint', { simple: true })).toBe(FALLBACK_AUTOCHECKPOINT);
      expect(lines.some((l) => l.level === 'error' && String(l.msg).includes('sqlite checkpointer'))).toBe(true);
    });

    it('falls back when the worker dies after starting (its checkpoint throws)', async () => {
      const driver = join(db.dir, 'failing-driver.js');
      writeFileSync(driver, `module.exports = class {
        pragma(s) { if (s.startsWith('wal_checkpoint')) throw new Error('disk I/O error'); }
        close() {}
      };`);
      const { logger, lines } = capturingLogger();
      const e = connection('dies.db');
      e.checkpointer = startCheckpointer(e.conn, join(db.dir, 'dies.db'), { driver, logger, intervalMs: 10 });
      expect(e.conn.pragma('wal_autocheckpoint', { simple: true })).toBe(CAP_PAGES);
      await eventually('the worker to die', () => !e.checkpointer!.running);
      expect(e.conn.pragma('wal_autocheckpoint', { simple: true })).toBe(FALLBACK_AUTOCHECKPOINT);
      const logged = lines.find((l) => l.level === 'error');
      expect(JSON.stringify(logged)).toContain('disk I/O error');
    });

    it('a busy round is retried, not fatal', async () => {
      const driver = join(db.dir, 'busy-driver.js');
      const rounds = join(db.dir, 'busy-rounds.txt');
      writeFileSync(driver, `const fs = require('node:fs');
      module.exports = class {
        pragma(s) {
          if (!s.startsWith('wal_checkpoint')) return;
          fs.appendFileSync(${JSON.stringify(rounds)}, 'x');
          throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        }
        close() {}
      };`);
      const e = connection('busy-rounds.db');
      e.checkpointer = startCheckpointer(e.conn, join(db.dir, 'busy-rounds.db'), { driver, intervalMs: 5 });
      await eventually('five busy rounds', () => size(rounds) >= 5);
      expect(e.checkpointer.running).toBe(true);
      expect(e.conn.pragma('wal_autocheckpoint', { simple: true })).toBe(CAP_PAGES);
    });

    it('stop() is idempotent and leaves the main connection alone', async () => {
      const e = connection('stop.db');
      const checkpointer = startCheckpointer(e.conn, join(db.dir, 'stop.db'));
      await Promise.all([checkpointer.stop(), checkpointer.stop()]);
      await checkpointer.stop();
      expect(checkpointer.running).toBe(false);
      expect(e.conn.pragma('wal_autocheckpoint', { simple: true })).toBe(CAP_PAGES);
    });
  });
}
