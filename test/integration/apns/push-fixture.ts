import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/log/logger';
import type { TestSlate } from '../../helpers/test-slate';
import { smallTree } from '../../helpers/small-tree';

/** Shared set-up for the push integration tests: an org unit, enrolled devices with tokens, captured logs. */
export function orgUnits(slate: TestSlate): Promise<{ school: string; grade: string }> {
  return smallTree(slate.db, slate.stores.org);
}

export interface EnrolledDevice {
  id: string;
  token: string;
  pushMagic: string;
}

export async function enrolledDevice(slate: TestSlate, org: { school: string; grade: string }, topic: string, withToken = true): Promise<EnrolledDevice> {
  const udid = randomUUID().toUpperCase();
  const d = await slate.s.devices.create({ platform: 'apple', udid, schoolId: org.school, gradeId: org.grade, state: 'enrolled' });
  const at = new Date();
  await slate.s.appleDevices.upsertAuthenticated({ deviceId: d.id, udid, enrollmentTokenId: null, certFingerprint: randomBytes(32).toString('hex'), enrolledVia: 'profile', topic, at });
  const token = randomBytes(32).toString('hex');
  const pushMagic = randomUUID().toUpperCase();
  if (withToken) await slate.s.appleDevices.updateToken(d.id, { topic, pushToken: token, pushMagic, awaitingConfiguration: false, at });
  return { id: d.id, token, pushMagic };
}

export function capturingLogger(): { logger: Logger; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: createLogger('info', sink), lines };
}
