/** The message of the ConfigError `action` throws, checked to be one line starting with `start`. */
import { expect } from 'vitest';
import { ConfigError } from '../../src/config/index.ts';

export function refusalOf(action: () => unknown, start: string): string {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const message = (caught as ConfigError).message;
  expect(message).not.toContain('\n');
  expect(message.startsWith(start), `"${message}" should start with "${start}"`).toBe(true);
  return message;
}
