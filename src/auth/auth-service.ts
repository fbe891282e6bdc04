import { createHash } from 'node:crypto';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { RevocationBus } from '../coordination/coordination.ts';
import { StoreConflictError, type Role, type Store, type User } from '../store/store.ts';
import { decoyPasswordHash, hashPassword, verifyPassword } from './password.ts';
import { MIN_PASSWORD_LENGTH, isLongEnough } from './password-rules.ts';
import type { TokenSigner } from './tokens.ts';

/** Who is calling: always taken from a verified token and a live user, never from input. */
export interface Principal {
  userId: string;
  workspaceId: string;
  role: Role;
  email: string;
  /** Seconds since the epoch at which the token expires (sockets close then). */
  tokenExpiresAt: number;
  /** The token's password stamp, if it has one (sockets re-check it after a password change). */
  passwordStamp?: string;
}

export interface PublicUser {
  id: string;
  email: string;
  role: Role;
  workspaceId: string;
  createdAt: string;
}

export const toPublicUser = (user: User): PublicUser => ({
  id: user.id,
  email: user.email,
  role: user.role,
  workspaceId: user.workspaceId,
  createdAt: user.createdAt.toISOString(),
});

const unauthorized = (message = 'Missing or invalid token; log in at POST /api/auth/login and send it as "Authorization: Bearer <token>".') =>
  new AppError('UNAUTHORIZED', message);

const stamps = new WeakMap<User, string>();

/**
 * What a token carries of the password it was issued under: 96 bits of a SHA-256 of the stored
 * (salted, scrypt) hash. It changes with every new password, and tells nothing about it.
 */
export function passwordStamp(user: User): string {
  let stamp = stamps.get(user);
  if (stamp === undefined) {
    stamp = createHash('sha256').update(user.passwordHash).digest('base64url').slice(0, 16);
    stamps.set(user, stamp);
  }
  return stamp;
}

/** A token's stamp that is not the user's current one: issued before a password change (no stamp: a token of an earlier version, let through). */
const issuedBeforeChange = (stamp: string | undefined, user: User) => stamp !== undefined && stamp !== passwordStamp(user);

const passwordChanged = () => unauthorized('The password was changed after this token was issued; log in again at POST /api/auth/login.');

function checkPasswordLength(password: string): void {
  if (!isLongEnough(password)) {
    throw new AppError('VALIDATION_ERROR', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
}

/**
 * Users are looked up on every authenticated request so that a deleted user's tokens stop
 * working at once. A short cache keeps that lookup off the hot path; deletions evict through
 * the revocation bus, which reaches every instance.
 */
export class AuthService {
  readonly #store: Store;
  readonly #signer: TokenSigner;
  readonly #revocations: RevocationBus;
  readonly #cache = new Map<string, { user: User; until: number }>();
  readonly #cacheMs: number;
  /**
   * How many user changes this instance has heard of. A lookup begun before one may have read
   * the user as it was: it is not cached, or it would serve the old password stamp (or role, or
   * a deleted user) for the cache's whole lifetime after the change.
   */
  #changes = 0;

  constructor(deps: { store: Store; signer: TokenSigner; revocations: RevocationBus; userCacheMs?: number }) {
    this.#store = deps.store;
    this.#signer = deps.signer;
    this.#revocations = deps.revocations;
    this.#cacheMs = deps.userCacheMs ?? 5_000;
    this.#revocations.onUserChanged((userId) => this.#forget(userId));
  }

  async login(email: string, password: string): Promise<{ token: string; user: PublicUser }> {
    const user = await this.#store.getUserByEmail(email.trim().toLowerCase());
    // Verify against a decoy for unknown emails: same work, same answer, nothing revealed.
    const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
    if (!user || !valid) throw unauthorized('Wrong email or password.');
    return { token: await this.issueToken(user), user: toPublicUser(user) };
  }

  async issueToken(user: User, ttlSeconds?: number): Promise<string> {
    return (await this.#signer.sign({ userId: user.id, workspaceId: user.workspaceId, role: user.role, passwordStamp: passwordStamp(user), ttlSeconds })).token;
  }

  /** The principal for a bearer token, or 401. */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw unauthorized();
    const claims = await this.#signer.verify(token);
    if (!claims) throw unauthorized('The token is invalid or expired; log in again at POST /api/auth/login.');
    const user = await this.#liveUser(claims.userId);
    if (!user || user.workspaceId !== claims.workspaceId) throw unauthorized('The token belongs to no current user; log in again.');
    if (issuedBeforeChange(claims.passwordStamp, user)) throw passwordChanged();
    // The role comes from the store, so a demotion takes effect without waiting for expiry.
    return {
      userId: user.id,
      workspaceId: user.workspaceId,
      role: user.role,
      email: user.email,
      tokenExpiresAt: claims.expiresAt,
      ...(claims.passwordStamp === undefined ? {} : { passwordStamp: claims.passwordStamp }),
    };
  }

  /**
   * Why a socket authenticated as `principal` must close now, or undefined while its token still
   * holds: the user was deleted, or its password changed after the token was issued.
   */
  async revokedBecause(principal: Principal): Promise<'user removed' | 'password changed' | undefined> {
    const user = await this.#liveUser(principal.userId);
    if (!user) return 'user removed';
    if (issuedBeforeChange(principal.passwordStamp, user)) return 'password changed';
    return undefined;
  }

  /**
   * The caller's own password, given the current one. Every token issued before stops working
   * (on every instance); the answer carries a new one, as a login does.
   */
  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<{ token: string; user: PublicUser }> {
    const user = await this.#store.getUser(principal.userId);
    if (!user || user.deletedAt) throw unauthorized('The token belongs to no current user; log in again.');
    if (issuedBeforeChange(principal.passwordStamp, user)) throw passwordChanged();
    if (!(await verifyPassword(currentPassword, user.passwordHash))) throw new AppError('FORBIDDEN', 'The current password is wrong.');
    checkPasswordLength(newPassword);
    if (newPassword === currentPassword) throw new AppError('VALIDATION_ERROR', 'The new password is the same as the current one; choose another.');
    // Only over the hash the current password was checked against: a change made meanwhile (a
    // second tab, an admin's reset) is not silently undone, and its caller's token stays valid.
    const changed = await this.#replacePassword(user.workspaceId, user.id, newPassword, user.passwordHash);
    if (changed === 'changed meanwhile') {
      throw new AppError('CONFLICT', 'The password was changed by another request meanwhile; log in again with the password now in force.');
    }
    if (!changed) throw unauthorized('The token belongs to no current user; log in again.');
    return { token: await this.issueToken(changed), user: toPublicUser(changed) };
  }

  /**
   * An admin sets the password of another user of its workspace (a forgotten one); that user's
   * tokens stop working. An admin's own password needs the current one (`changePassword`).
   */
  async setPassword(principal: Principal, userId: string, newPassword: string): Promise<void> {
    if (userId === principal.userId) {
      throw new AppError('CONFLICT', 'To change your own password, use POST /api/auth/password with your current one.');
    }
    if (!(await this.resetPassword(principal.workspaceId, userId, newPassword))) throw notFound('user');
  }

  /**
   * Sets the password of a user of the workspace with no other check than its length (the admin
   * API above, and the operator's `fleetchat user password`); false when there is no such user.
   */
  async resetPassword(workspaceId: string, userId: string, newPassword: string): Promise<boolean> {
    checkPasswordLength(newPassword);
    return (await this.#replacePassword(workspaceId, userId, newPassword)) !== undefined;
  }

  /**
   * Stores the new hash, then tells every instance; the updated user, or undefined when there is
   * none. With `previousHash`, only while the stored hash is still that one.
   */
  async #replacePassword(workspaceId: string, userId: string, password: string): Promise<User | undefined>;
  async #replacePassword(workspaceId: string, userId: string, password: string, previousHash: string): Promise<User | 'changed meanwhile' | undefined>;
  async #replacePassword(workspaceId: string, userId: string, password: string, previousHash?: string): Promise<User | 'changed meanwhile' | undefined> {
    const passwordHash = await hashPassword(password);
    if (!(await this.#store.setPasswordHash(workspaceId, userId, passwordHash, previousHash))) {
      if (previousHash === undefined) return undefined;
      const now = await this.#store.getUser(userId);
      return now && !now.deletedAt && now.workspaceId === workspaceId ? 'changed meanwhile' : undefined;
    }
    this.#forget(userId);
    await this.#revocations.publishUserChanged(userId);
    const user = await this.#store.getUser(userId);
    return user && !user.deletedAt ? user : undefined;
  }

  /** The number of user changes heard of so far: a socket authenticated across one checks again. */
  get changeCount(): number {
    return this.#changes;
  }

  #forget(userId: string): void {
    this.#changes += 1;
    this.#cache.delete(userId);
  }

  async #liveUser(userId: string): Promise<User | undefined> {
    const now = Date.now();
    const cached = this.#cache.get(userId);
    if (cached && cached.until > now) return cached.user;
    const changes = this.#changes;
    const user = await this.#store.getUser(userId);
    if (!user || user.deletedAt) {
      this.#cache.delete(userId);
      return undefined;
    }
    if (changes === this.#changes) {
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(userId, { user, until: now + this.#cacheMs });
    }
    return user;
  }

  async createUser(input: { workspaceId: string; email: string; password: string; role: Role }): Promise<User> {
    checkPasswordLength(input.password);
    const email = input.email.trim().toLowerCase();
    // Checked first so that a duplicate costs a lookup, not a deliberately slow hash; the unique
    // index still decides when two requests race.
    if (await this.#store.getUserByEmail(email)) throw new AppError('CONFLICT', 'A user with that email already exists.');
    try {
      return await this.#store.createUser({
        id: newId(),
        workspaceId: input.workspaceId,
        email,
        passwordHash: await hashPassword(input.password),
        role: input.role,
        now: new Date(),
      });
    } catch (error) {
      if (error instanceof StoreConflictError) throw new AppError('CONFLICT', 'A user with that email already exists.');
      throw error;
    }
  }

  /**
   * An admin makes another user of its workspace an admin or a member; it applies at the user's
   * next request (roles are read from the store), on every instance. Not its own role: the
   * workspace would otherwise risk being left without an admin.
   */
  async changeRole(principal: Principal, userId: string, role: Role): Promise<PublicUser> {
    if (userId === principal.userId) throw new AppError('CONFLICT', 'You cannot change your own role; ask another admin.');
    if (!(await this.#store.setUserRole(principal.workspaceId, userId, role, principal.userId))) throw await this.#refusal(principal);
    this.#forget(userId);
    await this.#revocations.publishUserChanged(userId);
    const user = await this.#store.getUser(userId);
    if (!user || user.deletedAt) throw notFound('user');
    return toPublicUser(user);
  }

  async deleteUser(principal: Principal, userId: string): Promise<void> {
    if (userId === principal.userId) throw new AppError('CONFLICT', 'You cannot delete yourself; ask another admin.');
    const deleted = await this.#store.deleteUser(principal.workspaceId, userId, new Date(), principal.userId);
    if (!deleted) throw await this.#refusal(principal);
    this.#forget(userId);
    await this.#revocations.publishUserChanged(userId);
  }

  /**
   * Why a change by an admin did not apply: the store makes it only while the admin still is one
   * (another admin may have demoted or deleted it a moment before), else there was no such user.
   */
  async #refusal(principal: Principal): Promise<AppError> {
    const actor = await this.#store.getUser(principal.userId);
    if (!actor || actor.deletedAt || actor.role !== 'admin' || actor.workspaceId !== principal.workspaceId) {
      this.#forget(principal.userId);
      return new AppError('FORBIDDEN', 'You are no longer an admin of this workspace; nothing was changed.');
    }
    return notFound('user');
  }
}
