/**
 * JSON.parse keeps the last of two equal keys without a word (`{"agents": […], "agents": []}`
 * starts with no agent), where the YAML parser refuses them. This finds the first repeated key of
 * a text JSON.parse has already accepted, with its path and line, so JSON is held to the same rule.
 */
import type { PathSegment } from './fleet-checks.ts';

export interface DuplicateKey {
  /** The path of the second occurrence, its key last. */
  at: PathSegment[];
  /** 1-based line of the second occurrence. */
  line: number;
}

type Frame = { kind: 'object'; keys: Set<string>; current?: string } | { kind: 'array'; index: number };

/** `text` must be valid JSON (checked by JSON.parse first): the scan does not validate it. */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let expectingKey = false;
  let line = 1;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '\n') {
      line += 1;
    } else if (character === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (expectingKey && top?.kind === 'object') {
        // Decoded, so that "n\u0061me" and "name" are the same key, as they are to JSON.parse.
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (top.keys.has(key)) return { at: [...pathOf(stack.slice(0, -1)), key], line };
        top.keys.add(key);
        top.current = key;
        expectingKey = false;
      }
      index = end;
    } else if (character === '{') {
      stack.push({ kind: 'object', keys: new Set() });
      expectingKey = true;
    } else if (character === '[') {
      stack.push({ kind: 'array', index: 0 });
    } else if (character === '}' || character === ']') {
      stack.pop();
      expectingKey = false;
    } else if (character === ',') {
      const top = stack.at(-1);
      if (top?.kind === 'object') expectingKey = true;
      else if (top?.kind === 'array') top.index += 1;
    }
  }
  return undefined;
}

/** The path to the value each open container is reading, outermost first. */
function pathOf(frames: readonly Frame[]): PathSegment[] {
  return frames.map((frame) => (frame.kind === 'object' ? (frame.current ?? '') : frame.index));
}
