import { auditCsvLine } from '../../../src/audit/audit-csv';
import { canonicalDetail, canonicalEntry, chainHash, checkLink, GENESIS_HASH } from '../../../src/audit/audit-chain';
import type { AuditLogRecord } from '../../../src/db/stores';

const key = Buffer.alloc(32, 7);
const entry = (seq: number, over: Partial<AuditLogRecord> = {}): Omit<AuditLogRecord, 'prevHash' | 'hash'> => ({
  seq, at: new Date('2026-12-01T10:00:00.123Z'), actorType: 'staff', actorId: 'a', actorLabel: 'it@schule.example', actorRole: 'school_it',
  actorScope: 'gs-bildstock', action: 'device.lock', targetType: 'device', targetId: 'd', scopePath: '/x/', outcome: 'ok', detail: null, ip: '127.0.0.1', ...over,
});
const chained = (n: number): AuditLogRecord[] => {
  const out: AuditLogRecord[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = entry(i);
    const hash = chainHash(key, prev, e);
    out.push({ ...e, prevHash: prev, hash });
    prev = hash;
  }
  return out;
};

describe('audit chain', () => {
  it('covers every field: a change anywhere changes the hash', () => {
    const base = chainHash(key, GENESIS_HASH, entry(1));
    const changes: Partial<AuditLogRecord>[] = [
      { seq: 2 }, { at: new Date('2026-12-01T10:00:00.124Z') }, { actorType: 'token' }, { actorId: 'b' }, { actorLabel: 'x' }, { actorRole: 'helpdesk' },
      { actorScope: 'gs-holz' }, { action: 'device.wipe' }, { targetType: 'command' }, { targetId: 'e' }, { scopePath: '/y/' }, { outcome: 'refused' },
      { detail: '{}' }, { ip: '10.0.0.1' },
    ];
    for (const c of changes) expect([c, chainHash(key, GENESIS_HASH, entry(1, c))]).not.toEqual([c, base]);
    expect(chainHash(Buffer.alloc(32, 8), GENESIS_HASH, entry(1))).not.toBe(base);
  });

  it('keeps field boundaries: moving text from one field into the next is a different entry', () => {
    expect(canonicalEntry(entry(1, { actorLabel: 'ab', actorRole: 'c' }))).not.toBe(canonicalEntry(entry(1, { actorLabel: 'a', actorRole: 'bc' })));
  });

  it('checks links: hash, previous hash and sequence', () => {
    const [a, b, c] = chained(3) as [AuditLogRecord, AuditLogRecord, AuditLogRecord];
    expect(checkLink(key, { seq: 1, hash: a.hash }, b)).toBeNull();
    expect(checkLink(key, { seq: 1, hash: a.hash }, { ...b, actorLabel: 'someone else' })).toEqual({ seq: 2, reason: 'hash_mismatch' });
    expect(checkLink(key, { seq: 1, hash: a.hash }, c)).toEqual({ seq: 2, reason: 'sequence_gap' });
    expect(checkLink(key, { seq: 2, hash: a.hash }, c)).toEqual({ seq: 3, reason: 'prev_hash_mismatch' });
  });

  it('stores detail as canonical JSON (sorted keys, ISO dates)', () => {
    expect(canonicalDetail({ b: 1, a: { d: new Date(0), c: [2, 1] }, u: undefined })).toBe('{"a":{"c":[2,1],"d":"1970-01-01T00:00:00.000Z"},"b":1}');
    expect(canonicalDetail(undefined)).toBeNull();
  });

  it('writes CSV per RFC 4180 with formula cells defused', () => {
    const [r] = chained(1) as [AuditLogRecord];
    const line = auditCsvLine({ ...r, actorLabel: '=1+2', detail: '{"a":"x,y"}', targetId: '@SUM(A1)' });
    expect(line.endsWith('\r\n')).toBe(true);
    expect(line).toContain(`"'=1+2"`);
    expect(line).toContain(`"'@SUM(A1)"`);
    expect(line).toContain('"{""a"":""x,y""}"');
  });
});
