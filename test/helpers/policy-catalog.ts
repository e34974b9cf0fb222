import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogSource } from '../../src/policy';

/**
 * A small catalog for the reconciler tests, over the shipped organisation tree: per school, per
 * grade, and one app set with per-school configuration. The options edit one entry each.
 */
export function testCatalog(opts: { passcodeLength?: number; wifiSsid?: string; appConfigKey?: string } = {}): CatalogSource[] {
  const yaml = `version: 1
entries:
  - id: wifi-bildstock
    name: WLAN {{school.name}}
    scope: { include: { schools: [gs-bildstock] } }
    apple:
      payloads:
        - { PayloadType: com.apple.wifi.managed, SSID_STR: ${opts.wifiSsid ?? 'GS-Lernnetz'}, EncryptionType: WPA2, AutoJoin: true, Password: "{{secret.SCHOOL_WIFI_PASSWORD}}" }
  - id: lock-screen-holz
    name: Sperrbildschirm
    scope: { include: { schools: [gs-holz] } }
    apple:
      supervisedOnly: true
      payloads:
        - { PayloadType: com.apple.shareddeviceconfiguration, LockScreenFootnote: "Eigentum der {{school.name}}" }
  - id: restrictions-grade-3
    name: Einschränkungen Klasse 3
    scope: { include: { gradeLevels: [3] } }
    apple:
      supervisedOnly: true
      payloads:
        - { PayloadType: com.apple.applicationaccess, allowAppRemoval: false, allowUIAppInstallation: false }
  - id: passcode-grade-4
    name: Code Klasse 4
    scope: { include: { gradeLevels: [4] } }
    apple:
      payloads:
        - { PayloadType: com.apple.mobiledevice.passwordpolicy, forcePIN: true, minLength: ${opts.passcodeLength ?? 4} }
  - id: apps-grade-3
    name: Lern-Apps Klasse 3
    scope: { include: { gradeLevels: [3] } }
    apps:
      appStore:
        - { adamId: 361309726, bundleId: com.apple.Pages }
        - { adamId: 895485086, bundleId: edu.mitmedialab.scratchjrfree, configuration: { ${opts.appConfigKey ?? 'school'}: "{{school.code}}" } }
`;
  return [{ path: 'catalog/test.yaml', bytes: Buffer.from(yaml) }];
}

/** POLICY_SECRET_* for testCatalog: the Wi-Fi password from a file, as in production. */
export function policySecretsEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'slate-policy-secrets-'));
  writeFileSync(join(dir, 'wifi'), 'lern-netz-passwort\n');
  return { POLICY_SECRET_SCHOOL_WIFI_PASSWORD_FILE: join(dir, 'wifi') };
}

export const PREFIX = 'test.slate.mdm.slate.policy.';
