import { describe, expect, it, vi } from 'vitest';
import { createMemoryCoordination } from '../../src/coordination/index.ts';
import { MemoryRateLimiter } from '../../src/coordination/memory/memory-rate-limiter.ts';
import { MemorySessionQueue } from '../../src/coordination/memory/memory-session-queue.ts';
import { runCoordinationConformance } from './conformance.ts';

runCoordinationConformance('memory', async () => createMemoryCoordination({ onError: () => undefined }));

describe('memory coordination specifics', () => {
  it('keeps no state for a session once nobody holds or waits for it', async () => {
    const sessions = new MemorySessionQueue();
    const holder = await sessions.acquire('session-a', { maxWaiting: 4 });
    const controller = new AbortController();
    const waiter = sessions.acquire('session-a', { maxWaiting: 4, signal: controller.signal });
    const other = await sessions.acquire('session-b', { maxWaiting: 4 });
    expect(sessions.activeSessionCount).toBe(2);
    controller.abort(new Error('gone'));
    await waiter.catch(() => undefined);
    await holder.release();
    await other.release();
    expect(sessions.activeSessionCount).toBe(0);
  });

  it('drops ended rate windows when swept, so one-off keys do not pile up', () => {
    let now = 1_000;
    const limiter = new MemoryRateLimiter({ now: () => now });
    for (let client = 0; client < 100; client += 1) limiter.hitNow(`ip-${client}`, 5, 1_000);
    expect(limiter.size).toBe(100);
    now += 999;
    limiter.sweep();
    expect(limiter.size).toBe(100);
    now += 1;
    limiter.sweep();
    expect(limiter.size).toBe(0);
    limiter.close();
  });

  it('reports a throwing revocation listener instead of swallowing it', async () => {
    const onError = vi.fn();
    const coordination = createMemoryCoordination({ onError });
    const failure = new Error('listener bug');
    coordination.revocations.onUserChanged(() => {
      throw failure;
    });
    await coordination.revocations.publishUserChanged('user-1');
    expect(onError).toHaveBeenCalledWith(failure, expect.any(String));
    await coordination.close();
  });

  it('rejects waiters with UNAVAILABLE when closed', async () => {
    const coordination = createMemoryCoordination();
    const holder = await coordination.sessions.acquire('session-a', { maxWaiting: 4 });
    const waiter = coordination.sessions.acquire('session-a', { maxWaiting: 4 });
    await coordination.close();
    await expect(waiter).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    await holder.release();
  });

  it('is cheap on the hot path: 100 000 uncontended acquire/release pairs well under a second', async () => {
    const sessions = new MemorySessionQueue();
    const started = performance.now();
    for (let index = 0; index < 100_000; index += 1) {
      const lease = await sessions.acquire(`session-${index % 1_000}`, { maxWaiting: 4 });
      await lease.release();
    }
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sessions.activeSessionCount).toBe(0);
  });
});
