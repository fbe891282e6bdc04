/**
 * Checks over the parsed fleet file that know where they are: every refusal names the file, the
 * path inside it (`agents[2].model.default`) and what is accepted there.
 */
import { ConfigError, quoteValue } from './config-error.ts';
import { didYouMean } from './nearest-word.ts';

export type PathSegment = string | number;
export type Mapping = Record<string, unknown>;

/** `['agents', 2, 'model', 'default']` as `agents[2].model.default`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FleetFileChecker {
  /** How the file is named in messages (relative to the working directory when inside it). */
  readonly label: string;

  constructor(label: string) {
    this.label = label;
  }

  fail(at: readonly PathSegment[], message: string): never {
    const where = at.length === 0 ? '' : ` ${formatPath(at)}`;
    throw new ConfigError(`${this.label}:${where} ${message}`);
  }

  expected(at: readonly PathSegment[], what: string, got: unknown): never {
    return this.fail(at, `must be ${what} (got ${quoteValue(got)})`);
  }

  mapping(value: unknown, at: readonly PathSegment[], what = 'a mapping'): Mapping {
    if (!isMapping(value)) this.expected(at, what, value);
    return value;
  }

  /** Refuses keys outside `allowed`, suggesting the nearest one: a typo must not be ignored. */
  knownKeys(mapping: Mapping, allowed: readonly string[], at: readonly PathSegment[]): void {
    for (const key of Object.keys(mapping)) {
      if (allowed.includes(key)) continue;
      const hint = didYouMean(key, allowed);
      this.fail([...at, key], `is not a known key${hint} (accepted: ${allowed.join(', ')})`);
    }
  }

  /** Text of 1..maximumLength characters; undefined when absent or null. */
  optionalText(mapping: Mapping, key: string, at: readonly PathSegment[], maximumLength: number): string | undefined {
    const value = mapping[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '' || value.length > maximumLength) {
      this.expected([...at, key], `text of 1 to ${maximumLength} characters`, value);
    }
    return value;
  }

  requiredText(mapping: Mapping, key: string, at: readonly PathSegment[], maximumLength: number): string {
    const value = this.optionalText(mapping, key, at, maximumLength);
    if (value === undefined) this.fail([...at, key], `is required (text of 1 to ${maximumLength} characters)`);
    return value;
  }

  /**
   * An integer, also accepted as strict decimal text because `${VAR}` expansion always yields
   * text (`latencyMs: ${MOCK_LATENCY:-0}`).
   */
  optionalInteger(
    mapping: Mapping,
    key: string,
    at: readonly PathSegment[],
    range: { minimum: number; maximum: number },
  ): number | undefined {
    const value = mapping[key];
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < range.minimum || number > range.maximum) {
      this.expected([...at, key], `an integer from ${range.minimum} to ${range.maximum}`, value);
    }
    return number;
  }

  optionalFraction(mapping: Mapping, key: string, at: readonly PathSegment[]): number | undefined {
    const value = mapping[key];
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > 1) {
      this.expected([...at, key], 'a number from 0 to 1', value);
    }
    return number;
  }

  optionalChoice<Word extends string>(
    mapping: Mapping,
    key: string,
    at: readonly PathSegment[],
    words: readonly Word[],
  ): Word | undefined {
    const value = mapping[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !(words as readonly string[]).includes(value)) {
      this.expected([...at, key], `one of ${words.join(', ')}`, value);
    }
    return value as Word;
  }

  /**
   * Every text value under `value`, as both stores can keep it (PostgreSQL refuses NUL; a lone
   * surrogate is not Unicode). Checked here, where the path is known: later, the agent service
   * would refuse it naming neither the file nor the agent.
   */
  storableTexts(value: unknown, at: readonly PathSegment[] = []): void {
    if (typeof value === 'string') {
      const problem = unstorableTextProblem(value);
      if (problem !== undefined) this.fail(at, problem);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => this.storableTexts(item, [...at, index]));
    } else if (isMapping(value)) {
      // Keys need no check: every key is either a known one or checked by its own rule.
      for (const [key, item] of Object.entries(value)) this.storableTexts(item, [...at, key]);
    }
  }

  /** A list of non-empty texts; absent or null gives an empty list. */
  textList(mapping: Mapping, key: string, at: readonly PathSegment[], maximumLength: number): string[] {
    const value = mapping[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.expected([...at, key], 'a list of texts', value);
    return value.map((item, index) => {
      if (typeof item !== 'string' || item.trim() === '' || item.length > maximumLength) {
        this.expected([...at, key, index], `text of 1 to ${maximumLength} characters`, item);
      }
      return item;
    });
  }
}

/** Why `text` cannot be stored (`must …`, worded as the agent service words it), or undefined. */
export function unstorableTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (!text.isWellFormed()) return 'must be valid Unicode (it has a lone surrogate)';
  return undefined;
}
