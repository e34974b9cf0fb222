import { decodeCheckin } from '../../../src/apple/protocol/checkin';
import { checkinMessage, onTheWire } from '../device-messages';
import type { FuzzTarget } from '../fuzz-target';
import { asBinary, grownField, manyKeys, xmlUnderKey } from '../hostile-messages';
import { hostileXmlValues } from '../hostile-xml';

const AUTHENTICATE = { MessageType: 'Authenticate', UDID: '00008030-001A2B3C4D5E802E', Topic: 'com.apple.mgmt.External.5a6b7c8d' };
const TOKEN_UPDATE = { ...AUTHENTICATE, MessageType: 'TokenUpdate', Token: Buffer.alloc(32, 1), PushMagic: '8a1b2c3d-0000-4000-8000-000000000001' };

/** A check-in body as `PUT /mdm/checkin` hands it to decodeCheckin (src/apple/protocol/checkin.ts). */
export const target: FuzzTarget<Buffer> = {
  name: 'checkin-decode',
  arbitrary: onTheWire(checkinMessage),
  run(input) {
    decodeCheckin(input);
  },
  *hostile() {
    yield grownField(TOKEN_UPDATE, 'Token', 'QUFB', 'data');
    yield grownField(TOKEN_UPDATE, 'UnlockToken', 'QUFB', 'data');
    yield grownField(AUTHENTICATE, 'MessageType', 'A', 'string');
    yield grownField(AUTHENTICATE, 'DeviceName', '&#x1F600;', 'string');
    yield grownField({ ...AUTHENTICATE, MessageType: 'DeclarativeManagement', Endpoint: 'status' }, 'Data', 'QUFB', 'data');
    yield manyKeys(AUTHENTICATE, 4095);
    yield manyKeys(AUTHENTICATE, 4097);
    for (const h of hostileXmlValues(xmlUnderKey(AUTHENTICATE, 'UnknownKey'))) yield { label: `Authenticate + ${h.label}`, input: h.input };
    yield asBinary(AUTHENTICATE);
  },
};
