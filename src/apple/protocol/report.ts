import { AppError } from '../../errors';
import type { DeviceReport } from './messages';
import { decodeDevicePlist, isPlistDict, type PlistLimits } from './plist';

const STATUSES = new Set<DeviceReport['status']>(['Idle', 'Acknowledged', 'Error', 'CommandFormatError', 'NotNow']);
const UUID_MAX = 128;

/**
 * Decodes a report on the command endpoint (`PUT ServerURL`): Status, CommandUUID, ErrorChain
 * and, for query commands, the response keys (kept whole in `body`).
 * https://developer.apple.com/documentation/devicemanagement/implementing-device-management/sending-mdm-commands-to-a-device
 * Errors: `plist_invalid` (not an XML plist), `message_invalid` (no UDID, unknown Status, a
 * non-Idle report without CommandUUID, an ErrorChain that is not an array).
 */
export function decodeReport(body: Buffer, limits?: Partial<PlistLimits>): DeviceReport & { udid: string } {
  const dict = decodeDevicePlist(body, limits);
  if (!isPlistDict(dict)) throw new AppError('message_invalid', 'report is not a dict');
  const udid = dict.UDID;
  if (typeof udid !== 'string' || udid.length === 0 || udid.length > UUID_MAX) throw new AppError('message_invalid', 'report without UDID');
  const status = dict.Status;
  if (typeof status !== 'string' || !STATUSES.has(status as DeviceReport['status'])) {
    throw new AppError('message_invalid', `unknown report Status ${typeof status === 'string' ? JSON.stringify(status.slice(0, 32)) : typeof status}`);
  }
  const uuid = dict.CommandUUID;
  if (uuid !== undefined && (typeof uuid !== 'string' || uuid.length > UUID_MAX)) throw new AppError('message_invalid', 'CommandUUID is not a string');
  if (status !== 'Idle' && !uuid) throw new AppError('message_invalid', `${status} report without CommandUUID`);
  const chain = dict.ErrorChain;
  if (chain !== undefined && !Array.isArray(chain)) throw new AppError('message_invalid', 'ErrorChain is not an array');
  const report: DeviceReport & { udid: string } = { udid, status: status as DeviceReport['status'], body: dict };
  if (uuid) report.commandUuid = uuid as string;
  if (chain) report.errorChain = chain;
  return report;
}

/** One line for logs and the command timeline: "MCMDMErrorDomain 12021: Unknown request type". */
export function describeErrorChain(chain: readonly unknown[] | undefined): string | null {
  if (!chain?.length) return null;
  return chain
    .filter(isPlistDict)
    .map((e) => {
      const text = e.USEnglishDescription ?? e.LocalizedDescription;
      return `${String(e.ErrorDomain ?? '?')} ${String(e.ErrorCode ?? '?')}${typeof text === 'string' ? `: ${text}` : ''}`;
    })
    .join(' <- ');
}
