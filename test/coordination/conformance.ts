/**
 * The behaviour every coordination backend must share, run once per backend (memory, Redis) so
 * that a single-instance deployment and a scaled-out one cannot drift apart.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Coordination, SessionLease } from '../../src/coordination/index.ts';
import { AppError } from '../../src/errors.ts';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles within `ms`? Used to assert that a waiter is still waiting. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return settled;
}

export function runCoordinationConformance(name: string, make: () => Promise<Coordination>): void {
  describe(`coordination conformance: ${name}`, () => {
    const opened: Coordination[] = [];
    const open = async (): Promise<Coordination> => {
      const coordination = await make();
      opened.push(coordination);
      return coordination;
    };
    let sessionCounter = 0;
    const newSessionId = (): string => `session-${Date.now()}-${++sessionCounter}`;

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((coordination) => coordination.close()));
    });

    describe('session queue', () => {
      it('grants the session to concurrent callers one at a time, in arrival order, with growing fences', async () => {
        const { sessions } = await open();
        const sessionId = newSessionId();
        const order: number[] = [];
        const fences: number[] = [];
        let inside = 0;
        const callers = [0, 1, 2, 3, 4].map(async (index) => {
          const lease = await sessions.acquire(sessionId, { maxWaiting: 4 });
          inside += 1;
          expect(inside).toBe(1);
          order.push(index);
          fences.push(lease.fence);
          await sleep(15);
          inside -= 1;
          await lease.release();
        });
        await Promise.all(callers);
        expect(order).toEqual([0, 1, 2, 3, 4]);
        for (let index = 1; index < fences.length; index += 1) expect(fences[index]).toBeGreaterThan(fences[index - 1]);
      });

      it('refuses a sixth caller with SESSION_BUSY and admits again once one has finished', async () => {
        const { sessions } = await open();
        const sessionId = newSessionId();
        const holder = await sessions.acquire(sessionId, { maxWaiting: 4 });
        const waiting = [1, 2, 3, 4].map(() => sessions.acquire(sessionId, { maxWaiting: 4 }));
        const refused = await sessions.acquire(sessionId, { maxWaiting: 4 }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(AppError);
        expect((refused as AppError).code).toBe('SESSION_BUSY');
        expect((refused as AppError).status).toBe(409);
        expect((refused as AppError).message).toMatch(/session/i);

        await holder.release();
        const next = await waiting[0];
        const admitted = sessions.acquire(sessionId, { maxWaiting: 4 });
        const leases: SessionLease[] = [next];
        await next.release();
        for (const lease of waiting.slice(1)) {
          const granted = await lease;
          leases.push(granted);
          await granted.release();
        }
        const last = await admitted;
        expect(last.fence).toBeGreaterThan(leases[leases.length - 1].fence);
        await last.release();
      });

      it('treats maxWaiting 0 as "only the holder"', async () => {
        const { sessions } = await open();
        const sessionId = newSessionId();
        const holder = await sessions.acquire(sessionId, { maxWaiting: 0 });
        await expect(sessions.acquire(sessionId, { maxWaiting: 0 })).rejects.toMatchObject({ code: 'SESSION_BUSY' });
        await holder.release();
        await (await sessions.acquire(sessionId, { maxWaiting: 0 })).release();
      });

      it('rejects with the signal reason on abort while waiting, and frees the place', async () => {
        const { sessions } = await open();
        const sessionId = newSessionId();
        const holder = await sessions.acquire(sessionId, { maxWaiting: 1 });
        const controller = new AbortController();
        const waiter = sessions.acquire(sessionId, { maxWaiting: 1, signal: controller.signal });
        await sleep(20);
        const reason = new Error('client went away');
        controller.abort(reason);
        await expect(waiter).rejects.toBe(reason);

        // The aborted caller no longer counts against maxWaiting and never gets the session.
        const nextWaiter = sessions.acquire(sessionId, { maxWaiting: 1 });
        await holder.release();
        const next = await nextWaiter;
        expect(next.fence).toBeGreaterThan(holder.fence);
        await next.release();
      });

      it('rejects at once when the signal is already aborted', async () => {
        const { sessions } = await open();
        const reason = new Error('too late');
        await expect(sessions.acquire(newSessionId(), { maxWaiting: 4, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      });

      it('makes release idempotent: a double release lets in one waiter, not two', async () => {
        const { sessions } = await open();
        const sessionId = newSessionId();
        const holder = await sessions.acquire(sessionId, { maxWaiting: 4 });
        const second = sessions.acquire(sessionId, { maxWaiting: 4 });
        await sleep(10);
        const third = sessions.acquire(sessionId, { maxWaiting: 4 });
        await holder.release();
        await holder.release();
        const secondLease = await second;
        expect(await settlesWithin(third, 150)).toBe(false);
        await secondLease.release();
        await secondLease.release();
        await (await third).release();
      });

      it('keeps different sessions independent', async () => {
        const { sessions } = await open();
        const first = await sessions.acquire(newSessionId(), { maxWaiting: 0 });
        const second = await sessions.acquire(newSessionId(), { maxWaiting: 0 });
        await first.release();
        await second.release();
      });

      it('grants a session again after it went idle, with a higher fence', async () => {
        const { sessions } = await open();
        const sessionId = newSessionId();
        const first = await sessions.acquire(sessionId, { maxWaiting: 4 });
        await first.release();
        const second = await sessions.acquire(sessionId, { maxWaiting: 4 });
        expect(second.fence).toBeGreaterThan(first.fence);
        await second.release();
      });
    });

    describe('rate limiter', () => {
      it('counts hits in a fixed window and refuses past the limit', async () => {
        const { rateLimiter } = await open();
        const key = `user-${newSessionId()}`;
        const decisions = [];
        for (let hit = 0; hit < 4; hit += 1) decisions.push(await rateLimiter.hit(key, 3, 10_000));
        expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
        expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
        for (const decision of decisions) {
          expect(decision.limit).toBe(3);
          expect(decision.resetMs).toBeGreaterThan(0);
          expect(decision.resetMs).toBeLessThanOrEqual(10_000);
        }
        // Another key has its own window.
        expect((await rateLimiter.hit(`${key}-other`, 3, 10_000)).remaining).toBe(2);
      });

      it('treats limit 0 as no limit', async () => {
        const { rateLimiter } = await open();
        const key = `unlimited-${newSessionId()}`;
        for (let hit = 0; hit < 20; hit += 1) expect((await rateLimiter.hit(key, 0, 1_000)).allowed).toBe(true);
      });

      it('starts a fresh window after windowMs', async () => {
        const { rateLimiter } = await open();
        const key = `window-${newSessionId()}`;
        expect((await rateLimiter.hit(key, 1, 100)).allowed).toBe(true);
        expect((await rateLimiter.hit(key, 1, 100)).allowed).toBe(false);
        await sleep(150);
        const fresh = await rateLimiter.hit(key, 1, 100);
        expect(fresh).toMatchObject({ allowed: true, remaining: 0 });
      });
    });

    describe('cancel bus', () => {
      it('cancels a registered answer, and answers false for unknown or finished ones', async () => {
        const { cancels } = await open();
        const abort = vi.fn();
        const unregister = cancels.register('message-1', abort);
        expect(await cancels.cancel('message-1')).toBe(true);
        expect(abort).toHaveBeenCalledTimes(1);
        expect(typeof abort.mock.calls[0][0]).toBe('string');
        expect(await cancels.cancel('message-unknown')).toBe(false);
        unregister();
        unregister();
        await sleep(20);
        expect(await cancels.cancel('message-1')).toBe(false);
        expect(abort).toHaveBeenCalledTimes(1);
      });
    });

    describe('revocation bus', () => {
      it('tells every listener once, and no longer after it unsubscribed', async () => {
        const { revocations } = await open();
        const first = vi.fn();
        const second = vi.fn();
        const stopFirst = revocations.onUserChanged(first);
        revocations.onUserChanged(second);
        await revocations.publishUserChanged('user-1');
        await vi.waitFor(() => expect(second).toHaveBeenCalledWith('user-1'));
        await sleep(50);
        expect(first).toHaveBeenCalledTimes(1);
        expect(second).toHaveBeenCalledTimes(1);

        stopFirst();
        await revocations.publishUserChanged('user-2');
        await vi.waitFor(() => expect(second).toHaveBeenCalledWith('user-2'));
        expect(first).toHaveBeenCalledTimes(1);
      });

      it('keeps telling the other listeners when one throws', async () => {
        const coordination = await open();
        const after = vi.fn();
        coordination.revocations.onUserChanged(() => {
          throw new Error('listener bug');
        });
        coordination.revocations.onUserChanged(after);
        await coordination.revocations.publishUserChanged('user-3');
        await vi.waitFor(() => expect(after).toHaveBeenCalledWith('user-3'));
      });
    });

    it('pings true while open and false once closed', async () => {
      const coordination = await make();
      expect(await coordination.ping()).toBe(true);
      await coordination.close();
      expect(await coordination.ping()).toBe(false);
    });
  });
}
