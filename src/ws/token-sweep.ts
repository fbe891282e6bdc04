/**
 * Changes no message announced (a password set by `fleetchat user password`, which runs outside
 * any server; a message Redis lost) reach sockets at the heartbeat: each call of the returned
 * function checks the sockets of up to `usersPerTick` users, round-robin over `byUser`, so a
 * tick costs at most that many user lookups however many users are connected. A user's first
 * socket is checked alone (it reads the user); the others then find the user in the cache. A
 * failed check (the store away) keeps the sockets: an outage must not close them all.
 */
export function createTokenSweep<Socket>(byUser: Map<string, Set<Socket>>, check: (socket: Socket) => Promise<unknown>, usersPerTick: number): () => void {
  let users = byUser.keys();
  return () => {
    for (let checked = 0; checked < usersPerTick; checked += 1) {
      const next = users.next();
      if (next.done) {
        users = byUser.keys();
        return;
      }
      const [first, ...others] = byUser.get(next.value) ?? [];
      if (!first) continue;
      check(first).then(
        () => others.forEach((socket) => check(socket).catch(() => undefined)),
        () => undefined,
      );
    }
  };
}
