import { DEFAULT_WORKSPACE, ensureWorkspace, syncFleet } from '../agents/fleet-sync.ts';
import { generatePassword } from '../auth/password.ts';
import { createStore } from '../bootstrap.ts';
import { quoteValue } from '../config/config-error.ts';
import { createMessageRouter } from '../chat/route-message.ts';
import type { RoutingSettings } from '../config/types.ts';
import { formatDecision, type RoutingDecision } from '../routing/index.ts';
import { workspaceUsers, type Role, type Store } from '../store/store.ts';
import { UsageError, type Command } from './command.ts';
import { warn, withAccounts, withServices } from './command-services.ts';
import { readEmail, readTokenLifetime, readWorkspaceName } from './config-rules.ts';

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} is required`);
  return value;
}

/** Workspace names differ in more than case, as agent names do: "Default" beside "default" would be a trap. */
async function workspaceInAnyCase(store: Store, name: string) {
  for (const id of await store.listWorkspaceIds()) {
    const workspace = await store.getWorkspace(id);
    if (workspace && workspace.name.toLowerCase() === name.toLowerCase()) return workspace;
  }
  return undefined;
}

/** The user with that email (the stores compare emails lower-cased), or a usage error naming it. */
async function userWithEmail(store: Store, email: string) {
  const user = await store.getUserByEmail(email);
  if (!user) throw new UsageError(`no user with email ${email}`);
  return user;
}

async function workspaceNamed(store: Store, name: string) {
  const workspace = await store.getWorkspaceByName(name);
  if (!workspace) throw new UsageError(`no workspace named "${name}"; create it with "fleetchat workspace add ${name} …"`);
  return workspace;
}

export const migrateCommand: Command = {
  usage: 'migrate',
  summary: 'Bring the store\'s schema up to date (serve does it too)',
  options: {},
  async run({ settings }) {
    const store = await createStore(settings());
    try {
      await store.migrate();
      process.stdout.write(`${store.kind} schema is up to date\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

export const userAddCommand: Command = {
  usage: 'user add --email E --password P [--role admin|member] [--workspace NAME]',
  summary: 'Create a user',
  options: {
    email: { type: 'string', description: 'the login email' } as never,
    password: { type: 'string', description: 'at least 12 characters' } as never,
    role: { type: 'string', description: 'admin or member (default member)' } as never,
    workspace: { type: 'string', description: `workspace name (default "${DEFAULT_WORKSPACE}")` } as never,
  },
  async run({ values, settings }) {
    const role = readRole(values.role ?? 'member');
    const email = readEmail('--email', required(values, 'email'));
    const password = required(values, 'password');
    return withAccounts(settings(), async ({ store, auth }) => {
      const workspace = values.workspace ? await workspaceNamed(store, values.workspace as string) : await ensureWorkspace(store, DEFAULT_WORKSPACE);
      const user = await auth.createUser({ workspaceId: workspace.id, email, password, role });
      process.stdout.write(`created ${user.role} ${user.email} (${user.id}) in workspace ${workspace.name}\n`);
      return 0;
    });
  },
};

/** --role as user add and user role take it. */
function readRole(value: unknown): Role {
  if (value !== 'admin' && value !== 'member') throw new UsageError('--role must be admin or member');
  return value;
}

export const userListCommand: Command = {
  usage: 'user list [--workspace NAME]',
  summary: 'List the users of a workspace: email, role, id, creation time',
  options: { workspace: { type: 'string', description: `workspace name (default "${DEFAULT_WORKSPACE}")` } as never },
  async run({ values, settings }) {
    return withAccounts(settings(), async ({ store }) => {
      const workspace = await workspaceNamed(store, (values.workspace as string | undefined) ?? DEFAULT_WORKSPACE);
      let count = 0;
      for await (const user of workspaceUsers(store, workspace.id)) {
        process.stdout.write(`${user.email}\t${user.role}\t${user.id}\t${user.createdAt.toISOString()}\n`);
        count += 1;
      }
      process.stderr.write(`${count} user(s) in workspace ${workspace.name}\n`);
      return 0;
    });
  },
};

export const userRoleCommand: Command = {
  usage: 'user role --email E --role admin|member',
  summary: 'Make a user an admin or a member of its workspace (e.g. a workspace left without an admin)',
  options: {
    email: { type: 'string', description: 'the user\'s email' } as never,
    role: { type: 'string', description: 'admin or member' } as never,
  },
  async run({ values, settings }) {
    const email = readEmail('--email', required(values, 'email'));
    const role = readRole(required(values, 'role'));
    return withAccounts(settings(), async ({ store }) => {
      const user = await userWithEmail(store, email);
      if (!(await store.setUserRole(user.workspaceId, user.id, role))) throw new UsageError(`no user with email ${email}`);
      // Servers read roles from the store: they apply it within their 5-second user cache.
      process.stdout.write(`${user.email} is now ${role}\n`);
      return 0;
    });
  },
};

export const userPasswordCommand: Command = {
  usage: 'user password --email E [--password P]',
  summary: 'Set a user\'s password (a new one is generated and printed without --password)',
  options: {
    email: { type: 'string', description: 'the user\'s email' } as never,
    password: { type: 'string', description: 'at least 12 characters (default: generated)' } as never,
  },
  async run({ values, settings }) {
    const email = readEmail('--email', required(values, 'email'));
    const given = values.password as string | undefined;
    if (given === '') throw new UsageError('--password is empty; give one of at least 12 characters, or leave --password out to have one generated');
    const password = given ?? generatePassword();
    return withAccounts(settings(), async ({ store, auth }) => {
      const user = await userWithEmail(store, email);
      if (!(await auth.resetPassword(user.workspaceId, user.id, password))) throw new UsageError(`no user with email ${email}`);
      process.stdout.write(given === undefined ? `password of ${user.email} set to: ${password}\n` : `password of ${user.email} set\n`);
      return 0;
    });
  },
};

export const workspaceAddCommand: Command = {
  usage: 'workspace add NAME --admin-email E --admin-password P',
  summary: 'Create a workspace with its first admin',
  options: {
    'admin-email': { type: 'string', description: 'the first admin\'s email' } as never,
    'admin-password': { type: 'string', description: 'at least 12 characters' } as never,
  },
  maxPositionals: 1,
  async run({ values, positionals, settings }) {
    const name = readWorkspaceName('NAME', positionals[0]);
    const email = readEmail('--admin-email', required(values, 'admin-email'));
    const password = required(values, 'admin-password');
    return withAccounts(settings(), async ({ store, auth }) => {
      const existing = await workspaceInAnyCase(store, name);
      if (existing) throw new UsageError(`a workspace named ${quoteValue(existing.name)} already exists (names are unique, whatever the case)`);
      const workspace = await ensureWorkspace(store, name);
      await auth.createUser({ workspaceId: workspace.id, email, password, role: 'admin' });
      process.stdout.write(`created workspace ${name} (${workspace.id}) with admin ${email}\n`);
      return 0;
    });
  },
};

export const tokenCommand: Command = {
  usage: 'token --email E [--ttl 1h]',
  summary: 'Print a JWT for that user (for scripts and the WebSocket)',
  options: {
    email: { type: 'string', description: 'the user\'s email' } as never,
    ttl: { type: 'string', description: 'lifetime: 30m, 1h, 7d … (default JWT_TTL)' } as never,
  },
  async run({ values, settings }) {
    const email = required(values, 'email');
    const ttlSeconds = values.ttl === undefined ? undefined : readTokenLifetime('--ttl', values.ttl as string);
    return withAccounts(settings(), async ({ store, auth }) => {
      const user = await userWithEmail(store, email);
      process.stdout.write((await auth.issueToken(user, ttlSeconds)) + '\n');
      return 0;
    });
  },
};

/**
 * What the router read to decide: tuning examples means knowing whether it matched words alone,
 * words and their meaning, or also asked the stronger mode (and whether that failed).
 */
function describeFeatures(routing: RoutingSettings, wordVectors: boolean, failure: unknown): string {
  const words = wordVectors ? 'words and word vectors' : 'words only (no word-vector table: see ROUTING_WORD_VECTORS)';
  const reason = failure instanceof Error ? failure.message : String(failure);
  switch (routing.mode) {
    case 'embedded':
      return words;
    case 'encoder':
      return failure === undefined ? `${words}, blended with the bundled sentence encoder (routing.mode encoder)` : `${words} only: the sentence encoder failed (${reason})`;
    case 'embeddings':
      return failure === undefined
        ? `${words}, blended with ${routing.embeddingsModel} embeddings (routing.mode embeddings)`
        : `${words} only: the embeddings of ${routing.embeddingsModel} failed (${reason})`;
    case 'llm':
      return failure === undefined
        ? `${words}; ${routing.llmModel} chooses when they are unsure (routing.mode llm)`
        : `${words} only: ${routing.llmModel} failed (${reason})`;
  }
}

export const routeCommand: Command = {
  usage: 'route [--workspace NAME] "message"',
  summary: 'Show which agent would answer a message, and the top candidates',
  options: { workspace: { type: 'string', description: `workspace name (default "${DEFAULT_WORKSPACE}")` } as never },
  maxPositionals: Number.POSITIVE_INFINITY,
  async run({ values, positionals, config }) {
    const message = positionals.join(' ').trim();
    if (!message) throw new UsageError('give the message to route, in quotes');
    const settings = config();
    return withServices(settings, async ({ store, agents, registry }) => {
      // The fleet file is the configuration: route as the server would, even before a first start.
      await syncFleet(store, agents, settings.fleet);
      const workspace = await workspaceNamed(store, (values.workspace as string | undefined) ?? DEFAULT_WORKSPACE);
      const snapshot = await agents.routingSnapshot(workspace.id);
      if (snapshot.defaultAgentId === undefined) throw new UsageError('this workspace has no agent that answers');
      // The server's router for routing.mode, so that this is the decision the server would make.
      let failure: unknown;
      const router = createMessageRouter({ config: settings, registry, store, onFallback: (_mode, error) => (failure ??= error), warn });
      let decision: RoutingDecision;
      try {
        try {
          // Encoder mode: the model, then the agents' texts' vectors (read back from the store;
          // embedded, in seconds, only when no server has embedded them yet).
          await router.ready();
          await router.warmUp(snapshot.index);
        } catch (error) {
          failure = error;
        }
        decision = await router.route({ message, context: {}, snapshot, workspaceId: workspace.id });
      } finally {
        await router.close();
      }
      process.stdout.write(`${formatDecision(decision, snapshot.agents)}\nfeatures:   ${describeFeatures(settings.fleet.routing, snapshot.index.wordVectors, failure)}\n`);
      return 0;
    });
  },
};
