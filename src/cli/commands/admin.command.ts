import type { Command } from 'commander';
import { ROLES } from '../../admin/rbac/roles';
import { withSlate } from '../context';
import { choiceOption, durationOption, namingFlags } from '../options';
import { printObject } from '../output';

/** `slate admin invite`, `slate token create|revoke`, `slate audit verify`: the admin API's operator side. */
export function registerAdmin(program: Command): void {
  const admin = program.command('admin').description('staff of the admin API');
  admin
    .command('invite')
    .argument('<email>', 'e-mail address of the new member of staff')
    .description('print a one-time invite link; whoever opens it registers a passkey and signs in')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, choiceOption('--role', ROLES))
    .option('--scope <code>', 'unit the member sees (at and below); default: the root of the tree')
    .option('--json', 'machine-readable output')
    .action(async (email: string, o: { role: string; scope?: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const i = await namingFlags({ email: '<email>', role: '--role', scope: '--scope' }, () => services.admin.staff.invite(null, { email, role: o.role, scope: o.scope }));
        if (o.json) printObject(i, true);
        else process.stdout.write(`invite for ${i.email} (${i.role} of ${i.scope}), valid until ${i.expiresAt.toISOString()}, once:\n${i.url}\n`);
      });
    });

  const token = program.command('token').description('API tokens for automation');
  token
    .command('create')
    .description('create an API token; the token is printed alone on the last line, once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, choiceOption('--role', ROLES))
    .option('--scope <code>', 'unit the token sees (at and below); default: the root of the tree')
    .option('--ttl <duration>', 'lifetime such as 90d', durationOption('--ttl'), 90 * 86_400_000)
    .option('--name <name>', 'what the token is for', 'cli')
    .action(async (o: { role: string; scope?: string; ttl: number; name: string }) => {
      await withSlate(async ({ services }) => {
        const t = await namingFlags({ ttl: '--ttl', role: '--role', scope: '--scope', name: '--name' },
          () => services.admin.tokens.create(null, { name: o.name, role: o.role, scope: o.scope, ttlMs: o.ttl }));
        process.stdout.write(`token ${t.record.id} (${t.record.role} of ${t.scopeCode}), expires ${t.record.expiresAt.toISOString()}\n${t.token}\n`);
      });
    });
  token
    .command('revoke')
    .argument('<id>', 'token id')
    .description('revoke an API token at once')
    .action(async (id: string) => {
      await withSlate(async ({ services, db, stores }) => {
        const revoked = await db.transaction(async (tx) => {
          const ok = await stores.apiTokens.revoke(tx, id, new Date());
          if (ok) await services.audit.append(tx, { actor: { type: 'cli', id: null, label: 'cli', role: null, scopeCode: null, scopePath: null }, action: 'token.revoke', target: { type: 'token', id } });
          return ok;
        });
        if (!revoked) throw new Error(`no active token ${id}`);
        process.stdout.write(`revoked ${id}\n`);
      });
    });

  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check every entry against the chain; exit status 1 and the first broken link when it does not hold')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const r = await services.audit.verify();
        if (o.json) printObject(r, true);
        else if (r.ok) process.stdout.write(`audit log intact: ${r.checked} entries\n`);
        else process.stdout.write(`audit log BROKEN at entry ${r.firstBroken!.seq} (${r.firstBroken!.reason}); ${r.checked} entries before it hold\n`);
        if (!r.ok) process.exitCode = 1;
      });
    });
}
