import { z } from 'zod';
import type { AdminServices } from '../../admin.factory';
import type { CompiledEntry } from '../../../policy';
import { route, type RouteDef } from '../route';
import { code, timestamp } from '../schemas';

const TAG = 'Profiles';
const ACTION_KINDS = ['installProfile', 'removeProfile', 'installApp', 'configureApp', 'removeApp'] as const;
const ITEM_STATES = ['installed', 'pending', 'failed', 'missing', 'outdated', 'unconfigured', 'extra', 'unresolved', 'needs_supervision'] as const;

const problem = z.object({
  code: z.string().describe('stable problem code (wrong_type, unknown_scope_code, ...)'), file: z.string(), line: z.number(), key: z.string(),
  message: z.string(), entryId: z.string().optional(),
});
const totals = z.object({
  devices: z.number(), upToDate: z.number(), installProfile: z.number(), updateProfile: z.number(), removeProfile: z.number(),
  installApp: z.number(), configureApp: z.number(), removeApp: z.number(), held: z.number(), notes: z.number(),
});
const action = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('installProfile'), entryId: z.string(), identifier: z.string(), version: z.string(), replaces: z.string().nullable().describe('the version the device has: an update') }),
  z.object({ kind: z.literal('removeProfile'), entryId: z.string().nullable(), identifier: z.string() }),
  z.object({ kind: z.literal('installApp'), entryId: z.string(), bundleId: z.string(), adamId: z.number(), configVersion: z.string().nullable() }),
  z.object({ kind: z.literal('configureApp'), entryId: z.string(), bundleId: z.string(), configVersion: z.string() }),
  z.object({ kind: z.literal('removeApp'), bundleId: z.string() }),
]);
const plannedDevice = z.object({
  deviceId: z.string(), serialNumber: z.string().nullable(), schoolCode: z.string().nullable(), actions: z.array(action),
  held: z.array(z.object({
    kind: z.enum(ACTION_KINDS), target: z.string(), entryId: z.string().nullable(),
    failure: z.object({ attempts: z.number(), retryAt: z.number().describe('epoch ms'), reason: z.string().optional() }),
  })).describe('refused by the device, waiting out the backoff'),
  notes: z.array(z.object({ entryId: z.string().nullable(), target: z.string(), state: z.enum(['unresolved', 'needs_supervision']), message: z.string() })),
  released: z.array(z.string()).describe('managed apps that left the device and the scope'),
});
const source = z.enum(['files', 'applied']).describe("files: the server's catalog directory (a new version for the whole organisation); applied: the version in force, for a part of the tree");
const versionRef = z.object({ id: z.number(), hash: z.string() });
const plan = z.object({
  source, unit: z.string().describe('the unit whose devices were planned'),
  report: z.object({ errors: z.array(problem), warnings: z.array(problem) }).describe('validation of the catalog: with errors nothing can be applied'),
  catalogHash: z.string().nullable().describe('null when the catalog is invalid'), appliedVersion: versionRef.nullable(),
  devices: z.array(plannedDevice).describe('devices with something to do, held or noted'),
  totals: z.record(z.string(), totals).describe('per school code (- for devices in no school)'), overall: totals.nullable(),
});
const applied = z.object({
  source, unit: z.string(), version: versionRef, changed: z.boolean().describe('a new catalog version was stored'),
  plan: plan.omit({ source: true, unit: true }), enqueued: z.number(), devices: z.number().describe('devices that got commands'),
  commands: z.array(z.object({ deviceId: z.string(), commandUuid: z.string(), kind: z.enum(ACTION_KINDS), target: z.string(), version: z.string().nullable() })),
});
const counts = z.object({ converged: z.number(), pending: z.number(), failed: z.number(), blocked: z.number().describe('unresolved variable or unsupervised device') });
const status = z.object({
  appliedVersion: z.number(), unit: z.string(), devices: counts.describe('devices in scope by convergence'),
  byEntry: z.record(z.string(), z.partialRecord(z.enum(ITEM_STATES), z.number())).describe('items per entry and state'),
  rows: z.array(z.object({
    deviceId: z.string(), entryId: z.string().nullable(), item: z.enum(['profile', 'app']), target: z.string(), state: z.enum(ITEM_STATES),
    expected: z.string().nullable(), reported: z.string().nullable(), attempts: z.number().optional(), retryAt: timestamp.nullable().optional(),
    reason: z.string().optional(), errorChain: z.array(z.unknown()).nullable().optional(),
  })).describe('with device: every item; with entry: devices where it is not installed'),
});
const entry = z.object({
  id: z.string(), name: z.string(), description: z.string().nullable(), file: z.string(), contentHash: z.string(),
  profile: z.object({ payloadTypes: z.array(z.string()), supervisedOnly: z.boolean() }).nullable(),
  apps: z.array(z.object({ adamId: z.number(), bundleId: z.string(), name: z.string().nullable() })),
});
const unitBody = z.strictObject({ unit: code.optional().describe('a unit in your scope; default: your scope (an administrator of the whole organisation: the whole fleet from the catalog files)') }).optional();

const entryView = (e: CompiledEntry): z.input<typeof entry> => ({
  id: e.entry.id, name: e.entry.name, description: e.entry.description ?? null, file: e.file, contentHash: e.contentHash,
  profile: e.entry.apple ? { payloadTypes: e.entry.apple.payloads.map((p) => String(p.PayloadType)), supervisedOnly: e.entry.apple.supervisedOnly } : null,
  apps: e.entry.appStore.map((a) => ({ adamId: a.adamId, bundleId: a.bundleId, name: a.name ?? null })),
});

/** The policy catalog (issue #12) for staff: plan, apply, status inside their scope. */
export function profileRoutes(s: AdminServices): RouteDef[] {
  return [
    route({
      method: 'get', path: '/profiles', tag: TAG, access: 'any', summary: 'The applied catalog: its version and the entries in force in your scope',
      response: z.object({ version: z.object({ id: z.number(), hash: z.string(), appliedAt: timestamp, appliedBy: z.string() }), entries: z.array(entry) }),
      handle: async ({ principal }) => {
        const c = await s.profiles.catalog(principal);
        return { version: c.version, entries: c.entries.map(entryView) };
      },
    }),
    route({
      method: 'post', path: '/profiles/plan', tag: TAG, access: 'any',
      summary: 'Dry run: what apply would enqueue per device, with totals per school; changes nothing',
      body: unitBody, response: plan, handle: async ({ principal, body }) => s.profiles.plan(principal, body ?? {}),
    }),
    route({
      method: 'post', path: '/profiles/apply', tag: TAG, access: 'any', status: 202,
      summary: 'Enqueue exactly what plan shows (the whole organisation: store the catalog files as the new version first)',
      body: unitBody, response: applied, handle: async ({ principal, body, ip }) => s.profiles.apply(principal, body ?? {}, ip),
    }),
    route({
      method: 'get', path: '/profiles/status', tag: TAG, access: 'any', summary: 'Convergence in your scope: devices converged, pending, failed; per entry; per device',
      query: z.strictObject({
        unit: code.optional(), device: z.string().min(1).max(200).optional().describe('id, UDID or serial: every item of this device'),
        entry: z.string().min(1).max(100).optional().describe('an entry id: devices where it is not installed'),
      }),
      response: status, handle: async ({ principal, query }) => s.profiles.status(principal, query),
    }),
  ];
}
