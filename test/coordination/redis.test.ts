/**
 * The Redis backend: the shared conformance suite, then what only many instances can show. Two
 * coordinations with their own connections stand in for two fleetchat servers.
 */

import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisCoordination, type Coordination, type RedisCoordinationOptions } from '../../src/coordination/index.ts';
import { AppError } from '../../src/errors.ts';
import { runCoordinationConformance, settlesWithin, sleep } from './conformance.ts';
import { BreakableProxy, countKeys, deleteKeys, probeRedis, redisUrl, uniqueKeyPrefix } from './redis-test-support.ts';

const available = await probeRedis(redisUrl);
if (!available) {
  console.warn(
    `Skipping Redis coordination tests: no Redis answered at ${redisUrl}. ` +
      'Start one, or set TEST_REDIS_URL to a Redis these tests may write to (keys get a unique prefix).',
  );
}

const keyPrefix = uniqueKeyPrefix();
const quiet = (): undefined => undefined;

describe.skipIf(!available)('redis coordination', () => {
  afterAll(async () => {
    await deleteKeys(redisUrl, keyPrefix);
  });

  runCoordinationConformance('redis', () => createRedisCoordination({ url: redisUrl, keyPrefix, onError: quiet }));

  describe('across instances', () => {
    const opened: Coordination[] = [];
    const open = async (options: Partial<RedisCoordinationOptions> = {}): Promise<Coordination> => {
      const coordination = await createRedisCoordination({ url: redisUrl, keyPrefix, onError: quiet, ...options });
      opened.push(coordination);
      return coordination;
    };
    const twoInstances = async (options: Partial<RedisCoordinationOptions> = {}): Promise<[Coordination, Coordination]> => [
      await open({ instanceId: 'instance-a', ...options }),
      await open({ instanceId: 'instance-b', ...options }),
    ];

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((coordination) => coordination.close()));
    });

    it('answers one session strictly in arrival order when callers alternate between instances', async () => {
      const [instanceA, instanceB] = await twoInstances();
      const sessionId = `fifo-${Date.now()}`;
      const order: number[] = [];
      let inside = 0;
      const callers: Promise<void>[] = [];
      for (let index = 0; index < 5; index += 1) {
        const instance = index % 2 === 0 ? instanceA : instanceB;
        callers.push(
          (async () => {
            const lease = await instance.sessions.acquire(sessionId, { maxWaiting: 4 });
            inside += 1;
            expect(inside).toBe(1);
            order.push(index);
            await sleep(30);
            inside -= 1;
            await lease.release();
          })(),
        );
        // Two connections give no order between them: let each enqueue land before the next.
        await sleep(10);
      }
      await Promise.all(callers);
      expect(order).toEqual([0, 1, 2, 3, 4]);
    });

    it('counts waiters on every instance against maxWaiting', async () => {
      const [instanceA, instanceB] = await twoInstances();
      const sessionId = `busy-${Date.now()}`;
      const holder = await instanceA.sessions.acquire(sessionId, { maxWaiting: 2 });
      const waiters = [instanceA.sessions.acquire(sessionId, { maxWaiting: 2 }), instanceB.sessions.acquire(sessionId, { maxWaiting: 2 })];
      await sleep(20);
      await expect(instanceB.sessions.acquire(sessionId, { maxWaiting: 2 })).rejects.toMatchObject({ code: 'SESSION_BUSY' });
      await holder.release();
      for (const waiter of waiters) await (await waiter).release();
    });

    it('lets B proceed within about lockTtlMs when the holder on A crashes', async () => {
      const lockTtlMs = 500;
      const [instanceA, instanceB] = await twoInstances({ lockTtlMs });
      const sessionId = `crash-${Date.now()}`;
      const crashed = await instanceA.sessions.acquire(sessionId, { maxWaiting: 4 });
      const started = Date.now();
      const waiting = instanceB.sessions.acquire(sessionId, { maxWaiting: 4 });
      // A stops heartbeating without releasing, as a killed process would.
      await instanceA.close();
      const lease = await waiting;
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(lockTtlMs - 50);
      expect(waited).toBeLessThan(lockTtlMs * 3);
      expect(lease.fence).toBeGreaterThan(crashed.fence);
      await lease.release();
    });

    it('keeps a live holder that outlasts lockTtlMs, thanks to its heartbeat', async () => {
      const lockTtlMs = 300;
      const [instanceA, instanceB] = await twoInstances({ lockTtlMs });
      const sessionId = `heartbeat-${Date.now()}`;
      const holder = await instanceA.sessions.acquire(sessionId, { maxWaiting: 4 });
      const waiting = instanceB.sessions.acquire(sessionId, { maxWaiting: 4 });
      expect(await settlesWithin(waiting, lockTtlMs * 4)).toBe(false);
      await holder.release();
      await (await waiting).release();
    });

    it('cancels from A an answer running on B', async () => {
      const [instanceA, instanceB] = await twoInstances();
      const abort = vi.fn();
      const unregister = instanceB.cancels.register('message-on-b', abort);
      await sleep(20);
      expect(await instanceA.cancels.cancel('message-on-b')).toBe(true);
      await vi.waitFor(() => expect(abort).toHaveBeenCalledWith('cancelled'));
      expect(await instanceA.cancels.cancel('message-nowhere')).toBe(false);
      unregister();
      await sleep(20);
      expect(await instanceA.cancels.cancel('message-on-b')).toBe(false);
    });

    it('answers false when the instance that ran the answer is gone', async () => {
      const [instanceA, instanceB] = await twoInstances();
      instanceB.cancels.register('message-orphan', () => undefined);
      await sleep(20);
      await instanceB.close();
      expect(await instanceA.cancels.cancel('message-orphan')).toBe(false);
    });

    it('delivers a revocation from A to listeners on A and B, once each', async () => {
      const [instanceA, instanceB] = await twoInstances();
      const heardOnA = vi.fn();
      const heardOnB = vi.fn();
      instanceA.revocations.onUserChanged(heardOnA);
      instanceB.revocations.onUserChanged(heardOnB);
      await instanceA.revocations.publishUserChanged('user-gone');
      await vi.waitFor(() => expect(heardOnB).toHaveBeenCalledWith('user-gone'));
      await sleep(50);
      expect(heardOnA).toHaveBeenCalledTimes(1);
      expect(heardOnB).toHaveBeenCalledTimes(1);
    });

    it('shares a rate limit between instances', async () => {
      const [instanceA, instanceB] = await twoInstances();
      const key = `shared-${Date.now()}`;
      expect((await instanceA.rateLimiter.hit(key, 3, 10_000)).remaining).toBe(2);
      expect((await instanceB.rateLimiter.hit(key, 3, 10_000)).remaining).toBe(1);
      expect((await instanceA.rateLimiter.hit(key, 3, 10_000)).allowed).toBe(true);
      expect((await instanceB.rateLimiter.hit(key, 3, 10_000)).allowed).toBe(false);
    });

    it('leaves no session keys behind once a session is idle', async () => {
      const [instanceA, instanceB] = await twoInstances();
      const sessionId = `idle-${Date.now()}`;
      const holder = await instanceA.sessions.acquire(sessionId, { maxWaiting: 4 });
      const waiter = instanceB.sessions.acquire(sessionId, { maxWaiting: 4 });
      await sleep(20);
      expect(await countKeys(redisUrl, `${keyPrefix}session:{${sessionId}}*`)).toBe(2);
      await holder.release();
      await (await waiter).release();
      expect(await countKeys(redisUrl, `${keyPrefix}session:{${sessionId}}*`)).toBe(0);
    });
  });

  describe('when Redis is unreachable', () => {
    it('fails fast with UNAVAILABLE when nothing listens at the URL', async () => {
      const started = Date.now();
      const error = await createRedisCoordination({ url: 'redis://127.0.0.1:1', keyPrefix, connectTimeoutMs: 500 }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'UNAVAILABLE', status: 503, retryAfter: 1 });
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('fails calls fast during an outage and recovers by itself afterwards', async () => {
      const proxy = new BreakableProxy(redisUrl);
      await proxy.start();
      const coordination = await createRedisCoordination({ url: proxy.url, keyPrefix, onError: quiet, lockTtlMs: 1_000 });
      try {
        const key = `outage-${Date.now()}`;
        expect((await coordination.rateLimiter.hit(key, 10, 60_000)).remaining).toBe(9);

        await proxy.stop();
        await sleep(50);
        const started = Date.now();
        for (const call of [
          () => coordination.rateLimiter.hit(key, 10, 60_000),
          () => coordination.sessions.acquire(`outage-session-${Date.now()}`, { maxWaiting: 4 }),
          () => coordination.cancels.cancel('message-somewhere'),
          () => coordination.revocations.publishUserChanged('user-x'),
        ]) {
          await expect(call()).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503, retryAfter: 1 });
        }
        expect(Date.now() - started).toBeLessThan(1_000);
        expect(await coordination.ping()).toBe(false);

        await proxy.start();
        await vi.waitFor(async () => expect(await coordination.ping()).toBe(true), { timeout: 8_000, interval: 100 });
        expect((await coordination.rateLimiter.hit(key, 10, 60_000)).remaining).toBe(8);
        const lease = await coordination.sessions.acquire(`recovered-${Date.now()}`, { maxWaiting: 4 });
        await lease.release();
        // The subscriber resubscribed: a revocation from another instance is heard again.
        const other = await createRedisCoordination({ url: redisUrl, keyPrefix, onError: quiet });
        const heard = vi.fn();
        coordination.revocations.onUserChanged(heard);
        await other.revocations.publishUserChanged('user-after-outage');
        await vi.waitFor(() => expect(heard).toHaveBeenCalledWith('user-after-outage'));
        await other.close();
      } finally {
        await coordination.close();
        await proxy.stop();
      }
    });
  });
});
