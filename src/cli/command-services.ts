/**
 * What a command opens for its work, and closes after: the accounts (store and auth) for the
 * commands that manage users and tokens, every service for `route`. Neither connects to Redis:
 * a command runs no chat turn and deletes no user, so it has nothing to agree on with other
 * instances, and an unreachable REDIS_URL must not stop it (only `serve` connects).
 */
import { randomBytes } from 'node:crypto';
import { AuthService } from '../auth/auth-service.ts';
import { TokenSigner } from '../auth/tokens.ts';
import { createStore, resolveJwtSecret } from '../bootstrap.ts';
import type { Config, Settings } from '../config/types.ts';
import { createMemoryCoordination } from '../coordination/memory/index.ts';
import { createServices, type Services } from '../services.ts';
import type { Store } from '../store/store.ts';

export const warn = (message: string) => process.stderr.write(`warning: ${message}\n`);

export interface Accounts {
  store: Store;
  auth: AuthService;
}

/** The store (migrated) and the auth service, from the environment's settings alone. */
export async function withAccounts<T>(settings: Settings, work: (accounts: Accounts) => Promise<T>): Promise<T> {
  const store = await createStore(settings);
  // The in-process bus: these commands publish no deletion, and the process ends with them.
  const coordination = createMemoryCoordination();
  try {
    await store.migrate();
    const signer = new TokenSigner(resolveJwtSecret(settings, warn), settings.jwtTtlSeconds);
    return await work({ store, auth: new AuthService({ store, signer, revocations: coordination.revocations }) });
  } finally {
    await coordination.close();
    await store.close();
  }
}

/** The store (migrated) and every service, for a command that uses the fleet but no token. */
export async function withServices<T>(config: Config, work: (services: Services) => Promise<T>): Promise<T> {
  const store = await createStore(config);
  const coordination = createMemoryCoordination();
  try {
    await store.migrate();
    // `route`, its one user, signs and verifies no token: a key of its own spares it JWT_SECRET
    // (required on PostgreSQL) and the generated key file.
    const jwtSecret = config.jwtSecret ?? randomBytes(32).toString('base64url');
    return await work(createServices({ config, store, coordination, jwtSecret }));
  } finally {
    await coordination.close();
    await store.close();
  }
}
