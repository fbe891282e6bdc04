/**
 * What DATABASE_URL gives the pg driver: our `schema` parameter taken out, and the SSL modes that
 * pg 8 treats as verify-full written so, which keeps its behaviour and spares every start pg's
 * multi-line security warning.
 */
import { describe, expect, it } from 'vitest';
import { postgresConnection } from '../../src/bootstrap.ts';

describe('postgresConnection', () => {
  it('takes out ?schema= and keeps the other parameters', () => {
    expect(postgresConnection('postgres://app:secret@db.internal:5433/fleet?schema=fleet_1&application_name=gw')).toEqual({
      connectionString: 'postgres://app:secret@db.internal:5433/fleet?application_name=gw',
      schema: 'fleet_1',
    });
    expect(postgresConnection('postgres://db/fleet')).toEqual({ connectionString: 'postgres://db/fleet', schema: undefined });
  });

  it('writes sslmode prefer, require and verify-ca as verify-full, what pg 8 does with them', () => {
    for (const mode of ['prefer', 'require', 'verify-ca']) {
      expect(postgresConnection(`postgres://db/fleet?sslmode=${mode}&schema=s`).connectionString).toBe('postgres://db/fleet?sslmode=verify-full');
    }
    for (const mode of ['disable', 'verify-full', 'no-verify']) {
      expect(postgresConnection(`postgres://db/fleet?sslmode=${mode}`).connectionString).toBe(`postgres://db/fleet?sslmode=${mode}`);
    }
  });

  it('leaves the modes to libpq semantics with uselibpqcompat=true', () => {
    const url = 'postgres://db/fleet?sslmode=require&uselibpqcompat=true';
    expect(postgresConnection(url).connectionString).toBe(url);
  });
});
