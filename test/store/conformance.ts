/**
 * The store conformance suite: what every implementation of the Store port must do. Each
 * backend's test file calls `runStoreConformance` with a factory; PostgreSQL runs it against a
 * shared database, so every test makes its own workspace, users and agents with fresh ids and
 * never assumes the database is empty outside of them.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { describeUsers, describeWorkspaces } from './conformance/accounts.ts';
import { describeAgents } from './conformance/agents.ts';
import { describeAnswers } from './conformance/answers.ts';
import { describeHistory } from './conformance/history.ts';
import { describeIdempotency } from './conformance/idempotency.ts';
import { describeMessages } from './conformance/messages.ts';
import { describeLifecycleAndContent } from './conformance/schema-content.ts';
import { describeRoutingVectors } from './conformance/routing-vectors.ts';
import { describeSessions } from './conformance/sessions.ts';
import { describeStats } from './conformance/stats.ts';
import { describeUsage } from './conformance/usage.ts';

export { edgeContents, expectRoundTripOrRefusal } from './conformance/schema-content.ts';

/**
 * Declares the suite. `makeStore` is called once for the whole suite, and the suite runs
 * `migrate()` on what it returns; at the end `cleanup` is called if given (it then owns closing
 * the store), else the store is closed.
 */
export function runStoreConformance(
  name: string,
  makeStore: () => Promise<Store>,
  cleanup?: (store: Store) => Promise<void>,
): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store | undefined;
    const current = (): Store => {
      if (store === undefined) throw new Error('the store was not created (see the beforeAll error)');
      return store;
    };

    beforeAll(async () => {
      store = await makeStore();
      await store.migrate();
    });

    afterAll(async () => {
      if (store === undefined) return;
      if (cleanup) await cleanup(store);
      else await store.close();
    });

    describeLifecycleAndContent(current);
    describeWorkspaces(current);
    describeUsers(current);
    describeAgents(current);
    describeSessions(current);
    describeMessages(current);
    describeAnswers(current);
    describeHistory(current);
    describeIdempotency(current);
    describeUsage(current);
    describeStats(current);
    describeRoutingVectors(current);
  });
}
