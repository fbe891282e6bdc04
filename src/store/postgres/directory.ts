import { isUuid } from '../../ids.ts';
import type { Page, Role, Store, User, Workspace } from '../store.ts';
import type { Database } from './connection.ts';
import { toNumber, toUser, toWorkspace, type UserRow, type WorkspaceRow } from './rows.ts';

/** Workspaces and users: the tenants and the people who sign in. */
export type DirectoryMethods = Pick<
  Store,
  | 'createWorkspace'
  | 'getWorkspace'
  | 'getWorkspaceByName'
  | 'listWorkspaceIds'
  | 'setDefaultAgent'
  | 'countUsers'
  | 'createUser'
  | 'getUser'
  | 'getUserByEmail'
  | 'listUsers'
  | 'deleteUser'
  | 'setPasswordHash'
  | 'setUserRole'
>;

export function createDirectoryMethods(database: Database): DirectoryMethods {
  return {
    async createWorkspace(input): Promise<Workspace> {
      const result = await database.query<WorkspaceRow>({
        text: 'INSERT INTO workspaces (id, name, default_agent_id, created_at) VALUES ($1, $2, NULL, $3) RETURNING *',
        values: [input.id, input.name, input.now],
      });
      return toWorkspace(result.rows[0]);
    },

    async getWorkspace(id) {
      if (!isUuid(id)) return undefined;
      const result = await database.query<WorkspaceRow>({ name: 'workspace_by_id', text: 'SELECT * FROM workspaces WHERE id = $1', values: [id] });
      return result.rows[0] ? toWorkspace(result.rows[0]) : undefined;
    },

    async getWorkspaceByName(name) {
      const result = await database.query<WorkspaceRow>({ text: 'SELECT * FROM workspaces WHERE name = $1', values: [name] });
      return result.rows[0] ? toWorkspace(result.rows[0]) : undefined;
    },

    async listWorkspaceIds() {
      const result = await database.query<{ id: string }>({ text: 'SELECT id FROM workspaces ORDER BY created_at, id' });
      return result.rows.map((row) => row.id);
    },

    async setDefaultAgent(workspaceId, agentId) {
      await database.query({ text: 'UPDATE workspaces SET default_agent_id = $2 WHERE id = $1', values: [workspaceId, agentId] });
    },

    async countUsers() {
      const result = await database.query<{ count: string }>({ text: 'SELECT count(*) AS count FROM users WHERE deleted_at IS NULL' });
      return toNumber(result.rows[0]?.count);
    },

    async createUser(input: { id: string; workspaceId: string; email: string; passwordHash: string; role: Role; now: Date }): Promise<User> {
      const result = await database.query<UserRow>({
        text: `INSERT INTO users (id, workspace_id, email, password_hash, role, created_at, deleted_at)
               VALUES ($1, $2, $3, $4, $5, $6, NULL) RETURNING *`,
        values: [input.id, input.workspaceId, normalizeEmail(input.email), input.passwordHash, input.role, input.now],
      });
      return toUser(result.rows[0]);
    },

    async getUser(id) {
      if (!isUuid(id)) return undefined;
      // Every authenticated request resolves its user: prepared once per connection.
      const result = await database.query<UserRow>({ name: 'user_by_id', text: 'SELECT * FROM users WHERE id = $1', values: [id] });
      return result.rows[0] ? toUser(result.rows[0]) : undefined;
    },

    async getUserByEmail(email) {
      const result = await database.query<UserRow>({
        name: 'user_by_email',
        text: 'SELECT * FROM users WHERE email = $1 AND deleted_at IS NULL',
        values: [normalizeEmail(email)],
      });
      return result.rows[0] ? toUser(result.rows[0]) : undefined;
    },

    async listUsers(workspaceId, limit, offset): Promise<Page<User>> {
      if (!isUuid(workspaceId)) return { data: [], total: 0 };
      const result = await database.query<UserRow & { total: string }>({
        text: `SELECT *, count(*) OVER () AS total FROM users
               WHERE workspace_id = $1 AND deleted_at IS NULL
               ORDER BY created_at, id LIMIT $2 OFFSET $3`,
        values: [workspaceId, limit, offset],
      });
      return { data: result.rows.map(toUser), total: await totalOf(result.rows, () => countWorkspaceUsers(database, workspaceId)) };
    },

    deleteUser: (workspaceId, id, now, byAdmin) => updateLiveUser(database, workspaceId, id, 'deleted_at', now, { byAdmin }),
    setPasswordHash: (workspaceId, id, passwordHash, previousHash) => updateLiveUser(database, workspaceId, id, 'password_hash', passwordHash, { previousHash }),
    setUserRole: (workspaceId, id, role, byAdmin) => updateLiveUser(database, workspaceId, id, 'role', role, { byAdmin }),
  };
}

/**
 * Sets one column of a user that is not deleted; false when absent, deleted, or of another
 * workspace, or when `previousHash` is given and the stored password hash is no longer it, or
 * when `byAdmin` is given and that user is not a live admin of the workspace.
 */
async function updateLiveUser(
  database: Database,
  workspaceId: string,
  id: string,
  column: 'deleted_at' | 'password_hash' | 'role',
  value: unknown,
  only: { previousHash?: string; byAdmin?: string } = {},
): Promise<boolean> {
  if (!isUuid(workspaceId) || !isUuid(id)) return false;
  const { previousHash, byAdmin } = only;
  const update = {
    text: `UPDATE users SET ${column} = $3 WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL${previousHash === undefined ? '' : ' AND password_hash = $4'}`,
    values: previousHash === undefined ? [workspaceId, id, value] : [workspaceId, id, value, previousHash],
  };
  if (byAdmin === undefined) return (await database.query(update)).rowCount > 0;
  if (!isUuid(byAdmin)) return false;
  return database.transaction(async (client) => {
    // Changes by admins of one workspace take turns on its row; each then reads, in a statement
    // of its own (a new snapshot under READ COMMITTED), whether its admin is still one: two
    // admins demoting or deleting each other at once cannot both succeed.
    await client.query({ text: 'SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE', values: [workspaceId] });
    const admin = await client.query({ text: "SELECT 1 FROM users WHERE id = $1 AND workspace_id = $2 AND role = 'admin' AND deleted_at IS NULL", values: [byAdmin, workspaceId] });
    if (admin.rowCount === 0) return false;
    return (await client.query(update)).rowCount > 0;
  });
}

/** Trimmed and lower-cased by JavaScript, not SQL lower(), so both stores fold alike. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

async function countWorkspaceUsers(database: Database, workspaceId: string): Promise<number> {
  const result = await database.query<{ count: string }>({
    text: 'SELECT count(*) AS count FROM users WHERE workspace_id = $1 AND deleted_at IS NULL',
    values: [workspaceId],
  });
  return toNumber(result.rows[0]?.count);
}

/**
 * The total of a page read with `count(*) OVER ()`: on the rows when there are any; a page past
 * the end has no rows to carry it, so only then is it counted apart.
 */
export async function totalOf(rows: { total: string }[], countApart: () => Promise<number>): Promise<number> {
  return rows.length > 0 ? toNumber(rows[0].total) : countApart();
}
