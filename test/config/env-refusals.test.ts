/**
 * Environment values that used to pass the start check and then fail later, far from the
 * variable (a raw Redis stack, tables in the wrong schema, every provider call failing), or that
 * silently meant something else than written.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { refusalOf } from './refusal.ts';
import { makeFolder } from './temporary-folder.ts';

const cwd = makeFolder();

function load(env: Record<string, string>) {
  return loadConfig({ env, cwd });
}

function refusal(env: Record<string, string>, variable = Object.keys(env)[0]): string {
  return refusalOf(() => load(env), variable);
}

describe('REDIS_URL database number', () => {
  it('accepts no database, "/" and /0 to /15', () => {
    for (const url of ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379/', 'redis://127.0.0.1:6379/0', 'rediss://cache:6380/15']) {
      expect(load({ REDIS_URL: url }).redisUrl).toBe(url);
    }
  });

  it.each(['abc', '-1', '99', '16', '1/2', '1.5', '%31'])('refuses redis://…/%s, naming REDIS_URL and the range', (database) => {
    const message = refusal({ REDIS_URL: `redis://127.0.0.1:6379/${database}` });
    expect(message).toContain('REDIS_URL must end in /0 to /15 (a database number)');
  });

  it('checks ?db= too, which ioredis reads the same way', () => {
    expect(refusal({ REDIS_URL: 'redis://127.0.0.1:6379?db=abc' })).toContain('REDIS_URL ?db= must be a database number from 0 to 15');
    expect(load({ REDIS_URL: 'redis://127.0.0.1:6379?db=3' }).redisUrl).toBe('redis://127.0.0.1:6379?db=3');
  });

  it('never echoes the password', () => {
    const message = refusal({ REDIS_URL: 'redis://default:hunter2@127.0.0.1:6379/abc' });
    expect(message).not.toContain('hunter2');
    expect(message).toContain('redis://***@127.0.0.1:6379/abc');
  });
});

describe('DATABASE_URL for SQLite', () => {
  it.each(['sqlite::memory', 'sqlite::memory:x', 'sqlite::mem:'])('refuses %s, which would create a file named like it, pointing to sqlite::memory:', (url) => {
    expect(refusal({ DATABASE_URL: url })).toBe(
      `DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://user:password@host:port/database: for a database in memory write sqlite::memory: exactly, for a file whose name starts with ":" write sqlite:./${url.slice('sqlite:'.length)} (got "${url}")`,
    );
  });

  it('takes sqlite::memory: and paths, relative ones from the working folder', () => {
    expect(load({ DATABASE_URL: 'sqlite::memory:' }).databaseUrl).toBe('sqlite::memory:');
    expect(load({ DATABASE_URL: 'sqlite:./:odd.db' }).databaseUrl).toBe(`sqlite:${path.join(cwd, ':odd.db')}`);
  });
});

describe('FLEETCHAT_CONFIG that is not a file', () => {
  it('names what it is instead: a folder, or a device such as /dev/null', () => {
    expect(refusal({ FLEETCHAT_CONFIG: cwd })).toBe(`FLEETCHAT_CONFIG must name a fleet file, not a folder (got ${JSON.stringify(cwd)})`);
    expect(refusal({ FLEETCHAT_CONFIG: '/dev/null' })).toBe('FLEETCHAT_CONFIG must name a fleet file, not a device, pipe or socket (got "/dev/null")');
  });
});

describe('DATABASE_URL for PostgreSQL', () => {
  const base = 'postgres://fleet:hunter2@127.0.0.1:5432/fleet';

  it('accepts ?schema= and the parameters the pg driver reads', () => {
    const url = `${base}?schema=fleet_1&sslmode=verify-full&application_name=gateway&statement_timeout=5000`;
    expect(load({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it('refuses an unknown parameter with a suggestion', () => {
    const message = refusal({ DATABASE_URL: `${base}?shema=x` });
    expect(message).toMatch(/^DATABASE_URL has the unknown parameter \?shema=; did you mean "schema"\? \(accepted: schema, sslmode, /);
    expect(message).not.toContain('hunter2');
    expect(refusal({ DATABASE_URL: `${base}?colour=blue` })).not.toContain('did you mean');
  });

  it('refuses a repeated parameter', () => {
    expect(refusal({ DATABASE_URL: `${base}?schema=a&schema=b` })).toBe(
      'DATABASE_URL has ?schema= 2 times; give each parameter once',
    );
  });

  it('says that a bad schema comes from ?schema=', () => {
    expect(refusal({ DATABASE_URL: `${base}?schema=Fuzz` })).toBe(
      'DATABASE_URL ?schema= must be a lower-case SQL identifier: a-z, 0-9 and _, not starting with a digit, at most 63 characters (got "Fuzz")',
    );
    expect(refusal({ DATABASE_URL: `${base}?schema=` })).toContain('(got "")');
  });

  it('refuses the parameters the driver ignores or that would undo ?schema=', () => {
    expect(refusal({ DATABASE_URL: `${base}?connect_timeout=10` })).toContain('?connect_timeout= is not read by');
    expect(refusal({ DATABASE_URL: `${base}?options=-c%20search_path%3Dx` })).toContain('?options= would replace');
  });

  it('refuses a URL without a database name', () => {
    for (const url of ['postgres://postgres@127.0.0.1:5432', 'postgres://postgres@127.0.0.1:5432/', 'postgres://h/a/b']) {
      expect(refusal({ DATABASE_URL: url })).toContain('DATABASE_URL must name the database');
    }
  });

  it('never echoes a password given as ?password=', () => {
    expect(refusal({ DATABASE_URL: 'postgres://127.0.0.1?password=hunter2' })).not.toContain('hunter2');
  });
});

describe('secrets that are only white space', () => {
  it('refuses a blank JWT_SECRET and FLEETCHAT_ADMIN_PASSWORD', () => {
    expect(refusal({ JWT_SECRET: ' '.repeat(40) })).toBe('JWT_SECRET must not be only white space; e.g. openssl rand -hex 32');
    expect(refusal({ FLEETCHAT_ADMIN_PASSWORD: ' '.repeat(12) })).toBe('FLEETCHAT_ADMIN_PASSWORD must not be only white space');
  });

  it('refuses a blank provider key rather than sending it', () => {
    expect(refusal({ OPENAI_API_KEY: '   ' })).toBe(
      'OPENAI_API_KEY must not be only white space; leave it empty or unset it when there is no key',
    );
    expect(refusal({ ANTHROPIC_API_KEY: ' \t ' })).toContain('ANTHROPIC_API_KEY must not be only white space');
  });
});

describe('provider keys and URLs that no HTTP request can carry', () => {
  it('refuses a key with a line break or a character beyond Latin-1, without echoing it', () => {
    const message = refusal({ OPENAI_API_KEY: 'sk-secret\nx' });
    expect(message).toContain('OPENAI_API_KEY must not contain control characters');
    expect(message).not.toContain('sk-secret');
    expect(refusal({ ANTHROPIC_API_KEY: 'sk-ant-✓' })).toContain('ANTHROPIC_API_KEY must hold Latin-1 characters only');
  });

  it('refuses credentials in a base URL', () => {
    const message = refusal({ OPENAI_BASE_URL: 'http://user:hunter2@127.0.0.1:11434/v1' });
    expect(message).toContain('OPENAI_BASE_URL must not contain a user name or password');
    expect(message).toContain('OPENAI_API_KEY');
    expect(message).not.toContain('hunter2');
  });
});

describe('keywords', () => {
  it('reads ROUTING_WORD_VECTORS keywords without regard to case', () => {
    expect(load({ ROUTING_WORD_VECTORS: 'OFF' }).wordVectors).toBe('off');
    expect(load({ ROUTING_WORD_VECTORS: 'Default' }).wordVectors).toBe('default');
    expect(load({ ROUTING_WORD_VECTORS: './OFF.bin' }).wordVectors).toEqual({ path: path.join(cwd, 'OFF.bin') });
  });

  it('refuses an unknown NODE_ENV, suggesting the word meant', () => {
    expect(refusal({ NODE_ENV: 'prod' })).toBe('NODE_ENV must be one of production, development, test (got "prod"); did you mean "production"?');
    expect(refusal({ NODE_ENV: 'staging' })).toBe('NODE_ENV must be one of production, development, test (got "staging")');
    expect(load({ NODE_ENV: 'test' }).nodeEnv).toBe('test');
    expect(load({ NODE_ENV: 'Development' }).nodeEnv).toBe('development');
  });
});

describe('the default fleet file', () => {
  const fleet = (name: string) => `agents: [{ name: ${name}, role: Tester, model: mock/x }]\n`;

  it('finds ./fleetchat.yml', () => {
    const folder = makeFolder({ 'fleetchat.yml': fleet('FromYml'), 'fleetchat.json': '{"agents": []}' });
    const config = loadConfig({ env: {}, cwd: folder });
    expect(config.fleet.source).toBe(path.join(folder, 'fleetchat.yml'));
    expect(config.fleet.agents[0].name).toBe('FromYml');
  });

  it('refuses ./fleetchat.yaml and ./fleetchat.yml side by side', () => {
    const folder = makeFolder({ 'fleetchat.yaml': fleet('A'), 'fleetchat.yml': fleet('B') });
    expect(refusalOf(() => loadConfig({ env: {}, cwd: folder }), 'fleetchat.yaml')).toBe(
      `fleetchat.yaml and fleetchat.yml are both in ${folder}: delete one, or set FLEETCHAT_CONFIG to the one to use`,
    );
    expect(loadConfig({ env: { FLEETCHAT_CONFIG: 'fleetchat.yml' }, cwd: folder }).fleet.agents[0].name).toBe('B');
  });
});
