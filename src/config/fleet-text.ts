/**
 * The fleet file from bytes to plain values, YAML or JSON by extension, held to the same rules
 * whichever the format: UTF-8 (a byte-order mark is fine), each key once per mapping, and
 * nothing the parser would only warn about. The yaml library never prints by itself here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from './config-error.ts';
import type { FleetFileChecker } from './fleet-checks.ts';
import { findDuplicateKey } from './json-duplicate-keys.ts';

export function parseFleetFile(absolute: string, checker: FleetFileChecker): unknown {
  const extension = path.extname(absolute).toLowerCase();
  if (extension !== '.json' && extension !== '.yaml' && extension !== '.yml') {
    throw new ConfigError(`${checker.label}: a fleet file must end in .yaml, .yml or .json`);
  }
  const text = readText(absolute, checker.label);
  return extension === '.json' ? parseJson(text, checker) : parseYaml(text, checker.label);
}

function readText(absolute: string, label: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(absolute);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : String(error);
    throw new ConfigError(`${label}: cannot read the fleet file: ${reason}`, { cause: error });
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new ConfigError(`${label}: is not UTF-8 text; save it as UTF-8`);
  return text;
}

/**
 * `bytes` as UTF-8 text without a leading byte-order mark (editors on Windows like to write one),
 * or undefined when they are not UTF-8: a Latin-1 "café" must not become "caf�" in an agent's
 * text without a word. For the fleet file and the SOUL files it names.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

function parseJson(text: string, checker: FleetFileChecker): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${checker.label}: is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    checker.fail(duplicate.at, `is given twice in its mapping (line ${duplicate.line}); a JSON key must appear once`);
  }
  return parsed;
}

function parseYaml(text: string, label: string): unknown {
  // logLevel 'error': the library would otherwise print warnings to stderr itself (process.emitWarning).
  const document = parseDocument(text, { logLevel: 'error' });
  const [error] = document.errors;
  if (error !== undefined) {
    // Errors carry a code frame over several lines; ConfigError keeps the first reason only.
    const reason = error.message.split('\n')[0].replace(/:\s*$/, '');
    throw new ConfigError(`${label}: is not valid YAML: ${reason}`, { cause: error });
  }
  const [warning] = document.warnings;
  if (warning !== undefined) {
    // A warning means the parser guessed (an unknown tag read as if absent): refused like an error.
    const where = warning.linePos === undefined ? '' : ` line ${warning.linePos[0].line}, column ${warning.linePos[0].col}:`;
    const reason = warning.message.split('\n')[0].replace(/ at line \d+, column \d+:?\s*$/, '');
    const tag = /^Unresolved tag: (\S+)/.exec(reason)?.[1];
    const message = tag === undefined ? `YAML warning ${warning.code}: ${reason}` : `unknown YAML tag ${tag}; remove it (fleet files use plain YAML)`;
    throw new ConfigError(`${label}:${where} ${message}`, { cause: warning });
  }
  try {
    return document.toJS();
  } catch (toJsError) {
    // e.g. too many aliases, which the library counts only when building the values.
    throw new ConfigError(`${label}: is not valid YAML: ${(toJsError as Error).message.split('\n')[0]}`, { cause: toJsError });
  }
}
