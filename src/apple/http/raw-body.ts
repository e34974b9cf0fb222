import express from 'express';

/** Device bodies over 1 MiB are refused (413) before they are buffered further. */
export const DEVICE_BODY_LIMIT = 1024 * 1024;

/** Reads the exact bytes: Mdm-Signature is computed over them, so nothing may re-encode the body. */
export const rawDeviceBody = express.raw({ type: () => true, limit: DEVICE_BODY_LIMIT });
