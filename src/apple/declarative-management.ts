import { createHash } from 'node:crypto';
/** A DDM answer: a status and, for 200, an optional JSON body. */
export interface DeclarativeReply {
  status: 200 | 400 | 404;
  body?: Buffer;
  reason?: string;
}

/**
 * Declarative Device Management answers for a server that has no declarations yet: valid, empty
 * sync tokens and declaration items, so iPads that speak DDM stay content.
 * https://developer.apple.com/documentation/devicemanagement/declarative-management-check-in
 */
const EMPTY_ITEMS = { Activations: [], Configurations: [], Assets: [], Management: [] };
/** The token names the (empty) set of declarations; it changes when declarations arrive. */
const EMPTY_TOKEN = createHash('sha256').update(JSON.stringify(EMPTY_ITEMS)).digest('hex').slice(0, 32);
const EPOCH = '2026-01-01T00:00:00Z';

export function declarativeManagementReply(endpoint: string, _data: Buffer | undefined): DeclarativeReply {
  const json = (value: unknown): DeclarativeReply => ({ status: 200, body: Buffer.from(JSON.stringify(value)) });
  switch (endpoint) {
    case 'tokens':
      return json({ SyncTokens: { DeclarationsToken: EMPTY_TOKEN, Timestamp: EPOCH } });
    case 'declaration-items':
      return json({ Declarations: EMPTY_ITEMS, DeclarationsToken: EMPTY_TOKEN });
    case 'status':
      return { status: 200 };
    default:
      if (endpoint.startsWith('declaration/')) return { status: 404, reason: 'no such declaration' };
      return { status: 400, reason: `unknown DDM endpoint ${endpoint.slice(0, 64)}` };
  }
}
