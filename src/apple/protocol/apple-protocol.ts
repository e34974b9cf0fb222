import type { SpineProtocol } from '../apple-spine';
import { buildEnrollmentProfile } from '../enrollment/enrollment-profile';
import { AppleSchemas } from '../schema';
import { decodeCheckin } from './checkin';
import { CommandBuilder } from './command-builder';
import { encodeCommand } from './commands';
import { INVENTORY_PARSERS, deviceFactsOf } from './inventory';
import { encodePlist } from './plist';
import { decodeReport } from './report';

/**
 * The protocol package as the Apple spine consumes it (SpineProtocol): commands and the enrolment
 * profile are checked against Apple's vendored schemas before they leave Slate.
 */
export function createAppleProtocol(schemas: AppleSchemas = new AppleSchemas()): SpineProtocol {
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
