import { backoffMs, classifyApnsResponse } from '../../../src/apple/apns/apns-response';

// Status codes and reasons from Apple, "Handling notification responses from APNs" (developer.apple.com).
describe('classifyApnsResponse', () => {
  it.each([
    [200, '', 'delivered'],
    [400, '{"reason":"BadDeviceToken"}', 'token_invalid'],
    [410, '{"reason":"Unregistered","timestamp":1700000000000}', 'token_invalid'],
    [410, '{"reason":"ExpiredToken"}', 'token_invalid'],
    [400, '{"reason":"BadTopic"}', 'dropped'],
    [400, '{"reason":"DeviceTokenNotForTopic"}', 'dropped'],
    [413, '{"reason":"PayloadTooLarge"}', 'dropped'],
    [403, '{"reason":"BadCertificate"}', 'cert_rejected'],
    [403, '{"reason":"BadCertificateEnvironment"}', 'cert_rejected'],
    [429, '{"reason":"TooManyRequests"}', 'retry'],
    [500, '{"reason":"InternalServerError"}', 'retry'],
    [503, '{"reason":"ServiceUnavailable"}', 'retry'],
    [502, '<html>bad gateway</html>', 'retry'],
  ])('%i %s → %s', (status, body, kind) => {
    expect(classifyApnsResponse(status, body).kind).toBe(kind);
  });

  it('keeps the apns-id of a delivered push and the reason of a failure', () => {
    expect(classifyApnsResponse(200, '', 'A-1')).toEqual({ kind: 'delivered', apnsId: 'A-1' });
    expect(classifyApnsResponse(410, '{"reason":"Unregistered"}')).toEqual({ kind: 'token_invalid', status: 410, reason: 'Unregistered' });
  });

  it('does not trust odd bodies: truncated JSON, huge bodies, non-string or injected reasons', () => {
    expect(classifyApnsResponse(400, '{"reason":"BadDev')).toEqual({ kind: 'dropped', status: 400, reason: 'HTTP 400' });
    expect(classifyApnsResponse(400, JSON.stringify({ reason: 'BadDeviceToken', pad: 'x'.repeat(5000) })).kind).toBe('dropped');
    expect(classifyApnsResponse(400, '{"reason":42}')).toMatchObject({ reason: 'HTTP 400' });
    expect(classifyApnsResponse(400, '{"reason":"Bad\\nDeviceToken"}')).toMatchObject({ reason: 'HTTP 400' });
    expect(classifyApnsResponse(400, 'null')).toMatchObject({ kind: 'dropped' });
  });
});

describe('backoffMs', () => {
  it('doubles per attempt within ±20% and stops at the cap', () => {
    expect(backoffMs(0, 1000, 60_000, () => 0.5)).toBe(1000);
    expect(backoffMs(3, 1000, 60_000, () => 0.5)).toBe(8000);
    expect(backoffMs(3, 1000, 60_000, () => 0)).toBe(6400);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(9600);
    expect(backoffMs(40, 1000, 60_000, () => 0.5)).toBe(60_000);
  });
});
