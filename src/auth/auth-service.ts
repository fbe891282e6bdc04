import { AppError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { RevocationBus } from '../coordination/coordination.ts';
import { StoreConflictError, type Role, type Store, type User } from '../store/store.ts';
import { decoyPasswordHash, hashPassword, verifyPassword } from './password.ts';
import type { TokenSigner } from './tokens.ts';

/** Who is calling: always taken from a verified token and a live user, never from input. */
export interface Principal {
  userId: string;
  workspaceId: string;
  role: Role;
  email: string;
  /** Seconds since the epoch at which the token expires (sockets close then). */
  tokenExpiresAt: number;
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

export const MIN_PASSWORD_LENGTH = 12;

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

  constructor(deps: { store: Store; signer: TokenSigner; revocations: RevocationBus; userCacheMs?: number }) {
    this.#store = deps.store;
    this.#signer = deps.signer;
    this.#revocations = deps.revocations;
    this.#cacheMs = deps.userCacheMs ?? 5_000;
    this.#revocations.onUserDeleted((userId) => this.#cache.delete(userId));
  }

  async login(email: string, password: string): Promise<{ token: string; user: PublicUser }> {
    const user = await this.#store.getUserByEmail(email.trim().toLowerCase());
    // Verify against a decoy for unknown emails: same work, same answer, nothing revealed.
    const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
    if (!user || !valid) throw unauthorized('Wrong email or password.');
    const { token } = await this.#signer.sign({ userId: user.id, workspaceId: user.workspaceId, role: user.role });
    return { token, user: toPublicUser(user) };
  }

  async issueToken(user: User, ttlSeconds?: number): Promise<string> {
    return (await this.#signer.sign({ userId: user.id, workspaceId: user.workspaceId, role: user.role, ttlSeconds })).token;
  }

  /** The principal for a bearer token, or 401. */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw unauthorized();
    const claims = await this.#signer.verify(token);
    if (!claims) throw unauthorized('The token is invalid or expired; log in again at POST /api/auth/login.');
    const user = await this.#liveUser(claims.userId);
    if (!user || user.workspaceId !== claims.workspaceId) throw unauthorized('The token belongs to no current user; log in again.');
    // The role comes from the store, so a demotion takes effect without waiting for expiry.
    return { userId: user.id, workspaceId: user.workspaceId, role: user.role, email: user.email, tokenExpiresAt: claims.expiresAt };
  }

  /** True while the user exists and is not deleted (sockets re-check this). */
  async isLive(userId: string): Promise<boolean> {
    return (await this.#liveUser(userId)) !== undefined;
  }

  async #liveUser(userId: string): Promise<User | undefined> {
    const now = Date.now();
    const cached = this.#cache.get(userId);
    if (cached && cached.until > now) return cached.user;
    const user = await this.#store.getUser(userId);
    if (!user || user.deletedAt) {
      this.#cache.delete(userId);
      return undefined;
    }
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(userId, { user, until: now + this.#cacheMs });
    return user;
  }

  async createUser(input: { workspaceId: string; email: string; password: string; role: Role }): Promise<User> {
    if (input.password.length < MIN_PASSWORD_LENGTH) {
      throw new AppError('VALIDATION_ERROR', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
    }
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

  async deleteUser(principal: Principal, userId: string): Promise<void> {
    if (userId === principal.userId) throw new AppError('CONFLICT', 'You cannot delete yourself; ask another admin.');
    const deleted = await this.#store.deleteUser(principal.workspaceId, userId, new Date());
    if (!deleted) throw notFound('user');
    this.#cache.delete(userId);
    await this.#revocations.publishUserDeleted(userId);
  }
}
