/**
 * The one error model of Slate. Every failure that a caller may see carries a stable `code`;
 * admin API clients and tests branch on the code, never on the message.
 * Devices never see codes: protocol handlers map an AppError to a bare HTTP status.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'config_invalid'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'gone'
  | 'rate_limited'
  | 'org_import_invalid'
  | 'org_unit_unknown'
  | 'device_unknown'
  | 'enrollment_token_invalid'
  | 'command_invalid'
  | 'plist_invalid'
  | 'message_invalid'
  | 'message_type_unknown'
  | 'profile_invalid'
  | 'catalog_invalid'
  | 'device_auth_failed'
  | 'database_unavailable'
  | 'crypto_failed'
  | 'signature_invalid'
  | 'certificate_untrusted'
  | 'certificate_revoked'
  | 'certificate_expired'
  | 'certificate_bound_elsewhere'
  | 'enrollment_unavailable'
  | 'push_certificate_invalid'
  | 'json_invalid'
  | 'cursor_invalid'
  | 'invite_invalid'
  | 'webauthn_failed'
  | 'csrf_failed'
  | 'step_up_required'
  | 'confirmation_mismatch'
  | 'server_error';

const DEFAULT_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  config_invalid: 500,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  payload_too_large: 413,
  unsupported_media_type: 415,
  gone: 410,
  rate_limited: 429,
  org_import_invalid: 400,
  org_unit_unknown: 404,
  device_unknown: 404,
  enrollment_token_invalid: 404,
  command_invalid: 400,
  plist_invalid: 400,
  message_invalid: 400,
  message_type_unknown: 400,
  profile_invalid: 500,
  catalog_invalid: 400,
  device_auth_failed: 403,
  database_unavailable: 503,
  crypto_failed: 500,
  signature_invalid: 403,
  certificate_untrusted: 403,
  certificate_revoked: 403,
  certificate_expired: 403,
  certificate_bound_elsewhere: 403,
  enrollment_unavailable: 503,
  push_certificate_invalid: 400,
  json_invalid: 400,
  cursor_invalid: 400,
  invite_invalid: 410,
  webauthn_failed: 401,
  csrf_failed: 403,
  step_up_required: 403,
  confirmation_mismatch: 400,
  server_error: 500,
};

export interface AppErrorOptions {
  status?: number;
  /** Whether the message may be shown to an API client (false for internal failures). */
  expose?: boolean;
  details?: unknown;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.expose = options.expose ?? this.status < 500;
    this.details = options.details;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Normalises anything thrown into an AppError; unknown errors become a non-exposed server_error. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('server_error', 'internal error', { expose: false, cause: err });
}
