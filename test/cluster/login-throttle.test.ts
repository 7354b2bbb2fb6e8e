// Failed logins are slowed down per user name, on a clock the test owns.
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../cluster/login-throttle.js';

function throttleWithClock(): { throttle: LoginThrottle; slept: number[]; advance(ms: number): void } {
  let now = 0;
  const slept: number[] = [];
  const throttle = new LoginThrottle({
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  return { throttle, slept, advance: (ms) => (now += ms) };
}

const fail = async (): Promise<{ ok: boolean; value: string }> => ({ ok: false, value: 'no' });
const succeed = async (): Promise<{ ok: boolean; value: string }> => ({ ok: true, value: 'yes' });

describe('login throttle', () => {
  it('three failures are free; then each attempt waits twice as long as the one before, up to 10 s', async () => {
    const { throttle, slept } = throttleWithClock();
    for (let i = 0; i < 10; i++) await throttle.attempt('root', fail);
    expect(slept).toEqual([250, 500, 1000, 2000, 4000, 8000, 10000]);
  });

  it('a success forgets the failures; other names are not slowed down', async () => {
    const { throttle, slept } = throttleWithClock();
    for (let i = 0; i < 5; i++) await throttle.attempt('root', fail);
    expect(throttle.delayFor('root')).toBeGreaterThan(0);
    expect(throttle.delayFor('alice')).toBe(0);
    // The right password waits its turn too: the wait comes before the check.
    expect(await throttle.attempt('root', succeed)).toBe('yes');
    expect(throttle.delayFor('root')).toBe(0);
    expect(slept).toEqual([250, 500, 1000]);
  });

  it('failures are forgotten after 15 minutes; time already waited counts', async () => {
    const { throttle, advance } = throttleWithClock();
    for (let i = 0; i < 6; i++) await throttle.attempt('root', fail);
    expect(throttle.delayFor('root')).toBe(2000);
    advance(1500);
    expect(throttle.delayFor('root')).toBe(500);
    advance(15 * 60 * 1000);
    expect(throttle.delayFor('root')).toBe(0);
  });

  it('attempts at one name run one at a time, so parallel guesses queue', async () => {
    let running = 0;
    let most = 0;
    const throttle = new LoginThrottle({ sleep: async () => undefined });
    const guess = async (): Promise<{ ok: boolean; value: string }> => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return { ok: false, value: 'no' };
    };
    await Promise.all(Array.from({ length: 8 }, () => throttle.attempt('root', guess)));
    expect(most).toBe(1);
  });
});
