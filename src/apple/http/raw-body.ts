import express from 'express';

/** Device bodies over 1 MiB are refused (413) before they are buffered further. */
export const DEVICE_BODY_LIMIT = 1024 * 1024;

/**
 * Reads the exact bytes: Mdm-Signature is computed over them, so nothing may re-encode the body.
 * Devices never compress bodies; a compressed one is refused (415) instead of inflated, so no
 * gzip bomb is ever unpacked (same rule as the command endpoint's reader, device-body.ts).
 */
export const rawDeviceBody = express.raw({ type: () => true, limit: DEVICE_BODY_LIMIT, inflate: false });
