/** The heartbeat's token sweep: a bounded number of users a tick, round-robin, one read a user. */
import { describe, expect, it } from 'vitest';
import { createTokenSweep } from '../../src/ws/token-sweep.ts';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createTokenSweep', () => {
  it('checks at most usersPerTick users a tick, then goes on where it stopped, and starts over', async () => {
    const byUser = new Map(['a', 'b', 'c', 'd', 'e'].map((user) => [user, new Set([`${user}1`])]));
    const checked: string[] = [];
    const tick = createTokenSweep(byUser, async (socket: string) => void checked.push(socket), 2);
    tick();
    expect(checked).toEqual(['a1', 'b1']);
    tick();
    expect(checked).toEqual(['a1', 'b1', 'c1', 'd1']);
    // A user who connects meanwhile is reached in the same round.
    byUser.set('f', new Set(['f1']));
    tick();
    expect(checked.slice(4)).toEqual(['e1', 'f1']);
    tick(); // the end of the round: nothing left, the next tick starts over
    tick();
    expect(checked.slice(6)).toEqual(['a1', 'b1']);
  });

  it('checks a user\'s other sockets only after the first (which reads the user), and none after a failure', async () => {
    const byUser = new Map([
      ['ok', new Set(['ok1', 'ok2', 'ok3'])],
      ['broken', new Set(['broken1', 'broken2'])],
    ]);
    const checked: string[] = [];
    const tick = createTokenSweep(
      byUser,
      async (socket: string) => {
        checked.push(socket);
        if (socket === 'broken1') throw new Error('the store is away');
      },
      10,
    );
    tick();
    expect(checked).toEqual(['ok1', 'broken1']);
    await settle();
    expect(checked).toEqual(['ok1', 'broken1', 'ok2', 'ok3']);
  });
});
