import { readDate } from '../columns';
import { atomically, type Atomic, type Queryable } from '../database';
import type { AuthorityKeyName, AuthorityKeyRecord, AuthorityKeyStore } from './authority-key.store';

const COLS = 'name, cert_pem, key_sealed, source, created_at';

export class SqlAuthorityKeyStore implements AuthorityKeyStore {
  async get(q: Queryable, name: AuthorityKeyName): Promise<AuthorityKeyRecord | null> {
    const r = await q.one(`SELECT ${COLS} FROM authority_keys WHERE name = ?`, [name]);
    return r ? toRecord(r) : null;
  }

  insertIfAbsent(w: Atomic, rec: AuthorityKeyRecord): Promise<AuthorityKeyRecord> {
    return atomically(w, async (tx) => {
      await tx.run(`INSERT INTO authority_keys (${COLS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`, values(rec));
      return (await this.get(tx, rec.name))!;
    });
  }

  async put(w: Atomic, rec: AuthorityKeyRecord): Promise<void> {
    await w.run(
      `INSERT INTO authority_keys (${COLS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET cert_pem = excluded.cert_pem, key_sealed = excluded.key_sealed, source = excluded.source, created_at = excluded.created_at`,
      values(rec));
  }
}

const values = (r: AuthorityKeyRecord) => [r.name, r.certPem, r.keySealed, r.source, r.createdAt];

function toRecord(r: Record<string, unknown>): AuthorityKeyRecord {
  return {
    name: String(r.name) as AuthorityKeyName, certPem: String(r.cert_pem), keySealed: String(r.key_sealed),
    source: String(r.source) as AuthorityKeyRecord['source'], createdAt: readDate(r.created_at)!,
  };
}
