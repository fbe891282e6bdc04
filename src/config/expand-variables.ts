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
  return text.replace(placeholder, (match: string, inside: string | undefined) => {
    if (match === '$${') return '${';
    if (inside === undefined) checker.fail(at, 'has a "${" without its closing "}"');
    const parsed = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inside);
    if (parsed === null) {
      checker.fail(at, `has "\${${inside}}": write \${NAME} or \${NAME:-default}, NAME made of letters, digits and _`);
    }
    const [, name, fallback] = parsed;
    const found = environment[name];
    // Empty counts as unset, as everywhere else in the configuration.
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    return checker.fail(at, `uses \${${name}} but ${name} is not set; set it or write \${${name}:-default}`);
  });
}
