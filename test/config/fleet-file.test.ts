import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { makeFolder } from './temporary-folder.ts';

const minimalAgent = 'name: Nova\n    role: Research Analyst\n    model: mock/fleet-demo';

function loadYaml(yaml: string, env: Record<string, string> = {}, extraFiles: Record<string, string> = {}) {
  const cwd = makeFolder({ 'fleetchat.yaml': yaml, ...extraFiles });
  return loadConfig({ env, cwd });
}

/** The one-line ConfigError message for a fleet file, which must start with the file's name. */
function refusal(yaml: string, env: Record<string, string> = {}, extraFiles: Record<string, string> = {}): string {
  let caught: unknown;
  try {
    loadYaml(yaml, env, extraFiles);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const message = (caught as ConfigError).message;
  expect(message).not.toContain('\n');
  expect(message.startsWith('fleetchat.yaml:')).toBe(true);
  return message;
}

describe('a YAML fleet file', () => {
  it('reads every field of an agent', () => {
    const config = loadYaml(`
providers:
  local-llm:
    type: openai
    baseUrl: http://127.0.0.1:11434/v1/
    apiKey: none
    headers: { X-Title: fleetchat }
defaultAgent: nova
routing: { mode: llm, llmModel: local-llm/llama3.2, recentWindowMinutes: 10, threshold: 0.4 }
agents:
  - id: 550E8400-E29B-41D4-A716-446655440000
    name: Nova
    role: Research Analyst
    description: Monitors the competitive landscape
    soul: "# Nova\\nYou are Nova."
    model:
      default: local-llm/llama3.2
      fallbacks: [mock/fleet-demo]
    routing:
      examples: ["What did our competitors announce this week?"]
      keywords: [competitor, market]
    session: { maxContextTokens: 8000 }
    limits: { dailyTokenBudget: 300000 }
    workspace: research
    status: offline
`);
    expect(config.fleet.defaultAgent).toBe('Nova');
    expect(config.fleet.routing).toEqual({ mode: 'llm', llmModel: 'local-llm/llama3.2', recentWindowMinutes: 10, threshold: 0.4 });
    expect(config.fleet.providers).toEqual([
      { name: 'mock', type: 'mock' },
      { name: 'local-llm', type: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'none', headers: { 'X-Title': 'fleetchat' } },
    ]);
    expect(config.fleet.agents).toEqual([
      {
        id: '550e8400-e29b-41d4-a716-446655440000',
        name: 'Nova',
        role: 'Research Analyst',
        description: 'Monitors the competitive landscape',
        soul: '# Nova\nYou are Nova.',
        model: { default: 'local-llm/llama3.2', fallbacks: ['mock/fleet-demo'] },
        routing: { examples: ['What did our competitors announce this week?'], keywords: ['competitor', 'market'] },
        session: { maxContextTokens: 8000 },
        limits: { dailyTokenBudget: 300000, monthlyTokenBudget: null },
        workspace: 'research',
        status: 'offline',
      },
    ]);
  });

  it('fills the defaults of a minimal agent', () => {
    const [agent] = loadYaml(`agents:\n  - ${minimalAgent}\n`).fleet.agents;
    expect(agent).toMatchObject({
      model: { default: 'mock/fleet-demo', fallbacks: [] },
      routing: { examples: [], keywords: [] },
      session: { maxContextTokens: 16000 },
      limits: { dailyTokenBudget: null, monthlyTokenBudget: null },
      status: 'online',
      description: '',
    });
    expect(agent.soul).toContain('You are Nova, Research Analyst.');
    expect(agent.id).toBeUndefined();
    expect(agent.workspace).toBeUndefined();
  });

  it('lets a fleet provider override an environment provider by name', () => {
    const config = loadYaml(`providers:\n  openai: { type: openai, baseUrl: "http://127.0.0.1:8000/v1" }\nagents: []\n`, {
      OPENAI_API_KEY: 'sk-test',
      ANTHROPIC_API_KEY: 'sk-ant',
    });
    expect(config.fleet.providers.map((provider) => provider.name)).toEqual(['mock', 'openai', 'anthropic']);
    expect(config.fleet.providers[1]).toEqual({ name: 'openai', type: 'openai', baseUrl: 'http://127.0.0.1:8000/v1' });
  });

  it('reports YAML syntax errors on one line', () => {
    expect(refusal('agents: [\n  - {name: x\n')).toContain('is not valid YAML');
  });
});

describe('a JSON fleet file', () => {
  it('is read by its extension', () => {
    const cwd = makeFolder({
      'fleet.json': JSON.stringify({ agents: [{ name: 'Ledger', role: 'Finance', model: { default: 'mock/x' } }] }),
    });
    const config = loadConfig({ env: { FLEETCHAT_CONFIG: 'fleet.json' }, cwd });
    expect(config.fleet.source).toBe(path.join(cwd, 'fleet.json'));
    expect(config.fleet.agents[0].model).toEqual({ default: 'mock/x', fallbacks: [] });
  });

  it('names the file in a JSON syntax error', () => {
    const cwd = makeFolder({ 'fleet.json': '{ "agents": [ }' });
    expect(() => loadConfig({ env: { FLEETCHAT_CONFIG: 'fleet.json' }, cwd })).toThrow(/^fleet\.json: is not valid JSON/);
  });

  it('refuses other extensions', () => {
    const cwd = makeFolder({ 'fleet.toml': 'agents = []' });
    expect(() => loadConfig({ env: { FLEETCHAT_CONFIG: 'fleet.toml' }, cwd })).toThrow(/must end in \.yaml, \.yml or \.json/);
  });
});

describe('${VAR} expansion', () => {
  const yaml = `providers:\n  local:\n    type: openai\n    baseUrl: \${LOCAL_URL:-http://127.0.0.1:11434/v1}\n    apiKey: \${LOCAL_KEY}\nagents:\n  - ${minimalAgent}\n    description: "costs $$\{BUDGET} a day"\n`;

  it('reads ${VAR} and ${VAR:-default} from the env map', () => {
    const config = loadYaml(yaml, { LOCAL_KEY: 'secret' });
    expect(config.fleet.providers[1]).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'secret' });
    expect(loadYaml(yaml, { LOCAL_KEY: 'k', LOCAL_URL: 'https://llm.example.com/v1' }).fleet.providers[1].baseUrl).toBe(
      'https://llm.example.com/v1',
    );
  });

  it('keeps $${ as a literal ${', () => {
    expect(loadYaml(yaml, { LOCAL_KEY: 'k' }).fleet.agents[0].description).toBe('costs ${BUDGET} a day');
  });

  it('treats an empty variable as unset', () => {
    expect(loadYaml(yaml, { LOCAL_KEY: 'k', LOCAL_URL: '' }).fleet.providers[1].baseUrl).toBe('http://127.0.0.1:11434/v1');
  });

  it('names the path and the variable when it is unset without a default', () => {
    expect(refusal(yaml)).toBe(
      'fleetchat.yaml: providers.local.apiKey uses ${LOCAL_KEY} but LOCAL_KEY is not set; set it or write ${LOCAL_KEY:-default}',
    );
  });

  it('refuses malformed placeholders', () => {
    expect(refusal(`agents:\n  - ${minimalAgent}\n    description: "\${NOT CLOSED"\n`)).toContain('agents[0].description has a "${"');
    expect(refusal(`agents:\n  - ${minimalAgent}\n    description: "\${bad-name}"\n`)).toContain('write ${NAME}');
  });

  it('expands numbers given as text', () => {
    const config = loadYaml(`providers:\n  mock: { type: mock, latencyMs: "\${LATENCY:-25}" }\nagents: []\n`);
    expect(config.fleet.providers[0]).toEqual({ name: 'mock', type: 'mock', latencyMs: 25 });
  });
});

describe('souls', () => {
  it('reads a path relative to the fleet file', () => {
    const cwd = makeFolder({
      'fleets/main.yaml': `agents:\n  - ${minimalAgent}\n    soul: ./souls/nova.md\n  - name: Ledger\n    role: Finance\n    model: mock/x\n    soul: ledger.txt\n`,
      'fleets/souls/nova.md': '# Nova\nFrom a file.\n',
      'fleets/ledger.txt': 'Ledger from text.\n',
    });
    const config = loadConfig({ env: { FLEETCHAT_CONFIG: 'fleets/main.yaml' }, cwd });
    expect(config.fleet.agents.map((agent) => agent.soul)).toEqual(['# Nova\nFrom a file.\n', 'Ledger from text.\n']);
  });

  it('keeps Markdown text as it is', () => {
    const config = loadYaml(`agents:\n  - ${minimalAgent}\n    soul: |\n      # Nova\n      See ./notes.md for more.\n`);
    expect(config.fleet.agents[0].soul).toBe('# Nova\nSee ./notes.md for more.\n');
    const oneLine = loadYaml(`agents:\n  - ${minimalAgent}\n    soul: You are Nova, a careful analyst.\n`);
    expect(oneLine.fleet.agents[0].soul).toBe('You are Nova, a careful analyst.');
  });

  it('refuses a path whose file is missing', () => {
    expect(refusal(`agents:\n  - ${minimalAgent}\n    soul: ./souls/missing.md\n`)).toMatch(
      /^fleetchat\.yaml: agents\[0\]\.soul names the file \.\/souls\/missing\.md, which does not exist/,
    );
  });
});

describe('refusals with a path', () => {
  const agents = (third: string) =>
    `agents:\n  - name: A\n    role: r\n    model: mock/a\n  - name: B\n    role: r\n    model: mock/b\n  - ${third}\n`;

  it('names agents[2].model.default when it is not provider/model', () => {
    expect(refusal(agents('name: C\n    role: r\n    model: { default: gpt4 }'))).toBe(
      'fleetchat.yaml: agents[2].model.default must be "provider/model" (got "gpt4")',
    );
  });

  it('refuses unknown keys with the path and a suggestion', () => {
    expect(refusal(agents('name: C\n    role: r\n    model: { defualt: mock/c }'))).toBe(
      'fleetchat.yaml: agents[2].model.defualt is not a known key; did you mean "default"? (accepted: default, fallbacks)',
    );
    expect(refusal(`agent: []\n`)).toContain('fleetchat.yaml: agent is not a known key; did you mean "agents"?');
    expect(refusal(agents('name: C\n    role: r\n    model: mock/c\n    colour: blue'))).toMatch(/agents\[2\]\.colour is not a known key \(accepted:/);
    expect(refusal(`providers:\n  x: { type: mock, latency: 5 }\n`)).toContain('providers.x.latency is not a known key; did you mean "latencyMs"?');
  });

  it('refuses duplicate names in a workspace whatever their case', () => {
    expect(refusal(agents('name: a\n    role: r\n    model: mock/c'))).toBe(
      'fleetchat.yaml: agents[2].name "a" is already the name of agents[0] in workspace "default" (names are unique in a workspace, whatever the case)',
    );
  });

  it('refuses a model whose provider is not defined', () => {
    const message = refusal(agents('name: C\n    role: r\n    model: { default: mock/c, fallbacks: [openai/gpt-4o-mini] }'));
    expect(message).toBe(
      'fleetchat.yaml: agents[2].model.fallbacks[0] names provider "openai", which is not defined: set OPENAI_API_KEY or OPENAI_BASE_URL, or define it under providers (defined: mock)',
    );
    expect(loadYaml(agents('name: C\n    role: r\n    model: openai/gpt-4o-mini'), { OPENAI_API_KEY: 'sk' }).fleet.agents[2].model.default).toBe(
      'openai/gpt-4o-mini',
    );
  });

  it('refuses a defaultAgent that is not among the agents', () => {
    expect(refusal(`defaultAgent: Zed\n${agents('name: C\n    role: r\n    model: mock/c')}`)).toBe(
      'fleetchat.yaml: defaultAgent must be the name of one of the agents (got "Zed"; agents: A, B, C)',
    );
  });

  it.each([
    ['id: not-a-uuid', 'agents[0].id must be a UUID'],
    ['session: { maxContextTokens: 100 }', 'agents[0].session.maxContextTokens must be an integer from 256'],
    ['limits: { dailyTokenBudget: 0 }', 'agents[0].limits.dailyTokenBudget must be an integer from 1'],
    ['limits: { monthlyTokenBudget: 1.5 }', 'agents[0].limits.monthlyTokenBudget must be an integer'],
    ['status: away', 'agents[0].status must be one of online, offline (got "away")'],
    ['routing: { keywords: competitor }', 'agents[0].routing.keywords must be a list of texts'],
    ['routing: { examples: [ok, 5] }', 'agents[0].routing.examples[1] must be text'],
  ])('refuses %s', (line, expected) => {
    expect(refusal(`agents:\n  - ${minimalAgent}\n    ${line}\n`)).toContain(`fleetchat.yaml: ${expected}`);
  });

  it('refuses a name longer than 100 characters', () => {
    expect(refusal(`agents:\n  - { name: "${'x'.repeat(101)}", role: r, model: mock/a }\n`)).toContain(
      'agents[0].name must be text of 1 to 100 characters',
    );
  });

  it('requires name, role and model', () => {
    expect(refusal('agents:\n  - { role: r, model: mock/a }\n')).toContain('agents[0].name is required');
    expect(refusal('agents:\n  - { name: A, model: mock/a }\n')).toContain('agents[0].role is required');
    expect(refusal('agents:\n  - { name: A, role: r }\n')).toContain('agents[0].model is required');
  });

  it('checks providers and routing', () => {
    expect(refusal('providers:\n  x: { baseUrl: "http://h" }\n')).toContain('providers.x.type is required');
    expect(refusal('providers:\n  x: { type: openai, baseUrl: "h:1" }\n')).toContain('providers.x.baseUrl must be an http:// or https:// URL');
    expect(refusal('providers:\n  x: { type: openai, latencyMs: 5 }\n')).toContain('providers.x.latencyMs applies to providers of type mock only');
    expect(refusal('routing: { mode: embeddings }\n')).toContain('routing.mode embeddings needs routing.embeddingsModel');
    expect(refusal('routing: { mode: telepathy }\n')).toContain('one of embedded, embeddings, encoder, llm');
    expect(loadYaml('agents:\n  - { name: A, role: r, model: mock/a }\nrouting: { mode: encoder }\n').fleet.routing.mode).toBe('encoder');
    expect(refusal('routing: { threshold: 2 }\n')).toContain('routing.threshold must be a number from 0 to 1');
    expect(refusal('routing: { llmModel: nowhere/x }\n')).toContain('routing.llmModel names provider "nowhere"');
  });

  it('lets ROUTING_MODE and ROUTING_RECENT_WINDOW_MINUTES override the file', () => {
    const config = loadYaml('routing: { mode: embedded, llmModel: mock/router, recentWindowMinutes: 5 }\n', {
      ROUTING_MODE: 'llm',
      ROUTING_RECENT_WINDOW_MINUTES: '45',
    });
    expect(config.fleet.routing).toEqual({ mode: 'llm', llmModel: 'mock/router', recentWindowMinutes: 45 });
  });

  it('refuses an empty file', () => {
    expect(refusal('')).toContain('fleetchat.yaml: must be a mapping with agents');
  });
});
