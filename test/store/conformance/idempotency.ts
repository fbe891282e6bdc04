/** Conformance: idempotency keys. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import { at, type StoreGetter } from './fixtures.ts';

const day = 24 * 60 * 60 * 1000;

export function describeIdempotency(store: StoreGetter): void {
  describe('idempotency', () => {
    // Keys are per user; a fresh user id per test keeps tests apart on a shared database.
    const begin = (userId: string, requestHash: string, now = at(0), key = 'key-1') =>
      store().beginIdempotency({ userId, key, requestHash, now, ttlMs: day });

    it('starts, then reports in progress, then replays the stored answer', async () => {
      const userId = newId();
      expect(await begin(userId, 'hash-a')).toEqual({ outcome: 'started' });
      expect(await begin(userId, 'hash-a', at(1000))).toEqual({ outcome: 'in_progress' });
      const response = { response: 'Hi ✨', nested: { list: [1, 2, 3], none: null } };
      await store().completeIdempotency(userId, 'key-1', 200, response);
      expect(await begin(userId, 'hash-a', at(2000))).toEqual({ outcome: 'done', statusCode: 200, response });
    });

    it('reports a mismatch for another request under the same key, running or done', async () => {
      const userId = newId();
      await begin(userId, 'hash-a');
      expect(await begin(userId, 'hash-b', at(1))).toEqual({ outcome: 'mismatch' });
      await store().completeIdempotency(userId, 'key-1', 409, { error: 'x', code: 'CONFLICT' });
      expect(await begin(userId, 'hash-b', at(2))).toEqual({ outcome: 'mismatch' });
      expect(await begin(userId, 'hash-a', at(3))).toEqual({ outcome: 'done', statusCode: 409, response: { error: 'x', code: 'CONFLICT' } });
    });

    it('replaces an expired record', async () => {
      const userId = newId();
      await begin(userId, 'hash-a', at(0));
      await store().completeIdempotency(userId, 'key-1', 200, { old: true });
      expect(await begin(userId, 'hash-b', at(day + 1))).toEqual({ outcome: 'started' });
      expect(await begin(userId, 'hash-b', at(day + 2))).toEqual({ outcome: 'in_progress' });
      expect(await begin(userId, 'hash-a', at(day + 3))).toEqual({ outcome: 'mismatch' });
    });

    it('forgets a released claim so that a retry runs again', async () => {
      const userId = newId();
      await begin(userId, 'hash-a');
      await store().releaseIdempotency(userId, 'key-1');
      expect(await begin(userId, 'hash-a', at(1))).toEqual({ outcome: 'started' });
    });

    it('keeps keys apart per user and per key', async () => {
      const first = newId();
      const second = newId();
      expect(await begin(first, 'hash-a')).toEqual({ outcome: 'started' });
      expect(await begin(second, 'hash-a')).toEqual({ outcome: 'started' });
      expect(await begin(first, 'hash-a', at(0), 'key-2')).toEqual({ outcome: 'started' });
    });

    it('lets exactly one of several simultaneous claims start', async () => {
      const userId = newId();
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => begin(userId, 'hash-a')));
      expect(outcomes.filter((result) => result.outcome === 'started')).toHaveLength(1);
      expect(outcomes.filter((result) => result.outcome === 'in_progress')).toHaveLength(7);
    });
  });
}
