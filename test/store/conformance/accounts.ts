/** Conformance: workspaces and users. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/ids.ts';
import { StoreConflictError } from '../../../src/store/store.ts';
import { addAgent, addUser, addWorkspace, at, uniqueEmail, uniqueName, type StoreGetter } from './fixtures.ts';

export function describeWorkspaces(store: StoreGetter): void {
  describe('workspaces', () => {
    it('creates and reads a workspace by id and by name', async () => {
      const id = newId();
      const name = uniqueName('Acme');
      const created = await store().createWorkspace({ id, name, now: at(1234) });
      const expected = { id, name, defaultAgentId: null, createdAt: at(1234) };
      expect(created).toEqual(expected);
      expect(await store().getWorkspace(id)).toEqual(expected);
      expect(await store().getWorkspaceByName(name)).toEqual(expected);
    });

    it('answers undefined for an unknown workspace', async () => {
      expect(await store().getWorkspace(newId())).toBeUndefined();
      expect(await store().getWorkspaceByName(uniqueName('missing'))).toBeUndefined();
    });

    it('lists every workspace id, oldest first', async () => {
      const later = newId();
      const earlier = newId();
      await store().createWorkspace({ id: later, name: uniqueName('Later'), now: at(9_000_000) });
      await store().createWorkspace({ id: earlier, name: uniqueName('Earlier'), now: at(8_000_000) });
      const ids = await store().listWorkspaceIds();
      expect(ids).toContain(earlier);
      expect(ids.indexOf(earlier)).toBeLessThan(ids.indexOf(later));
    });

    it('refuses a second workspace with the same name', async () => {
      const first = await addWorkspace(store());
      await expect(store().createWorkspace({ id: newId(), name: first.name, now: at(0) })).rejects.toBeInstanceOf(StoreConflictError);
    });

    it('sets and clears the default agent', async () => {
      const workspace = await addWorkspace(store());
      const agent = await addAgent(store(), workspace.id);
      await store().setDefaultAgent(workspace.id, agent.id);
      expect((await store().getWorkspace(workspace.id))?.defaultAgentId).toBe(agent.id);
      await store().setDefaultAgent(workspace.id, null);
      expect((await store().getWorkspace(workspace.id))?.defaultAgentId).toBeNull();
    });
  });
}

export function describeUsers(store: StoreGetter): void {
  describe('users', () => {
    it('stores the email lower-case and returns every field', async () => {
      const workspace = await addWorkspace(store());
      const id = newId();
      const email = uniqueEmail('Mixed.Case');
      const user = await store().createUser({ id, workspaceId: workspace.id, email: email.toUpperCase(), passwordHash: 'h', role: 'admin', now: at(5) });
      const expected = { id, workspaceId: workspace.id, email: email.toLowerCase(), passwordHash: 'h', role: 'admin', createdAt: at(5), deletedAt: null };
      expect(user).toEqual(expected);
      expect(await store().getUser(id)).toEqual(expected);
      expect(await store().getUserByEmail(email.toUpperCase())).toEqual(expected);
      expect(await store().getUserByEmail(email.toLowerCase())).toEqual(expected);
    });

    it('refuses an email already used, whatever its case and workspace', async () => {
      const workspace = await addWorkspace(store());
      const other = await addWorkspace(store());
      const user = await addUser(store(), workspace.id);
      const again = (workspaceId: string) =>
        store().createUser({ id: newId(), workspaceId, email: user.email.toUpperCase(), passwordHash: 'h', role: 'member', now: at(0) });
      await expect(again(workspace.id)).rejects.toBeInstanceOf(StoreConflictError);
      await expect(again(other.id)).rejects.toBeInstanceOf(StoreConflictError);
    });

    it('answers undefined for unknown users', async () => {
      expect(await store().getUser(newId())).toBeUndefined();
      expect(await store().getUserByEmail(uniqueEmail())).toBeUndefined();
    });

    it('deletes a user: still readable by id, not by email, and its email is free again', async () => {
      const workspace = await addWorkspace(store());
      const user = await addUser(store(), workspace.id);
      expect(await store().deleteUser(workspace.id, user.id, at(99))).toBe(true);
      expect((await store().getUser(user.id))?.deletedAt).toEqual(at(99));
      expect(await store().getUserByEmail(user.email)).toBeUndefined();
      expect(await store().deleteUser(workspace.id, user.id, at(100))).toBe(false);
      expect((await store().getUser(user.id))?.deletedAt).toEqual(at(99));

      const successor = await store().createUser({ id: newId(), workspaceId: workspace.id, email: user.email, passwordHash: 'h2', role: 'member', now: at(101) });
      expect((await store().getUserByEmail(user.email))?.id).toBe(successor.id);
    });

    it('does not delete a user of another workspace, nor an unknown one', async () => {
      const workspace = await addWorkspace(store());
      const other = await addWorkspace(store());
      const user = await addUser(store(), workspace.id);
      expect(await store().deleteUser(other.id, user.id, at(1))).toBe(false);
      expect(await store().deleteUser(workspace.id, newId(), at(1))).toBe(false);
      expect((await store().getUser(user.id))?.deletedAt).toBeNull();
    });

    it('replaces the password hash of a live user of the workspace, and of no other', async () => {
      const workspace = await addWorkspace(store());
      const other = await addWorkspace(store());
      const user = await addUser(store(), workspace.id);
      const before = await store().getUser(user.id);
      expect(await store().setPasswordHash(workspace.id, user.id, 'new-hash')).toBe(true);
      expect(await store().getUser(user.id)).toEqual({ ...before, passwordHash: 'new-hash' });
      expect((await store().getUserByEmail(user.email))?.passwordHash).toBe('new-hash');

      expect(await store().setPasswordHash(other.id, user.id, 'foreign')).toBe(false);
      expect(await store().setPasswordHash(workspace.id, newId(), 'unknown')).toBe(false);
      expect(await store().setPasswordHash(workspace.id, 'not-a-uuid', 'malformed')).toBe(false);
      await store().deleteUser(workspace.id, user.id, at(5));
      expect(await store().setPasswordHash(workspace.id, user.id, 'after-deletion')).toBe(false);
      expect((await store().getUser(user.id))?.passwordHash).toBe('new-hash');
    });

    it('with the previous hash, replaces the password hash only while it is still that one', async () => {
      const workspace = await addWorkspace(store());
      const user = await addUser(store(), workspace.id);
      const first = (await store().getUser(user.id))!.passwordHash;
      expect(await store().setPasswordHash(workspace.id, user.id, 'second', first)).toBe(true);
      expect(await store().setPasswordHash(workspace.id, user.id, 'stale', first)).toBe(false);
      expect((await store().getUser(user.id))?.passwordHash).toBe('second');
      expect(await store().setPasswordHash(workspace.id, user.id, 'third', 'second')).toBe(true);
      expect((await store().getUser(user.id))?.passwordHash).toBe('third');
    });

    it('changes the role of a live user of the workspace, and of no other', async () => {
      const workspace = await addWorkspace(store());
      const other = await addWorkspace(store());
      const user = await addUser(store(), workspace.id, 'member');
      const before = await store().getUser(user.id);
      expect(await store().setUserRole(workspace.id, user.id, 'admin')).toBe(true);
      expect(await store().getUser(user.id)).toEqual({ ...before, role: 'admin' });
      expect(await store().setUserRole(other.id, user.id, 'member')).toBe(false);
      expect(await store().setUserRole(workspace.id, newId(), 'member')).toBe(false);
      expect(await store().setUserRole(workspace.id, 'not-a-uuid', 'member')).toBe(false);
      await store().deleteUser(workspace.id, user.id, at(5));
      expect(await store().setUserRole(workspace.id, user.id, 'member')).toBe(false);
      expect((await store().getUser(user.id))?.role).toBe('admin');
    });

    it('with byAdmin, deletes or changes a role only while that user is a live admin of the workspace', async () => {
      const workspace = await addWorkspace(store());
      const other = await addWorkspace(store());
      const admin = await addUser(store(), workspace.id, 'admin');
      const member = await addUser(store(), workspace.id, 'member');
      const foreignAdmin = await addUser(store(), other.id, 'admin');
      const target = await addUser(store(), workspace.id, 'member');
      expect(await store().setUserRole(workspace.id, target.id, 'admin', member.id)).toBe(false);
      expect(await store().setUserRole(workspace.id, target.id, 'admin', foreignAdmin.id)).toBe(false);
      expect(await store().deleteUser(workspace.id, target.id, at(1), member.id)).toBe(false);
      expect(await store().getUser(target.id)).toMatchObject({ role: 'member', deletedAt: null });
      expect(await store().setUserRole(workspace.id, target.id, 'admin', admin.id)).toBe(true);
      // Demoted, the first admin can no longer act; the one it promoted can.
      expect(await store().setUserRole(workspace.id, admin.id, 'member', target.id)).toBe(true);
      expect(await store().deleteUser(workspace.id, member.id, at(2), admin.id)).toBe(false);
      expect(await store().deleteUser(workspace.id, member.id, at(3), target.id)).toBe(true);
      expect((await store().getUser(member.id))?.deletedAt).toEqual(at(3));
      await store().deleteUser(workspace.id, target.id, at(4));
      expect(await store().setUserRole(workspace.id, admin.id, 'admin', target.id)).toBe(false);
    });

    it('lists the users of one workspace by creation, paginated, without deleted ones', async () => {
      const workspace = await addWorkspace(store());
      const other = await addWorkspace(store());
      await addUser(store(), other.id);
      const users = [];
      for (let index = 0; index < 5; index += 1) users.push(await addUser(store(), workspace.id, 'member', at(index * 1000)));
      const gone = await addUser(store(), workspace.id, 'member', at(2500));
      await store().deleteUser(workspace.id, gone.id, at(3000));

      const all = await store().listUsers(workspace.id, 10, 0);
      expect(all.total).toBe(5);
      expect(all.data.map((user) => user.id)).toEqual(users.map((user) => user.id));
      const page = await store().listUsers(workspace.id, 2, 1);
      expect(page.total).toBe(5);
      expect(page.data.map((user) => user.id)).toEqual([users[1].id, users[2].id]);
      expect((await store().listUsers(workspace.id, 2, 10)).data).toEqual([]);
    });

    it('counts users', async () => {
      const workspace = await addWorkspace(store());
      await addUser(store(), workspace.id);
      // A shared database holds other tests' users too: only a lower bound is certain.
      expect(await store().countUsers()).toBeGreaterThanOrEqual(1);
    });
  });
}
