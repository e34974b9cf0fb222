export * from './config';
export * from './secret-key';
export type { PkiConfig } from './pki.config';
export type { MetricsAccessMode, MetricsConfig } from './metrics.config';
export type { AppleConfig } from './apple.config';
export { parseDuration } from './schema';
export type { PolicyConfig } from './policy.config';
export type { AdminConfig } from './admin.config';
