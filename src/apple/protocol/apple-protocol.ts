import { AppleSchemas } from '../schema';
import { decodeCheckin } from './checkin';
import { CommandBuilder } from './command-builder';
import { encodeCommand } from './commands';
import { buildEnrollmentProfile, type EnrollmentProfileOptions } from './enrollment-profile';
import { INVENTORY_PARSERS, deviceFactsOf } from './inventory';
import type { AppleCommand, CheckinMessage, DeviceFacts, DeviceReport } from './messages';
import { encodePlist } from './plist';
import { decodeReport } from './report';

/** Turns a query response into the compact inventory record Slate keeps; never throws. */
export type InventoryParser = (response: Record<string, unknown>) => unknown;

/** The protocol package as the Apple services consume it, passed in so they stay testable. */
export interface AppleProtocol {
  decodeCheckin(body: Buffer): CheckinMessage;
  decodeReport(body: Buffer): DeviceReport & { udid: string };
  /** Encodes `{CommandUUID, Command}` as the device receives it. */
  encodeCommand(commandUuid: string, command: AppleCommand): Buffer;
  encodePlist(value: Record<string, unknown>): Buffer;
  /** A validated command from a request type and staff-given parameters. */
  buildCommand(requestType: string, params: Record<string, unknown>): AppleCommand;
  inventoryParsers: Partial<Record<string, InventoryParser>>;
  deviceFactsOf(inventory: unknown): DeviceFacts;
  buildEnrollmentProfile(opts: EnrollmentProfileOptions): Buffer;
}

/**
 * The protocol package as the Apple services consume it: commands and the enrolment profile are
 * checked against Apple's vendored schemas before they leave Slate.
 */
export function createAppleProtocol(schemas: AppleSchemas = new AppleSchemas()): AppleProtocol {
  const commands = new CommandBuilder(schemas);
  return {
    decodeCheckin: (body) => decodeCheckin(body),
    decodeReport: (body) => decodeReport(body),
    encodeCommand,
    encodePlist,
    buildCommand: (requestType, params) => commands.build(requestType, params),
    inventoryParsers: INVENTORY_PARSERS,
    deviceFactsOf,
    buildEnrollmentProfile: (opts) => buildEnrollmentProfile(opts, schemas),
  };
}
