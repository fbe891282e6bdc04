import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoFleetSource, loadConfig } from '../../src/config/index.ts';
import { makeFolder } from './temporary-folder.ts';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const emptyFolder = makeFolder();

function demoFleet(env: Record<string, string> = {}) {
  return loadConfig({ env, cwd: emptyFolder }).fleet;
}

describe('the built-in demo fleet', () => {
  it('has four distinct agents with Aria as the default', () => {
    const fleet = demoFleet();
    expect(fleet.source).toBe(demoFleetSource);
    expect(fleet.source).toBe('built-in demo fleet');
    expect(fleet.defaultAgent).toBe('Aria');
    expect(fleet.agents.map((agent) => agent.name)).toEqual(['Aria', 'Nova', 'Ledger', 'Sentinel']);
    expect(new Set(fleet.agents.map((agent) => agent.role)).size).toBe(4);
    for (const agent of fleet.agents) {
      expect(agent.soul).toMatch(new RegExp(`^# ${agent.name}\\n`));
      expect(agent.routing.examples.length).toBeGreaterThanOrEqual(20);
      expect(agent.routing.examples.length).toBeLessThanOrEqual(40);
      expect(agent.routing.keywords.length).toBeGreaterThanOrEqual(6);
      expect(agent).toMatchObject({ status: 'online', session: { maxContextTokens: 16000 } });
    }
  });

  it('runs on the mock provider without any key', () => {
    const fleet = demoFleet();
    expect(fleet.providers).toEqual([{ name: 'mock', type: 'mock' }]);
    for (const agent of fleet.agents) expect(agent.model).toEqual({ default: 'mock/fleet-demo', fallbacks: [] });
  });

  it('picks openai/gpt-4o-mini with the mock as fallback when OPENAI_API_KEY is set', () => {
    const fleet = demoFleet({ OPENAI_API_KEY: 'sk-test' });
    expect(fleet.agents[0].model).toEqual({ default: 'openai/gpt-4o-mini', fallbacks: ['mock/fleet-demo'] });
  });

  it('picks anthropic/claude-haiku-4-5 when only ANTHROPIC_API_KEY is set', () => {
    expect(demoFleet({ ANTHROPIC_API_KEY: 'sk-ant' }).agents[0].model).toEqual({
      default: 'anthropic/claude-haiku-4-5',
      fallbacks: ['mock/fleet-demo'],
    });
  });

  it('stays on the mock when only OPENAI_BASE_URL (a local server) is set', () => {
    expect(demoFleet({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).agents[0].model.default).toBe('mock/fleet-demo');
  });
});

describe('examples/fleetchat.yaml', () => {
  const examplePath = path.join(repository, 'examples', 'fleetchat.yaml');

  it('loads without errors and without any key', () => {
    const fleet = loadConfig({ env: { FLEETCHAT_CONFIG: examplePath }, cwd: emptyFolder }).fleet;
    expect(fleet.source).toBe(examplePath);
    expect(fleet.agents).toHaveLength(4);
    expect(fleet.agents[0].model).toEqual({ default: 'mock/fleet-demo', fallbacks: [] });
  });

  it('follows FLEET_MODEL', () => {
    const fleet = loadConfig({
      env: { FLEETCHAT_CONFIG: examplePath, OPENAI_API_KEY: 'sk-test', FLEET_MODEL: 'openai/gpt-4o-mini' },
      cwd: emptyFolder,
    }).fleet;
    expect(fleet.agents[1].model).toEqual({ default: 'openai/gpt-4o-mini', fallbacks: ['mock/fleet-demo'] });
  });

  it('is the demo fleet written as a file', () => {
    const fromFile = loadConfig({ env: { FLEETCHAT_CONFIG: examplePath }, cwd: emptyFolder }).fleet;
    const builtIn = demoFleet();
    const profile = (agent: (typeof builtIn.agents)[number]) => ({
      name: agent.name,
      role: agent.role,
      description: agent.description,
      soul: agent.soul,
      routing: agent.routing,
    });
    expect(fromFile.agents.map(profile)).toEqual(builtIn.agents.map(profile));
    expect(fromFile.defaultAgent).toBe(builtIn.defaultAgent);
    expect(fromFile.routing).toEqual(builtIn.routing);
  });

  it('has a SOUL file for every demo agent', () => {
    const souls = fs.readdirSync(path.join(repository, 'examples', 'souls')).sort();
    expect(souls).toEqual(['aria.md', 'ledger.md', 'nova.md', 'sentinel.md']);
  });
});
