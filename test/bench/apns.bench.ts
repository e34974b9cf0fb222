/**
 * APNs push throughput: 10,000 enrolled devices woken in one transaction, pushed through the real
 * dispatcher (outbox → push targets → HTTP/2 client) to the fake APNs on localhost.
 * `npm run bench -- apns` (TEST_DATABASE_URL=postgres://... for Postgres).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { valuesList, type Db } from '../../src/db/database';
import { silentLogger } from '../../src/log/logger';
import { startFakeApns } from '../helpers/fake-apns';
import { testDialect } from '../helpers/test-db';
import { createTestSlate } from '../helpers/test-slate';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000);

async function scenario(latencyMs: number, concurrency: number): Promise<void> {
  const fake = await startFakeApns({ delayMs: latencyMs });
  const slate = await createTestSlate({ APNS_URL: fake.url, APNS_CA_FILE: fake.caFile, APNS_RATE: '1000000', APNS_CONCURRENCY: String(concurrency) }, {}, silentLogger());
  try {
    await slate.services.apnsCertificates.set({ data: Buffer.from(fake.pushCert.certPem + fake.pushCert.keyPem) });
    const ids = await seedDevices(slate.db, fake.pushCert.topic);
    const t0 = performance.now();
    await slate.db.transaction((tx) => slate.services.push.wake(tx, ids));
    const t1 = performance.now();
    await fake.waitFor(DEVICES, 600_000);
    await slate.services.push.flush();
    const t2 = performance.now();
    if ((await slate.stores.pushOutbox.count(slate.db)) !== 0) throw new Error('outbox not empty');
    const rate = Math.round(DEVICES / ((t2 - t1) / 1000));
    console.log(`${testDialect}: ${DEVICES} devices, concurrency ${concurrency}, fake APNs latency ${latencyMs} ms: ` +
      `wake (outbox write) ${Math.round(t1 - t0)} ms, pushed in ${Math.round(t2 - t1)} ms = ${rate} pushes/s, ${fake.sessions()} HTTP/2 session(s)`);
  } finally {
    await slate.dispose();
    await fake.close();
  }
}

async function seedDevices(db: Db, topic: string): Promise<string[]> {
  const unit = randomUUID();
  const now = new Date();
  await db.run(`INSERT INTO org_units (id, code, kind, name, parent_id, path, created_at, updated_at) VALUES (?, 'bench', 'school', 'Bench', NULL, 'bench', ?, ?)`, [unit, now, now]);
  const ids: string[] = [];
  for (let i = 0; i < DEVICES; i += 500) {
    const part = Array.from({ length: Math.min(500, DEVICES - i) }, () => ({ id: randomUUID(), udid: randomUUID() }));
    await db.run(`INSERT INTO devices (id, platform, udid, school_id, state, created_at, updated_at) VALUES ${valuesList(part.length, 7)}`,
      part.flatMap((d) => [d.id, 'apple', d.udid, unit, 'enrolled', now, now]));
    await db.run(`INSERT INTO apple_devices (device_id, udid, topic, push_token, push_magic, awaiting_configuration, enrolled_via) VALUES ${valuesList(part.length, 7)}`,
      part.flatMap((d) => [d.id, d.udid, topic, randomBytes(32).toString('hex'), randomUUID(), false, 'profile']));
    ids.push(...part.map((d) => d.id));
  }
  return ids;
}

async function main(): Promise<void> {
  await scenario(0, 100);
  await scenario(20, 100);
  await scenario(20, 500);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
