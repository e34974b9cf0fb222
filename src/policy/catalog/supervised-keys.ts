import type { AppleKeySpec, AppleSchemas } from '../../apple/schema';
import type { PathSegment } from './catalog-report';

/** Apple's per-OS support flags, on a payload and on each key (docs/schema.md upstream). */
interface SupportedOS {
  iOS?: { supervised?: boolean; introduced?: string };
}
type SpecWithOS = AppleKeySpec & { supportedOS?: SupportedOS };

export interface SupervisedUse {
  /** Path inside the payload; empty when the whole payload type needs supervision. */
  path: PathSegment[];
  what: string;
}

/**
 * What in one payload iOS honours only on supervised devices, read from the `supervised` flags of
 * Apple's schema: the payload type itself (home screen layout, lock-screen message) or single
 * keys (allowAppInstallation, …). A key inherits the payload's flag unless it states its own.
 */
export function supervisedOnlyUses(schemas: AppleSchemas, payload: Record<string, unknown>): SupervisedUse[] {
  const type = String(payload.PayloadType);
  const schema = schemas.profilePayload(type);
  if (!schema) return [];
  const payloadOS = (schema.payload as { supportedOS?: SupportedOS }).supportedOS;
  if (payloadOS?.iOS?.supervised === true) return [{ path: [], what: `payload ${type} needs a supervised device` }];
  const out: SupervisedUse[] = [];
  walk(schema.payloadkeys ?? [], payload, [], out);
  return out;
}

function walk(specs: readonly AppleKeySpec[], dict: Record<string, unknown>, path: PathSegment[], out: SupervisedUse[]): void {
  const byKey = new Map(specs.map((s) => [s.key, s as SpecWithOS]));
  for (const [key, value] of Object.entries(dict)) {
    const spec = byKey.get(key);
    if (!spec) continue;
    if (spec.supportedOS?.iOS?.supervised === true) {
      out.push({ path: [...path, key], what: `${key} is honoured only on supervised devices` });
      continue;
    }
    if (spec.type === '<dictionary>' && spec.subkeys?.length && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      walk(spec.subkeys, value as Record<string, unknown>, [...path, key], out);
    }
  }
}
