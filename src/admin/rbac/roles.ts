import { AppError } from '../../errors';

export const ROLES = ['authority_admin', 'municipality_admin', 'school_it', 'helpdesk', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'org.read', 'org.write',
  'devices.read', 'devices.move', 'devices.lock', 'devices.lost_mode', 'devices.location', 'devices.sound',
  'devices.restart', 'devices.wipe', 'devices.clear_passcode',
  'commands.read', 'commands.cancel', 'bulk.read', 'profiles.read', 'profiles.apply',
  'enrollment.read', 'enrollment.write', 'certificates.read', 'certificates.revoke',
  'audit.read', 'staff.read', 'staff.invite', 'tokens.read', 'tokens.write', 'webhooks.read', 'webhooks.write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ['org.read', 'devices.read', 'commands.read', 'bulk.read', 'enrollment.read', 'certificates.read', 'profiles.read'];
const HELPDESK_ACTIONS: Permission[] = ['devices.lock', 'devices.lost_mode', 'devices.location', 'devices.sound'];
const SCHOOL_IT: Permission[] = [
  ...READ, ...HELPDESK_ACTIONS, 'devices.move', 'devices.restart', 'devices.wipe', 'devices.clear_passcode', 'commands.cancel', 'profiles.apply',
  'enrollment.write', 'certificates.revoke', 'staff.read', 'staff.invite', 'tokens.read', 'tokens.write', 'webhooks.read', 'webhooks.write',
];

/**
 * The role matrix of issue #13. Every permission is exercised inside the holder's scope only;
 * helpdesk reads and handles lost devices but never wipes or changes configuration; auditors read.
 */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  authority_admin: new Set(PERMISSIONS),
  municipality_admin: new Set(PERMISSIONS),
  school_it: new Set([...SCHOOL_IT, 'org.write']),
  helpdesk: new Set([...READ, ...HELPDESK_ACTIONS]),
  auditor: new Set([...READ, 'audit.read', 'staff.read', 'tokens.read', 'webhooks.read']),
};

/** Who may hand out which role: nobody grants more than they hold; auditors only from administrators. */
const GRANTS: Record<Role, readonly Role[]> = {
  authority_admin: ROLES,
  municipality_admin: ['municipality_admin', 'school_it', 'helpdesk', 'auditor'],
  school_it: ['school_it', 'helpdesk'],
  helpdesk: [],
  auditor: [],
};

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export function can(role: string, permission: Permission): boolean {
  return isRole(role) && ROLE_PERMISSIONS[role].has(permission);
}

export function canGrant(granter: string, role: Role): boolean {
  return isRole(granter) && GRANTS[granter].includes(role);
}

export function requireRole(s: string): Role {
  if (!isRole(s)) throw new AppError('validation_failed', `role: expected one of ${ROLES.join(', ')}`, { details: { field: 'role', problem: `expected one of ${ROLES.join(', ')}` } });
  return s;
}
