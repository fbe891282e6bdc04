import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { explainFailure } from '../../src/cli/failure-hints.ts';
import { loadConfig } from '../../src/config/index.ts';
import { StoreUnavailableError } from '../../src/store/store.ts';

const config = (env: Record<string, string> = {}) => loadConfig({ env: { JWT_SECRET: 'x'.repeat(40), PORT: '80', ...env }, cwd: os.tmpdir() });
const systemError = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

describe('explainFailure', () => {
  it('a port the process may not bind says which, and what to set (root binds any port, so the CLI test cannot)', () => {
    expect(explainFailure(systemError('EACCES', 'listen'), config())).toBe(
      'not allowed to listen on port 80 of 127.0.0.1: set PORT to a port above 1023, or run with the rights to bind it',
    );
    expect(explainFailure(systemError('EACCES', 'open'), config())).toBeUndefined();
  });

  it('finds the system code behind causes and aggregated errors, and never prints the credentials', () => {
    const refused = new AggregateError([systemError('ECONNREFUSED', 'connect')], 'connect failed');
    const message = explainFailure(new StoreUnavailableError('PostgreSQL is unavailable', { cause: refused }), config({ DATABASE_URL: 'postgres://fleet:hunter2@db.internal/fleet' }));
    expect(message).toBe('cannot reach PostgreSQL at db.internal:5432/fleet (ECONNREFUSED): start it, or fix DATABASE_URL');
  });

  it('adds nothing to other errors, or before the configuration is read', () => {
    expect(explainFailure(new Error('something else'), config())).toBeUndefined();
    expect(explainFailure(systemError('EADDRINUSE', 'listen'), undefined)).toBeUndefined();
  });
});
