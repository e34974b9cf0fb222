import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/log/logger';
import type { Slate } from '../../../src/app';
import { smallTree } from '../../helpers/small-tree';

/** Shared set-up for the push integration tests: an org unit, enrolled devices with tokens, captured logs. */
export function orgUnits(slate: Slate): Promise<{ school: string; grade: string }> {
  return smallTree(slate.stores.org);
}

export interface EnrolledDevice {
  id: string;
  token: string;
  pushMagic: string;
}

export async function enrolledDevice(slate: Slate, org: { school: string; grade: string }, topic: string, withToken = true): Promise<EnrolledDevice> {
  const udid = randomUUID().toUpperCase();
  const d = await slate.stores.devices.create({ platform: 'apple', udid, schoolId: org.school, gradeId: org.grade, state: 'enrolled' });
  const at = new Date();
  await slate.stores.appleDevices.upsertAuthenticated({ deviceId: d.id, udid, enrollmentTokenId: null, certFingerprint: randomBytes(32).toString('hex'), enrolledVia: 'profile', topic, at });
  const token = randomBytes(32).toString('hex');
  const pushMagic = randomUUID().toUpperCase();
  if (withToken) await slate.stores.appleDevices.updateToken(d.id, { topic, pushToken: token, pushMagic, awaitingConfiguration: false, at });
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
