import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors.ts';
import { projectRoot } from '../../paths.ts';
import type { Services } from '../../services.ts';
import { sendError } from '../error-handler.ts';


const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The page may load only its own script and style and talk only to its own origin ('self'
 * covers ws:/wss: of the same host in current browsers). `form-action 'none'` means a login
 * form can never be submitted as a plain GET with the password in the URL, even if the script
 * failed to load.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// Hashed names only: letters, digits, dot, dash, underscore; no path separators, no dot files.
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

interface ConsoleBuilder {
  ensureConsoleBuilt(options: { root: string }): Promise<{ built: boolean; files: string[]; ms: number }>;
}

export interface ConsoleRouteOptions {
  /** The project root holding `dist/console/` (and the sources, for the build at start). */
  root?: string;
}

/**
 * Serves the web console (dist/console/) at `/` and `/assets/…`. These paths are public: the
 * page holds no data, and the API it calls needs the token. When the bundle is missing or older
 * than its sources it is built here, once, with esbuild (about 100 ms), so `npm start` needs no
 * build step; a failed build leaves the API up and `/` answering 503 with the reason.
 */
export async function registerConsoleRoutes(app: FastifyInstance, _services: Services, options: ConsoleRouteOptions = {}): Promise<void> {
  const root = options.root ?? projectRoot;
  const directory = path.join(root, 'dist/console');
  let buildError: string | undefined;
  try {
    // A variable specifier: the script is plain JavaScript, loaded only at run time.
    const scriptUrl = pathToFileURL(path.join(root, 'scripts/build-console.mjs')).href;
    const builder = (await import(scriptUrl)) as ConsoleBuilder;
    const result = await builder.ensureConsoleBuilt({ root });
    if (result.built) app.log.info({ ms: result.ms }, 'web console built');
  } catch (error) {
    buildError = (error as Error).message;
    app.log.error({ err: error }, 'the web console could not be built; run `npm run build:console`');
  }

  const sendFile = async (reply: FastifyReply, file: string, cacheControl: string) => {
    let contents: Buffer;
    try {
      contents = await fs.readFile(file);
    } catch {
      const reason = buildError ? ` (the build failed: ${buildError})` : '';
      if (file.endsWith('index.html')) return sendError(reply, new AppError('UNAVAILABLE', `The web console is not built${reason}; run \`npm run build:console\`.`));
      return sendError(reply, new AppError('NOT_FOUND', 'No such console asset.'));
    }
    reply.header('content-type', contentTypes[path.extname(file)] ?? 'application/octet-stream');
    reply.header('cache-control', cacheControl);
    reply.header('x-content-type-options', 'nosniff');
    return reply.send(contents);
  };

  const routeOptions = { config: { public: true }, schema: { hide: true } };

  app.get('/', routeOptions, async (_request, reply) => {
    reply.header('content-security-policy', contentSecurityPolicy);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // Always revalidated: it names the hashed assets of the current build.
    return sendFile(reply, path.join(directory, 'index.html'), 'no-cache');
  });

  app.get<{ Params: { file: string } }>('/assets/:file', routeOptions, async (request, reply) => {
    const name = request.params.file;
    if (!ASSET_NAME.test(name)) return sendError(reply, new AppError('NOT_FOUND', 'No such console asset.'));
    // Content-hashed names never change content, so browsers may keep them for a year.
    return sendFile(reply, path.join(directory, 'assets', name), 'public, max-age=31536000, immutable');
  });
}
