/**
 * `${VAR}` and `${VAR:-default}` in the fleet file's string values, read from the environment
 * map. Keys are never expanded (a key that changes with the environment would defeat the
 * unknown-key check), and expanded text is not expanded again.
 */
import type { Environment } from './env-reader.ts';
import { type FleetFileChecker, type PathSegment, isMapping } from './fleet-checks.ts';

/** `$${` escapes a literal `${`, as in Docker Compose. */
const placeholder = /\$\$\{|\$\{([^}]*)\}|\$\{/g;

export function expandVariables(
  value: unknown,
  environment: Environment,
  checker: FleetFileChecker,
  at: PathSegment[] = [],
): unknown {
  if (typeof value === 'string') return expandText(value, environment, checker, at);
  if (Array.isArray(value)) return value.map((item, index) => expandVariables(item, environment, checker, [...at, index]));
  if (isMapping(value)) {
    const expanded: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      expanded[key] = expandVariables(item, environment, checker, [...at, key]);
    }
    return expanded;
  }
  return value;
}

function expandText(text: string, environment: Environment, checker: FleetFileChecker, at: PathSegment[]): string {
  return text.replace(placeholder, (match: string, inside: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    if (inside === undefined) checker.fail(at, 'has a "${" without its closing "}"');
    const parsed = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inside);
    if (parsed === null) {
      checker.fail(at, `has "\${${inside}}": write \${NAME} or \${NAME:-default}, NAME made of letters, digits and _`);
    }
    const [, name, fallback] = parsed;
    // `${A:-${B}}` would end at the first "}" and leave "${B" and a stray "}": refused, as the
    // shell's other forms (`:=`, `:?`) are, rather than half-expanded.
    if (fallback?.includes('${')) {
      checker.fail(at, `has "${balancedExpression(text, offset)}": a default cannot hold another \${…}; write it as plain text`);
    }
    const found = environment[name];
    // Empty counts as unset, as everywhere else in the configuration.
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    return checker.fail(at, `uses \${${name}} but ${name} is not set; set it or write \${${name}:-default}`);
  });
}

/** The `${…}` starting at `start`, up to the "}" that closes it (or the end of the text). */
function balancedExpression(text: string, start: number): string {
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    if (text.startsWith('${', index)) {
      depth += 1;
      index += 1;
    } else if (text[index] === '}' && --depth === 0) {
      return text.slice(start, index + 1);
    }
  }
  return text.slice(start);
}
