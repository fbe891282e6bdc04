import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCoordination, createStore, startServer } from '../../src/bootstrap.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createServices } from '../../src/services.ts';

const missing = path.join(os.tmpdir(), `no-such-fleetchat-table-${process.pid}.bin`);
const config = () =>
  loadConfig({ env: { DATABASE_URL: 'sqlite::memory:', JWT_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent', ROUTING_WORD_VECTORS: missing }, cwd: os.tmpdir() });

describe('when the word vectors are read', () => {
  it('not while the services are built: a command that never routes does not read (or trip on) the table', async () => {
    const settings = config();
    const store = await createStore(settings);
    const coordination = await createCoordination(settings);
    try {
      const services = createServices({ config: settings, store, coordination, jwtSecret: 'x'.repeat(40) });
      expect(() => services.wordVectors()).toThrow(ConfigError);
    } finally {
      await coordination.close();
      await store.close();
    }
  });

  it('before the server listens: a wrong ROUTING_WORD_VECTORS stops the start, saying what to do', async () => {
    await expect(startServer(config(), { listen: false, warn: () => undefined })).rejects.toThrow(/ROUTING_WORD_VECTORS.*npm run build:vectors/);
  });
});
