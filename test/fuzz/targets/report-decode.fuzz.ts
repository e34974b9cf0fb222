import { INVENTORY_PARSERS } from '../../../src/apple/protocol/inventory';
import { decodeReport, describeErrorChain } from '../../../src/apple/protocol/report';
import { onTheWire, reportMessage } from '../device-messages';
import type { FuzzTarget } from '../fuzz-target';
import { asBinary, grownField, manyKeys, xmlUnderKey } from '../hostile-messages';
import { fill, hostileXmlValues } from '../hostile-xml';
import { issueCertificate } from '../../helpers/test-certs';

const ACKNOWLEDGED = { Status: 'Acknowledged', UDID: '00008030-001A2B3C4D5E802E', CommandUUID: '6f1b2c1e-0000-4000-8000-000000000001' };

/**
 * A report on `PUT /mdm/connect` as the command endpoint handles it: decodeReport
 * (src/apple/protocol/report.ts), the ErrorChain stored as JSON and described for the timeline,
 * and the inventory parsers run on the response body (src/apple/command-effects.ts).
 */
export const target: FuzzTarget<Buffer> = {
  name: 'report-decode',
  arbitrary: onTheWire(reportMessage),
  run(input) {
    const report = decodeReport(input);
    JSON.stringify(report.errorChain ?? null);
    describeErrorChain(report.errorChain);
    for (const parse of Object.values(INVENTORY_PARSERS)) parse(report.body);
  },
  *hostile() {
    const under = (key: string) => xmlUnderKey(ACKNOWLEDGED, key);
    yield { label: 'ErrorChain of 100,000 entries with 2^64-1 codes', input: fill('<array>', '<dict><key>ErrorCode</key><integer>18446744073709551615</integer></dict>', '</array>', under('ErrorChain')) };
    yield { label: 'ErrorChain of 1 MiB descriptions', input: fill('<array><dict><key>USEnglishDescription</key><string>', 'A', '</string></dict></array>', under('ErrorChain')) };
    yield { label: 'InstalledApplicationList filling 1 MiB', input: fill('<array>', '<dict><key>Identifier</key><string>com.example.app</string><key>BundleSize</key><integer>9223372036854775807</integer></dict>', '</array>', under('InstalledApplicationList')) };
    yield { label: 'ProfileList with PayloadContent filling 1 MiB', input: fill('<array><dict><key>PayloadIdentifier</key><string>p</string><key>PayloadContent</key><array>', '<dict><key>PayloadType</key><string>x</string></dict>', '</array></dict></array>', under('ProfileList')) };
    yield { label: 'CertificateList of 20,000 tiny certificates', input: fill('<array>', '<dict><key>Data</key><data>MIIB</data></dict>', '</array>', under('CertificateList')) };
    yield { label: 'CertificateList of 1 MiB of real certificates', input: fill('<array>', `<dict><key>Data</key><data>${realCertificate()}</data></dict>`, '</array>', under('CertificateList')) };
    yield { label: 'CertificateList of one 1 MiB certificate', input: fill('<array><dict><key>Data</key><data>MIIB', 'QUFB', '</data></dict></array>', under('CertificateList')) };
    yield grownField(ACKNOWLEDGED, 'Status', 'A', 'string');
    yield grownField(ACKNOWLEDGED, 'CommandUUID', 'A', 'string');
    yield manyKeys(ACKNOWLEDGED, 4095);
    for (const h of hostileXmlValues(under('QueryResponses'))) yield { label: `QueryResponses = ${h.label}`, input: h.input };
    yield asBinary(ACKNOWLEDGED);
  },
};

/** A 2048-bit RSA certificate as base64 DER: what a device lists for each installed certificate. */
function realCertificate(): string {
  const pem = issueCertificate({ subject: [{ shortName: 'CN', value: 'Schule Musterstadt Root CA' }] }).certPem;
  return pem.replace(/-----[^-]+-----|\s/g, '');
}
