import type { Command } from 'commander';
import { AppError } from '../../errors';
import { classCodeOf } from '../../fleet/org-file';
import { withSlate } from '../context';
import { printObject, printRows } from '../output';
import { parseIntOption } from './enroll.command';

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
    .requiredOption('--grade <n>', 'grade level', parseIntOption('--grade'))
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
    .option('--device <id>', 'only certificates of this device')
    .option('--all', 'include revoked certificates')
    .option('--json', 'machine-readable output')
    .action(async (o: { device?: string; all?: boolean; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const certs = await services.pki.listCertificates({ deviceId: o.device, includeRevoked: !!o.all || !!o.device });
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
    .option('--device <id>', 'device id')
    .option('--reason <text>', 'why (kept with the record)', 'revoked by operator')
    .action(async (o: { serial?: string; device?: string; reason: string }) => {
      if (!!o.serial === !!o.device) throw new AppError('validation_failed', 'give exactly one of --serial and --device');
      await withSlate(async ({ services, db }) => {
        if (o.serial) {
          const rec = await services.pki.revokeBySerial(o.serial, o.reason);
          process.stdout.write(`revoked ${rec.serial}\n`);
        } else {
          const n = await services.pki.revokeByDevice(db, o.device!, o.reason);
          process.stdout.write(`revoked ${n} certificate(s) of device ${o.device}\n`);
        }
      });
    });
}
