import { RateLimiter } from '../../../src/apple/apns/rate-limiter';

describe('RateLimiter', () => {
  it('lets a second of burst through, then paces takes at the rate (simulated clock)', async () => {
    let now = 0;
    const slept: number[] = [];
    const limiter = new RateLimiter(10, () => now, async (ms) => {
      slept.push(ms);
      now += ms;
    });
    for (let i = 0; i < 10; i++) await limiter.take();
    expect(slept).toEqual([]);
    for (let i = 0; i < 20; i++) await limiter.take();
    expect(now).toBe(2000); // 20 more at 10/s
    expect(slept.every((ms) => ms === 100)).toBe(true);
  });

  it('refills while idle but never beyond one second of capacity', async () => {
    let now = 0;
    const limiter = new RateLimiter(5, () => now, async (ms) => void (now += ms));
    for (let i = 0; i < 5; i++) await limiter.take();
    now += 60_000;
    for (let i = 0; i < 5; i++) await limiter.take();
    expect(now).toBe(60_000);
    await limiter.take();
    expect(now).toBe(60_200);
  });
});
