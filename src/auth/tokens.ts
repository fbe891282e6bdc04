import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from '../store/store.ts';

/** What a verified token says; the user is still looked up before it is trusted. */
export interface TokenClaims {
  userId: string;
  workspaceId: string;
  role: Role;
  issuedAt: number;
  expiresAt: number;
  /**
   * `pwd`: a digest of the user's password hash when the token was issued; a token whose digest
   * no longer matches was issued before a password change. Absent from tokens of earlier versions.
   */
  passwordStamp?: string;
}

/**
 * HS256 only: the accepted algorithm is pinned, so `alg: none` or a token signed with another
 * algorithm never verifies, whatever its header says.
 */
export class TokenSigner {
  // A KeyObject, not raw bytes: jose then skips importing the key on every verification.
  readonly #key: KeyObject;
  readonly #ttlSeconds: number;
  /**
   * Tokens already verified, until they expire: a client sends the same token on every request,
   * and its signature and claims cannot change. Whether the user still exists is checked apart.
   */
  readonly #verified = new Map<string, TokenClaims>();

  constructor(secret: string, ttlSeconds: number) {
    this.#key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.#ttlSeconds = ttlSeconds;
  }

  async sign(input: { userId: string; workspaceId: string; role: Role; passwordStamp?: string; ttlSeconds?: number; now?: number }): Promise<{ token: string; expiresAt: number }> {
    const issuedAt = Math.floor((input.now ?? Date.now()) / 1000);
    const expiresAt = issuedAt + (input.ttlSeconds ?? this.#ttlSeconds);
    const token = await new SignJWT({ wid: input.workspaceId, role: input.role, ...(input.passwordStamp === undefined ? {} : { pwd: input.passwordStamp }) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(input.userId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.#key);
    return { token, expiresAt };
  }

  /** The claims, or undefined for any token that is not ours, not valid now, or malformed. */
  async verify(token: string): Promise<TokenClaims | undefined> {
    const known = this.#verified.get(token);
    if (known) {
      if (known.expiresAt * 1000 > Date.now()) return known;
      this.#verified.delete(token);
      return undefined;
    }
    const claims = await this.#verifyFully(token);
    if (claims) {
      if (this.#verified.size >= 10_000) this.#verified.clear();
      this.#verified.set(token, claims);
    }
    return claims;
  }

  async #verifyFully(token: string): Promise<TokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'], requiredClaims: ['sub', 'exp', 'iat'] });
      const { sub, wid, role, iat, exp, pwd } = payload;
      if (typeof sub !== 'string' || typeof wid !== 'string' || (role !== 'admin' && role !== 'member')) return undefined;
      if (typeof iat !== 'number' || typeof exp !== 'number' || (pwd !== undefined && typeof pwd !== 'string')) return undefined;
      return { userId: sub, workspaceId: wid, role, issuedAt: iat, expiresAt: exp, ...(pwd === undefined ? {} : { passwordStamp: pwd }) };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }
}
