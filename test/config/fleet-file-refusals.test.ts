/**
 * Fleet files that used to start with something else than written (a literal `${…}`, the last
 * of two keys, no agents) or that failed later without naming the file and the path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore, startServer } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config/index.ts';
import { refusalOf } from './refusal.ts';
import { makeFolder } from './temporary-folder.ts';

const minimalAgent = 'name: Nova\n    role: Research Analyst\n    model: mock/fleet-demo';

function loadFile(name: string, text: string | Buffer, env: Record<string, string> = {}, extraFiles: Record<string, string> = {}) {
  const cwd = makeFolder(extraFiles);
  fs.writeFileSync(path.join(cwd, name), text);
  return loadConfig({ env: { FLEETCHAT_CONFIG: name, ...env }, cwd });
}

const loadYaml = (yaml: string, env: Record<string, string> = {}, extraFiles: Record<string, string> = {}) =>
  loadFile('fleet.yaml', yaml, env, extraFiles);
const yamlRefusal = (yaml: string, env: Record<string, string> = {}, extraFiles: Record<string, string> = {}) =>
  refusalOf(() => loadYaml(yaml, env, extraFiles), 'fleet.yaml: ');
const jsonRefusal = (json: string) => refusalOf(() => loadFile('fleet.json', json), 'fleet.json: ');

const agentJson = (name: string, extra = '') => `{"name": "${name}", "role": "Tester", "model": "mock/x"${extra}}`;

describe('nested ${…} in a default', () => {
  const yaml = 'providers:\n  p: { type: openai, baseUrl: "http://127.0.0.1:1/v1", apiKey: "${OPENAI_KEY:-${FALLBACK_KEY}}" }\n';

  it('is refused, naming the field and the whole expression, whether the variable is set or not', () => {
    const expected =
      'fleet.yaml: providers.p.apiKey has "${OPENAI_KEY:-${FALLBACK_KEY}}": a default cannot hold another ${…}; write it as plain text';
    expect(yamlRefusal(yaml, { FALLBACK_KEY: 'fallback' })).toBe(expected);
    expect(yamlRefusal(yaml, { OPENAI_KEY: 'sk-test' })).toBe(expected);
  });

  it('still reads a plain default', () => {
    const config = loadYaml('providers:\n  p: { type: openai, apiKey: "${OPENAI_KEY:-none}" }\n');
    expect(config.fleet.providers.at(-1)?.apiKey).toBe('none');
  });
});

describe('JSON fleet files', () => {
  it('accept a UTF-8 byte-order mark, as YAML files do', () => {
    const config = loadFile('fleet.json', `\uFEFF{"agents": [${agentJson('Ledger')}]}`);
    expect(config.fleet.agents[0].name).toBe('Ledger');
    expect(loadYaml(`\uFEFFagents:\n  - ${minimalAgent}\n`).fleet.agents[0].name).toBe('Nova');
  });

  it('refuse a key given twice, naming it and its path', () => {
    expect(jsonRefusal(`{"agents": [${agentJson('A')}],\n "agents": []}`)).toBe(
      'fleet.json: agents is given twice in its mapping (line 2); a JSON key must appear once',
    );
    expect(jsonRefusal(`{"agents": [${agentJson('A')}, {"name": "B", "role": "r", "model": "mock/x", "n\\u0061me": "C"}]}`)).toBe(
      'fleet.json: agents[1].name is given twice in its mapping (line 1); a JSON key must appear once',
    );
  });

  it('are UTF-8 text, like YAML files, rather than read with replacement characters', () => {
    expect(refusalOf(() => loadFile('fleet.json', Buffer.from('{"agents": [], "x": "caf\xe9"}', 'latin1')), 'fleet.json: ')).toBe(
      'fleet.json: is not UTF-8 text; save it as UTF-8',
    );
    expect(refusalOf(() => loadFile('fleet.yaml', Buffer.from('# caf\xe9\nagents: []\n', 'latin1')), 'fleet.yaml: ')).toBe(
      'fleet.yaml: is not UTF-8 text; save it as UTF-8',
    );
  });

  it('accept the same key in different mappings', () => {
    expect(loadFile('fleet.json', `{"agents": [${agentJson('A')}, ${agentJson('B')}]}`).fleet.agents).toHaveLength(2);
  });
});

describe('provider settings no HTTP request can carry', () => {
  const provider = (settings: string) => `providers:\n  p: { type: openai, baseUrl: "http://127.0.0.1:1/v1", ${settings} }\n`;

  it.each([
    ['headers: { "Bad Header": v }', 'providers.p.headers["Bad Header"] is not a usable HTTP header name'],
    ['headers: { "": v }', 'providers.p.headers[""] is not a usable HTTP header name'],
    ['headers: { X-A: "a\\nb" }', 'providers.p.headers.X-A must not contain control characters'],
    ['headers: { X-U: "héllo ✓" }', 'providers.p.headers.X-U must hold Latin-1 characters only'],
    ['apiKey: "key\\nx"', 'providers.p.apiKey must not contain control characters'],
  ])('refuses %s', (settings, expected) => {
    expect(yamlRefusal(provider(settings))).toContain(`fleet.yaml: ${expected}`);
  });

  it('refuses one header given twice in two cases, which fetch would join', () => {
    expect(yamlRefusal(provider('headers: { X-Title: a, x-title: b }'))).toBe(
      'fleet.yaml: providers.p.headers.x-title is the same header as X-Title (header names ignore case); keep one',
    );
  });

  it('explains the rules and never echoes a key', () => {
    expect(yamlRefusal(provider('headers: { "Bad Header": v }'))).toContain("letters, digits and !#$%&'*+-.^_`|~");
    expect(yamlRefusal(provider('apiKey: "sk-secret\\u0001"'))).not.toContain('sk-secret');
  });

  it('refuses credentials in baseUrl, pointing to apiKey and headers', () => {
    const message = yamlRefusal('providers:\n  p: { type: openai, baseUrl: "http://u:hunter2@127.0.0.1:1/v1" }\n');
    expect(message).toContain('fleet.yaml: providers.p.baseUrl must not contain a user name or password');
    expect(message).toContain('use apiKey or headers instead');
    expect(message).not.toContain('hunter2');
  });

  it('accepts the usual headers and Latin-1 values', () => {
    const config = loadYaml(provider('headers: { HTTP-Referer: "https://example.com", X-Title: "fleetchat café" }'));
    expect(config.fleet.providers.at(-1)?.headers).toEqual({ 'HTTP-Referer': 'https://example.com', 'X-Title': 'fleetchat café' });
  });
});

describe('token budgets', () => {
  it('refuses a daily budget larger than the monthly one', () => {
    expect(yamlRefusal(`agents:\n  - ${minimalAgent}\n    limits: { dailyTokenBudget: 5000, monthlyTokenBudget: 1000 }\n`)).toBe(
      'fleet.yaml: agents[0].limits.dailyTokenBudget must not be larger than agents[0].limits.monthlyTokenBudget (got 5000 and 1000)',
    );
    const [agent] = loadYaml(`agents:\n  - ${minimalAgent}\n    limits: { dailyTokenBudget: 1000, monthlyTokenBudget: 1000 }\n`).fleet.agents;
    expect(agent.limits).toEqual({ dailyTokenBudget: 1000, monthlyTokenBudget: 1000 });
  });
});

describe('YAML warnings', () => {
  afterEach(() => vi.restoreAllMocks());

  it('are refusals naming the file, the line and the tag, and nothing is printed', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning');
    const message = yamlRefusal(`# a fleet\nagents: !foo []\n`);
    expect(message).toBe('fleet.yaml: line 2, column 9: unknown YAML tag !foo; remove it (fleet files use plain YAML)');
    expect(emitWarning).not.toHaveBeenCalled();
  });
});

describe('text a store cannot keep', () => {
  it.each([
    ['soul: "You are\\0 Nova"', 'agents[0].soul must not contain NUL characters'],
    ['routing: { examples: ["a\\0b"] }', 'agents[0].routing.examples[0] must not contain NUL characters'],
    ['description: "x\\ud800y"', 'agents[0].description must be valid Unicode (it has a lone surrogate)'],
    ['workspace: "a\\0"', 'agents[0].workspace must not contain NUL characters'],
  ])('refuses %s with the path', (line, expected) => {
    expect(yamlRefusal(`agents:\n  - ${minimalAgent}\n    ${line}\n`)).toBe(`fleet.yaml: ${expected}`);
  });

  it('refuses a workspace name with a control character', () => {
    expect(yamlRefusal(`agents:\n  - ${minimalAgent}\n    workspace: "research\\tteam"\n`)).toBe(
      'fleet.yaml: agents[0].workspace must be a name without control characters such as line breaks (got "research\\tteam")',
    );
  });

  it('refuses them in JSON too', () => {
    expect(jsonRefusal(`{"agents": [${agentJson('A', ', "description": "x\\u0000"')}]}`)).toContain('agents[0].description must not contain NUL');
  });

  it('names the SOUL file of a binary SOUL', () => {
    const cwd = makeFolder();
    fs.writeFileSync(path.join(cwd, 'binary.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02, 0x41]));
    fs.writeFileSync(path.join(cwd, 'latin1.md'), Buffer.from([0x23, 0x20, 0xe9, 0x74, 0xe9]));
    fs.writeFileSync(path.join(cwd, 'fleet.yaml'), `agents:\n  - ${minimalAgent}\n    soul: ./binary.md\n`);
    expect(refusalOf(() => loadConfig({ env: { FLEETCHAT_CONFIG: 'fleet.yaml' }, cwd }), 'fleet.yaml: ')).toBe(
      `fleet.yaml: agents[0].soul names ${path.join(cwd, 'binary.md')}, which contains NUL characters (is it a binary file?); a SOUL is UTF-8 text`,
    );
    fs.writeFileSync(path.join(cwd, 'fleet.yaml'), `agents:\n  - ${minimalAgent}\n    soul: ./latin1.md\n`);
    expect(refusalOf(() => loadConfig({ env: { FLEETCHAT_CONFIG: 'fleet.yaml' }, cwd }), 'fleet.yaml: ')).toBe(
      `fleet.yaml: agents[0].soul names ${path.join(cwd, 'latin1.md')}, which is not UTF-8 text; save it as UTF-8`,
    );
  });
});

describe('agent names', () => {
  const agent = (name: string, workspace?: string) =>
    `  - { name: ${name}, role: r, model: mock/x${workspace === undefined ? '' : `, workspace: ${workspace}`} }\n`;

  it('are unique in their workspace: the same name may serve two workspaces', () => {
    const config = loadYaml(`agents:\n${agent('Nova')}${agent('Nova', 'research')}`);
    expect(config.fleet.agents.map((each) => [each.name, each.workspace])).toEqual([['Nova', undefined], ['Nova', 'research']]);
  });

  it('sync to one agent per workspace, start after start (the store keys agents by workspace and name)', async () => {
    const cwd = makeFolder({
      'fleet.yaml': `defaultAgent: Nova\nagents:\n${agent('Nova')}  - { name: Nova, role: Researcher, model: mock/x, workspace: research }\n`,
    });
    const config = loadConfig({
      env: { FLEETCHAT_CONFIG: 'fleet.yaml', DATABASE_URL: 'sqlite:fleetchat.db', JWT_SECRET: 'x'.repeat(32), FLEETCHAT_ADMIN_PASSWORD: 'correct horse battery' },
      cwd,
    });
    const lines: string[] = [];
    for (let start = 0; start < 2; start++) {
      const server = await startServer(config, { listen: false, info: (line) => lines.push(line), warn: (line) => lines.push(line) });
      await server.close();
    }
    expect(lines.join('\n')).not.toContain('archived');
    const store = await createStore(config);
    try {
      for (const [workspaceName, role] of [['default', 'r'], ['research', 'Researcher']]) {
        const workspace = await store.getWorkspaceByName(workspaceName);
        const nova = await store.getAgentByName(workspace!.id, 'Nova');
        expect(nova).toMatchObject({ role, status: 'online' });
        expect(workspace!.defaultAgentId).toBe(nova!.id);
      }
    } finally {
      await store.close();
    }
  });

  it('are refused twice in one workspace, the default one written or not', () => {
    expect(yamlRefusal(`agents:\n${agent('Nova')}${agent('nova', 'default')}`)).toBe(
      'fleet.yaml: agents[1].name "nova" is already the name of agents[0] in workspace "default" (names are unique in a workspace, whatever the case)',
    );
    expect(yamlRefusal(`agents:\n${agent('Nova', 'research')}${agent('NOVA', 'research')}`)).toContain('in workspace "research"');
  });
});
