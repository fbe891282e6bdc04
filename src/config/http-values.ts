/**
 * What a provider's settings must be for fetch to send them at all. fetch refuses a bad header
 * or a URL with credentials on every call, which the providers then report as a network
 * failure: checked here, at start, where the setting can be named.
 */

/** RFC 9110 `token`: the characters of a header name. */
const headerNamePattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export const headerNameRule = "HTTP header names are made of letters, digits and !#$%&'*+-.^_`|~ (no spaces)";

export function isHeaderName(text: string): boolean {
  return headerNamePattern.test(text);
}

/**
 * Why `value` cannot be sent as a header value (`… must …`), or undefined when it can. The value
 * itself is never quoted (it is often a key); the position of the first bad character is.
 */
export function headerValueProblem(value: string): string | undefined {
  // Tab is allowed inside a field value; every other C0 control and DEL is not (RFC 9110 5.5).
  const control = /[\u0000-\u0008\u000a-\u001f\u007f]/.exec(value);
  if (control !== null) {
    return `must not contain control characters such as line breaks (${describeCharacter(value, control.index)}); an HTTP header value is one line of text`;
  }
  // fetch sends header values as bytes, one per character: anything past U+00FF is refused.
  const wide = /[^\u0000-\u00ff]/u.exec(value);
  if (wide !== null) {
    return `must hold Latin-1 characters only (${describeCharacter(value, wide.index)}), as HTTP header values are bytes`;
  }
  return undefined;
}

/** True when `url` has a user name or password, which fetch refuses to send a request to. */
export function hasCredentials(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.username !== '' || parsed.password !== '';
}

function describeCharacter(text: string, index: number): string {
  const codePoint = text.codePointAt(index) ?? 0;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at character ${index + 1}`;
}
