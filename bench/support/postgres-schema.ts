/**
 * A throwaway schema per benchmark run in the shared PostgreSQL database, so runs never see each
 * other's rows and nothing is left behind. fleetchat reads it from `?schema=` in DATABASE_URL.
 */
import pg from 'pg';

export const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchSchema {
  /** DATABASE_URL for fleetchat, with `?schema=`. */
  databaseUrl: string;
  drop(): Promise<void>;
}

export async function createBenchSchema(baseUrl: string, label: string): Promise<BenchSchema> {
  const schema = `bench_${label}_${process.pid}_${Date.now().toString(36)}`.replace(/[^a-z0-9_]/g, '_');
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return {
    databaseUrl: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: baseUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await dropper.end();
      }
    },
  };
}
