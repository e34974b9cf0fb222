import { decodePlist, encodePlist } from '../../../src/apple/protocol/plist';
import type { FuzzTarget } from '../fuzz-target';
import { hostileXmlProlog, hostileXmlValues } from '../hostile-xml';
import { XML_TOKENS, mutated } from '../mutate';
import { plistValue } from '../plist-arbitraries';

/** The XML property-list reader (src/apple/protocol/plist/xml-decode.ts) on generated documents, mutated. */
export const target: FuzzTarget<Buffer> = {
  name: 'plist-xml',
  arbitrary: mutated(plistValue.map((v) => encodePlist(v)), XML_TOKENS),
  run(input) {
    // Whatever decodes must also serialise: reports are stored as JSON (issue #9 finding 8).
    JSON.stringify(decodePlist(input));
  },
  *hostile() {
    yield* hostileXmlValues();
    yield* hostileXmlProlog();
  },
};
