/**
 * The token `fleetchat chat` signs when it is given none: with this machine's key, for a user of
 * this machine's store. A server accepts it only when it shares both (the local server, or
 * instances sharing JWT_SECRET and a PostgreSQL database); for any other, a token must be given.
 * Whether the server is "remote" is not guessed from its URL (a proxy's name, a ws:// spelling or
 * [::1] may all be the local server): what decides is whether there is anything here to sign with.
 * No database is created on the way, and no schema changed: a chat with another server must not
 * leave a database behind.
 */
import fs from 'node:fs';
import { passwordStamp } from '../auth/auth-service.ts';
import { TokenSigner } from '../auth/tokens.ts';
import { createStore, resolveJwtSecret } from '../bootstrap.ts';
import { redactUrl } from '../config/config-error.ts';
import type { Settings } from '../config/types.ts';
import type { ChatServer } from './chat-server.ts';
import { UsageError } from './command.ts';
import { warn } from './command-services.ts';

/** Long enough for a conversation, short enough not to matter if it leaks from a terminal. */
const chatTokenSeconds = 3600;

/** Why this machine holds no user to sign a token for, or undefined when its store may hold one. */
function missingStore(databaseUrl: string): string | undefined {
  if (databaseUrl === 'sqlite::memory:') return 'DATABASE_URL is sqlite::memory:, which holds no user';
  // The path is absolute: config/ resolved it. Opening a missing file would create it.
  const file = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : undefined;
  if (file !== undefined && !fs.existsSync(file)) return `there is no fleetchat database at ${file} (DATABASE_URL)`;
  // PostgreSQL: the database itself says whether it has the user.
  return undefined;
}

export async function signLocalToken(settings: Settings, email: string, server: ChatServer): Promise<string> {
  const missing = missingStore(settings.databaseUrl);
  if (missing !== undefined) {
    throw new UsageError(
      `a token is needed for the server at ${server.shown}: pass --token or set FLEETCHAT_TOKEN ("fleetchat token --email E" prints one where the server runs); none can be signed here, as ${missing}`,
    );
  }
  const store = await createStore(settings);
  try {
    // Not migrated: the store belongs to a server, which migrates it; this only reads a user.
    const user = await store.getUserByEmail(email.toLowerCase());
    if (!user) {
      throw new UsageError(
        `no user with email ${email} in this machine's database (${redactUrl(settings.databaseUrl)}) to sign a token for: pass --email, or a token for the server at ${server.shown} with --token or FLEETCHAT_TOKEN`,
      );
    }
    // The key after the user: a store with users has had its key kept (or JWT_SECRET set) already.
    const signer = new TokenSigner(resolveJwtSecret(settings, warn), settings.jwtTtlSeconds);
    return (await signer.sign({ userId: user.id, workspaceId: user.workspaceId, role: user.role, passwordStamp: passwordStamp(user), ttlSeconds: chatTokenSeconds })).token;
  } finally {
    await store.close();
  }
}

/** What to say when the server refuses a token signed here: it does not share this machine's key or users. */
export function refusedLocalToken(server: ChatServer, email: string): string {
  return `the server at ${server.shown} refused the token signed here for ${email} (HTTP 401): it does not share this machine's JWT key and database; pass one of its own tokens with --token or FLEETCHAT_TOKEN`;
}
