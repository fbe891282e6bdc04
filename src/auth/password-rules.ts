/**
 * What makes a password acceptable, in one place for the server (AuthService, the request
 * schemas) and the console's forms. No Node import: the console bundles it for the browser.
 */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * Counted as it is hashed: characters (code points, not UTF-16 units) of its NFKC form. Else
 * twelve Hangul jamo passed as a four-syllable password, and six emoji (twelve units) passed
 * `fleetchat user add` and `user password`.
 */
export function isLongEnough(password: string): boolean {
  return [...password.normalize('NFKC')].length >= MIN_PASSWORD_LENGTH;
}
