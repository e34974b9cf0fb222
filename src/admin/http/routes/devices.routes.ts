import { z } from 'zod';
import type { AdminServices } from '../../admin.factory';
import type { DeviceAction } from '../../fleet/device-actions.service';
import { route, type RouteDef } from '../route';
import {
  code, command, cursorQuery, dateQuery, device, deviceState, idParams, limitQuery, nullableTimestamp, optionalBody, page, platform, timestamp,
} from '../schemas';

const TAG = 'Devices';

const detail = z.object({
  device,
  placement: z.object({ school: z.string().nullable(), grade: z.string().nullable(), class: z.string().nullable() }),
  apple: z.object({
    enrolledVia: z.string(), pushReachable: z.boolean(), awaitingConfiguration: z.boolean(), authenticatedAt: nullableTimestamp,
    tokenUpdatedAt: nullableTimestamp, checkedOutAt: nullableTimestamp, hasUnlockToken: z.boolean(),
  }).nullable(),
  inventory: z.record(z.string(), z.object({ data: z.unknown(), updatedAt: timestamp })).describe('latest answer per kind: DeviceInformation, SecurityInfo, ProfileList, InstalledApplicationList, CertificateList, DeviceLocation (lost mode only)'),
  recentCheckins: z.array(z.object({ messageType: z.string(), osVersion: z.string().nullable(), buildVersion: z.string().nullable(), createdAt: timestamp })),
  commands: z.array(command).describe('command timeline, newest first'),
  profiles: z.array(z.object({ identifier: z.string(), displayName: z.string().nullable(), status: z.enum(['installed', 'installing', 'removing']) })),
});

const actionResult = z.object({ deviceId: z.string(), commandUuid: z.string(), requestType: z.string() });
const lockBody = z.strictObject({ message: z.string().max(500).optional(), phoneNumber: z.string().max(40).optional(), pin: z.string().regex(/^\d{6}$/).optional().describe('macOS only') }).optional();
const lostModeBody = z.strictObject({ message: z.string().max(500).optional(), phoneNumber: z.string().max(40).optional(), footnote: z.string().max(200).optional() })
  .refine((b) => b.message !== undefined || b.phoneNumber !== undefined, 'lost mode needs a message or a phone number');
const wipeBody = z.strictObject({
  confirmSerial: z.string().min(1).max(64).describe('the serial number of the device, typed back'),
  pin: z.string().regex(/^\d{6}$/).optional(), preserveDataPlan: z.boolean().optional(),
});

function action(s: AdminServices, path: string, name: DeviceAction, summary: string, body: z.ZodType, method: 'post' | 'delete' = 'post'): RouteDef {
  return route({
    method, path: `/devices/:id/${path}`, tag: 'Device actions', access: 'any', status: 202, summary,
    params: idParams, body, response: actionResult,
    handle: async ({ principal, params, body: b, ip }) => s.actions.run(principal, params.id, name, (b ?? {}) as Record<string, unknown>, ip),
  });
}

export function deviceRoutes(s: AdminServices): RouteDef[] {
  return [
    route({
      method: 'get', path: '/devices', tag: TAG, access: 'any', summary: 'Find devices: by place, platform, state, last contact, serial or name',
      query: z.strictObject({
        municipality: code.optional(), school: code.optional(), grade: code.optional(), class: code.optional(),
        platform: platform.optional(), state: deviceState.optional(),
        lastSeenBefore: dateQuery.optional().describe('not seen since (or never)'), lastSeenAfter: dateQuery.optional(),
        q: z.string().min(2).max(100).optional().describe('serial number or UDID (exact) or part of the name'),
        cursor: cursorQuery, limit: limitQuery(),
      }),
      response: page(device), handle: async ({ principal, query }) => s.devices.list(principal, query),
    }),
    route({
      method: 'get', path: '/devices/:id', tag: TAG, access: 'any', summary: 'A device (id, UDID or serial): inventory, check-ins, commands, profiles',
      params: idParams, response: detail, handle: async ({ principal, params }) => s.devices.detail(principal, params.id),
    }),
    route({
      method: 'post', path: '/devices/:id/move', tag: TAG, access: 'any', summary: 'Move a device to another school, grade or class',
      params: idParams, body: z.strictObject({ school: code, grade: code, class: code.optional() }), response: device,
      handle: async ({ principal, params, body, ip }) => s.devices.move(principal, params.id, body, ip),
    }),
    action(s, 'lock', 'lock', 'Lock the screen', lockBody),
    action(s, 'lost-mode', 'lost-mode', 'Enter lost mode (supervised iPads)', lostModeBody),
    action(s, 'lost-mode', 'lost-mode-off', 'Leave lost mode (its location is deleted)', optionalBody, 'delete'),
    action(s, 'location', 'location', 'Ask a lost device for its location', optionalBody),
    action(s, 'sound', 'sound', 'Play a sound on a lost device', optionalBody),
    action(s, 'restart', 'restart', 'Restart', optionalBody),
    action(s, 'wipe', 'wipe', 'Erase the device (passkey confirmation and its serial typed back)', wipeBody),
    action(s, 'clear-passcode', 'clear-passcode', 'Remove the passcode (passkey confirmation)', optionalBody),
    route({
      method: 'get', path: '/commands', tag: 'Commands', access: 'any', summary: "A device's commands, newest first",
      query: z.strictObject({ device: z.string().min(1).max(200).describe('id, UDID or serial'), limit: limitQuery(500, 50) }),
      response: z.object({ items: z.array(command) }),
      handle: async ({ principal, query }) => ({ items: await s.commands.list(principal, query.device, query.limit) }),
    }),
    route({
      method: 'get', path: '/commands/:id', tag: 'Commands', access: 'any', summary: 'One command by its CommandUUID',
      params: idParams, response: command, handle: async ({ principal, params }) => s.commands.get(principal, params.id),
    }),
    route({
      method: 'post', path: '/commands/:id/cancel', tag: 'Commands', access: 'any', summary: 'Cancel a pending command',
      params: idParams, body: optionalBody, response: command, handle: async ({ principal, params, ip }) => s.commands.cancel(principal, params.id, ip),
    }),
  ];
}
