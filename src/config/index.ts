export * from './config';
export * from './secret-key';
export { parseDuration } from './schema';
