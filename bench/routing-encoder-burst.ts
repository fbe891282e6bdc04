/**
 * Encoder mode under a burst: `fleetchat serve` with ROUTING_MODE=encoder (demo fleet, SQLite,
 * mock provider), then bursts of messages sent at once without `agentId`. Reports, per burst, how
 * long until every answer came, the statuses, and how many were routed with the encoder rather
 * than by the embedded router after the encoder's 1 s limit (fleetchat_routing_fallbacks_total).
 *
 *   node --import tsx bench/routing-encoder-burst.ts [--bursts 3] [--size 200]
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { describeMachine, printMachine, printTable } from './support/report.ts';
import { adminEmail, adminPassword, freePort, makeTemporaryFolder, removeFolder, spawnFleetchat, waitUntilHealthy } from './support/server-process.ts';

const { values } = parseArgs({ options: { bursts: { type: 'string', default: '3' }, size: { type: 'string', default: '200' } } });
const bursts = Number(values.bursts);
const size = Number(values.size);
const folder = makeTemporaryFolder('encoder-burst');
const port = await freePort();
const server = spawnFleetchat({ env: { ROUTING_MODE: 'encoder', DATABASE_URL: `sqlite:${path.join(folder, 'fleetchat.db')}` }, port, folder });
try {
  await waitUntilHealthy(server, { timeoutMs: 60_000 });
  // The demo fleet's texts are embedded in the background after the start: wait until their
  // stored vectors have stopped growing, so that the bursts measure routing, not the warm-up.
  const database = new Database(path.join(folder, 'fleetchat.db'), { readonly: true });
  const storedVectors = () => database.prepare('SELECT COUNT(*) FROM routing_vectors').pluck().get() as number;
  for (let last = -1, count = 0; count === 0 || count !== last; await delay(1_000)) {
    last = count;
    count = storedVectors();
  }
  database.close();
  const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: adminEmail, password: adminPassword }) });
  const { token } = (await login.json()) as { token: string };
  const fallbacks = async () => Number(/fleetchat_routing_fallbacks_total\{mode="encoder"\} (\d+)/.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0);
  const messages = ['i need reimbursement for my taxi', 'what new products did the other guys release', 'how much did we spend on cloud last month', 'is anyone scanning our servers', 'good morning, how are you'];
  const rows: Array<Array<string | number>> = [];
  for (let burst = 1; burst <= bursts; burst += 1) {
    const before = await fallbacks();
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: size }, (_, position) =>
        fetch(`${server.url}/api/chat/message`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ message: `${messages[position % messages.length]} (${burst}.${position})` }),
        }).then(async (response) => (await response.arrayBuffer(), response.status)),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const fellBack = (await fallbacks()) - before;
    const ok = statuses.filter((status) => status === 200).length;
    rows.push([burst, size, ok, seconds.toFixed(2), size - fellBack, fellBack]);
  }
  printMachine(describeMachine());
  printTable(['burst', 'sent', '200 OK', 'all answered (s)', 'routed with the encoder', 'by the embedded router (fallback)'], rows);
} finally {
  await server.stop();
  removeFolder(folder);
}
