import type { Command } from 'commander';
import { AppError } from '../../errors';
import { classCodeOf } from '../../fleet/org-file';
import { withSlate } from '../context';
import { integerOption } from '../options';
import { printObject, printRows } from '../output';

/** `slate ca`, `slate scep`, `slate cert`: the certificate authority from the operator's side. */
export function registerPki(program: Command): void {
  const ca = program.command('ca').description('the device certificate authority');
  ca.command('show')
    .description('subject, fingerprint and expiry of the CA')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const s = services.pki.caSummary();
        printObject({ kind: 'ca', code: s.serial, ...s }, !!o.json);
      });
    });

  const scep = program.command('scep').description('SCEP enrolment');
  scep.command('challenge')
    .description('print a fresh one-time SCEP challenge for a school and grade')
    .requiredOption('--school <code>', 'school code')
    .requiredOption('--grade <n>', 'grade level', integerOption('--grade', { min: 1 }))
    .option('--class <code>', 'class within the grade (code, or name such as 3a)')
    .option('--json', 'machine-readable output')
    .action(async (o: { school: string; grade: number; class?: string; json?: boolean }) => {
      await withSlate(async ({ services, db }) => {
        const { school, grade } = await services.org.requireGrade(o.school, o.grade);
        let classId: string | null = null;
        if (o.class) {
          // Same resolution as enrolment links: a class name such as 3a within the school.
          const cls = await services.org.requireByCode(classCodeOf(school.code, o.class), 'class');
          if (cls.parentId !== grade.id) throw new AppError('org_unit_unknown', `class ${o.class} is not in grade ${o.grade} of ${school.code}`);
          classId = cls.id;
        }
        const c = await services.pki.createChallenge(db, { schoolId: school.id, gradeId: grade.id, classId });
        if (o.json) printObject({ challenge: c.challenge, expiresAt: c.expiresAt, school: school.code, grade: grade.code }, true);
        else process.stdout.write(`${c.challenge}\n(expires ${c.expiresAt.toISOString()})\n`);
      });
    });

  const cert = program.command('cert').description('certificates issued by the CA');
  cert.command('list')
    .description('issued certificates (newest first)')
    .option('--device <device>', 'only certificates of this device (id, UDID or serial), revoked ones included')
    .option('--all', 'include revoked certificates')
    .option('--json', 'machine-readable output')
    .action(async (o: { device?: string; all?: boolean; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        // Operators have the serial from the back of the tablet; certificates know Slate's id.
        const deviceId = o.device === undefined ? undefined : (await services.devices.require(o.device)).id;
        const certs = await services.pki.listCertificates({ deviceId, includeRevoked: !!o.all || !!o.device });
        const rows = certs.map((c) => ({
          id: c.id, code: c.serial, kind: c.kind, subject: c.subject, fingerprint: c.fingerprint, deviceId: c.deviceId,
          notAfter: c.notAfter, revokedAt: c.revokedAt, revokeReason: c.revokeReason,
        }));
        printRows(rows, ['code', 'kind', 'subject', 'deviceId', 'notAfter', 'revokedAt'], !!o.json);
      });
    });
  cert.command('revoke')
    .description('revoke one certificate by serial, or every certificate of a device')
    .option('--serial <hex>', 'certificate serial (hex, colons allowed)')
    .option('--device <device>', 'device id, UDID or serial number')
    .option('--reason <text>', 'why (kept with the record)', 'revoked by operator')
    .option('--json', 'machine-readable output')
    .action(async (o: { serial?: string; device?: string; reason: string; json?: boolean }) => {
      if (!!o.serial === !!o.device) throw new AppError('validation_failed', 'give exactly one of --serial and --device');
      await withSlate(async ({ services, db }) => {
        if (o.serial) {
          const rec = await services.pki.revokeBySerial(o.serial, o.reason);
          if (o.json) printObject({ revoked: 1, serial: rec.serial }, true);
          else process.stdout.write(`revoked ${rec.serial}\n`);
          return;
        }
        const device = await services.devices.require(o.device!);
        const n = await services.pki.revokeByDevice(db, device.id, o.reason);
        // A revoke that changes nothing is a mistake the operator must see (a wrong device, or
        // one revoked already), not a quiet success.
        if (n === 0) throw new AppError('not_found', `device ${o.device} has no unrevoked certificate`);
        if (o.json) printObject({ revoked: n, deviceId: device.id }, true);
        else process.stdout.write(`revoked ${n} certificate(s) of device ${device.id}\n`);
      });
    });
}
