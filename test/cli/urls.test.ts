import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/config/config-error.ts';
import { hostInUrl } from '../../src/cli/urls.ts';

describe('redactUrl (the serve banner and the chat messages)', () => {
  it('hides the whole user part, whatever characters the password has', () => {
    expect(redactUrl('postgres://postgres:p@ss@127.0.0.1:5432/test')).toBe('postgres://***@127.0.0.1:5432/test');
    expect(redactUrl('postgresql://fleet:p%40ss:w/rd@db.internal/fleet?schema=fleet')).toBe('postgresql://***@db.internal/fleet?schema=fleet');
    expect(redactUrl('postgres://fleet@db.internal/fleet')).toBe('postgres://***@db.internal/fleet');
  });

  it('hides credentials the PostgreSQL driver reads from the query', () => {
    expect(redactUrl('postgres://db.internal/fleet?user=fleet&password=hunter2&schema=x')).toBe('postgres://db.internal/fleet?user=***&password=***&schema=x');
  });

  it('leaves what holds none as it is written, and hides what reads as a user part in text that is no URL', () => {
    for (const text of ['sqlite:/var/lib/fleetchat/team@acme.db', 'sqlite::memory:', 'postgres://db.internal:5432/fleet', 'not a url']) expect(redactUrl(text)).toBe(text);
    expect(redactUrl('fleet:hunter2@db.internal:5432')).toBe('***@db.internal:5432');
  });
});

describe('hostInUrl', () => {
  it('puts IPv6 addresses in brackets, and nothing else', () => {
    expect(['::1', 'fe80::1', '127.0.0.1', 'localhost', '[::1]'].map(hostInUrl)).toEqual(['[::1]', '[fe80::1]', '127.0.0.1', 'localhost', '[::1]']);
  });
});
