/** Users. Emails are stored lower-case so that lookups are exact and index-backed. */
import type { Database } from 'better-sqlite3';
import { lazy, type SynchronousStore } from './repository.ts';
import { toUser, type UserRow } from './rows.ts';

type UserMethods = Pick<
  SynchronousStore,
  'createUser' | 'getUser' | 'getUserByEmail' | 'listUsers' | 'deleteUser' | 'setPasswordHash' | 'setUserRole' | 'countUsers'
>;

/** JavaScript's Unicode-aware lower-casing, done here rather than in SQL so both backends agree. */
export function normalizeEmail(email: string): string {
  return email.toLowerCase();
}

export function createUserRepository(database: Database): UserMethods {
  const statements = lazy(() => ({
    insert: database.prepare(
      `INSERT INTO users (id, workspace_id, email, password_hash, role, created_at, deleted_at)
       VALUES (@id, @workspaceId, @email, @passwordHash, @role, @now, NULL) RETURNING *`,
    ),
    byId: database.prepare<[string]>('SELECT * FROM users WHERE id = ?'),
    byEmail: database.prepare<[string]>('SELECT * FROM users WHERE email = ? AND deleted_at IS NULL'),
    // Deleted users are not listed: the list is the workspace's current members.
    page: database.prepare<[string, number, number]>(
      `SELECT * FROM users WHERE workspace_id = ? AND deleted_at IS NULL
       ORDER BY created_at, id LIMIT ? OFFSET ?`,
    ),
    count: database.prepare<[string]>('SELECT COUNT(*) FROM users WHERE workspace_id = ? AND deleted_at IS NULL').pluck(),
    countAll: database.prepare('SELECT COUNT(*) FROM users WHERE deleted_at IS NULL').pluck(),
    markDeleted: database.prepare<[number, string, string]>(
      'UPDATE users SET deleted_at = ? WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL',
    ),
    setPasswordHash: database.prepare<[string, string, string]>(
      'UPDATE users SET password_hash = ? WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL',
    ),
    replacePasswordHash: database.prepare<[string, string, string, string]>(
      'UPDATE users SET password_hash = ? WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL AND password_hash = ?',
    ),
    setRole: database.prepare<[string, string, string]>('UPDATE users SET role = ? WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL'),
    isAdmin: database.prepare<[string, string]>("SELECT 1 FROM users WHERE id = ? AND workspace_id = ? AND role = 'admin' AND deleted_at IS NULL").pluck(),
  }));

  // The admin check and the change in one IMMEDIATE transaction: the write lock is taken first,
  // so another process's change of the same workspace is either wholly before or wholly after.
  const asAdmin = (byAdmin: string | undefined, workspaceId: string, change: () => boolean): boolean => {
    if (byAdmin === undefined) return change();
    return database.transaction(() => statements().isAdmin.get(byAdmin, workspaceId) !== undefined && change()).immediate();
  };

  return {
    createUser(input) {
      const row = statements().insert.get({
        id: input.id,
        workspaceId: input.workspaceId,
        email: normalizeEmail(input.email),
        passwordHash: input.passwordHash,
        role: input.role,
        now: input.now.getTime(),
      }) as UserRow;
      return toUser(row);
    },
    getUser(id) {
      const row = statements().byId.get(id) as UserRow | undefined;
      return row && toUser(row);
    },
    getUserByEmail(email) {
      const row = statements().byEmail.get(normalizeEmail(email)) as UserRow | undefined;
      return row && toUser(row);
    },
    listUsers(workspaceId, limit, offset) {
      const rows = statements().page.all(workspaceId, limit, offset) as UserRow[];
      return { data: rows.map(toUser), total: statements().count.get(workspaceId) as number };
    },
    deleteUser(workspaceId, id, now, byAdmin) {
      return asAdmin(byAdmin, workspaceId, () => statements().markDeleted.run(now.getTime(), id, workspaceId).changes === 1);
    },
    setPasswordHash(workspaceId, id, passwordHash, previousHash) {
      if (previousHash !== undefined) return statements().replacePasswordHash.run(passwordHash, id, workspaceId, previousHash).changes === 1;
      return statements().setPasswordHash.run(passwordHash, id, workspaceId).changes === 1;
    },
    setUserRole(workspaceId, id, role, byAdmin) {
      return asAdmin(byAdmin, workspaceId, () => statements().setRole.run(role, id, workspaceId).changes === 1);
    },
    // Users that can log in: when none is left, start-up creates the first admin again.
    countUsers() {
      return statements().countAll.get() as number;
    },
  };
}
