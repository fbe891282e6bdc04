import { startServer } from '../bootstrap.ts';
import type { Config } from '../config/types.ts';
import type { Command } from './command.ts';
import { redactUrl } from '../config/config-error.ts';
import { DEFAULT_WORKSPACE } from '../config/fleet-agents.ts';
import { isWildcardHost } from './urls.ts';


/**
 * Whether every agent answers with a provider of type mock. By the provider's type, not its name:
 * a fleet file may call an OpenAI-compatible server "mock", or the offline mock anything else.
 */
function runsOnMockOnly(config: Config): boolean {
  const typeOf = new Map(config.fleet.providers.map((provider) => [provider.name, provider.type]));
  // `provider/model`: the provider is the part before the first "/".
  return config.fleet.agents.every((agent) => typeOf.get(agent.model.default.split('/')[0]) === 'mock');
}

export const serveCommand: Command = {
  usage: 'serve',
  summary: 'Run the server (HTTP, WebSocket, console) until SIGTERM or Ctrl-C',
  options: {},
  async run({ config: readConfig }) {
    const config = readConfig();
    const started = performance.now();
    const server = await startServer(config, {
      logger: { level: config.logLevel, redact: { paths: ['req.headers.authorization', 'password', '*.password', 'token', '*.token'], censor: '[redacted]' } },
    });
    const { services } = server;
    const providers = services.registry.names();
    const mockOnly = runsOnMockOnly(config);
    const lines = [
      `fleetchat listening on ${server.url} (ready in ${Math.round(performance.now() - started)} ms)${isWildcardHost(config.host) ? `, and on every other address of this machine (HOST=${config.host})` : ''}`,
      `  store: ${services.store.kind} (${redactUrl(config.databaseUrl)}), coordination: ${services.coordination.kind}`,
      `  fleet: ${config.fleet.agents.length} agent(s) from ${config.fleet.source}; providers: ${providers.join(', ')}`,
      `  ${services.wordVectors().note}`,
    ];
    const mode = config.fleet.routing.mode;
    if (mode === 'encoder') lines.push("  routing mode: encoder (the bundled sentence encoder, in a worker thread; the agents' texts are embedded in the background, words and word vectors route meanwhile)");
    else if (mode !== 'embedded') lines.push(`  routing mode: ${mode} (${mode === 'llm' ? config.fleet.routing.llmModel : config.fleet.routing.embeddingsModel})`);
    if (mockOnly) lines.push('  models: every agent runs on the built-in offline mock provider (set OPENAI_API_KEY or ANTHROPIC_API_KEY for real models)');
    if (server.admin) {
      lines.push(`  ${server.admin.firstStart ? 'first start' : `workspace "${DEFAULT_WORKSPACE}" had no admin`}: created admin ${server.admin.email}` + (server.admin.password ? ` with password ${server.admin.password} (shown once: note it, or change it with POST /api/auth/password or fleetchat user password)` : ' with FLEETCHAT_ADMIN_PASSWORD'));
    }
    lines.push(`  console: ${server.url}/   API docs: ${server.url}/docs`);
    // Listen for the signals before the banner says the server is up: whoever reads the banner
    // may stop the server at once, and an unhandled SIGTERM would end it without draining.
    const stopped = new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`${signal}: finishing running answers (up to ${config.shutdownDrainMs} ms), then stopping\n`);
        server.close().then(resolve, (error) => {
          process.stderr.write(`error while stopping: ${error instanceof Error ? error.message : String(error)}\n`);
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    process.stdout.write(lines.join('\n') + '\n');
    await stopped;
    return 0;
  },
};
