/**
 * `import … from 'fleetchat/client'` in a TypeScript project with ordinary settings: the README's
 * example compiles against the package's declared types, with no allowImportingTsExtensions and
 * with skipLibCheck off. The types entry used to be the sources (src/client/index.ts), which a
 * consumer's compiler checked with its own options: ten TS5097 errors ("An import path can only
 * end with a '.ts' extension…") before a line of the consumer's own code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error: a build script in plain JavaScript, without declarations
import { buildClientTypes } from '../../scripts/build-client-types.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
let consumer: string;

beforeAll(() => {
  (buildClientTypes as (root: string) => string[])(root);
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetchat-consumer-'));
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  fs.mkdirSync(path.join(consumer, 'node_modules'));
  fs.symlinkSync(root, path.join(consumer, 'node_modules', 'fleetchat'), 'dir');
}, 60_000);
afterAll(() => {
  if (consumer) fs.rmSync(consumer, { recursive: true, force: true });
});

/** The diagnostics of compiling `source` as the consumer's index.ts, as text. */
function compile(source: string, moduleResolution: 'NodeNext' | 'Bundler'): string[] {
  const file = path.join(consumer, 'index.ts');
  fs.writeFileSync(file, source);
  const nodeNext = moduleResolution === 'NodeNext';
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: nodeNext ? ts.ModuleKind.NodeNext : ts.ModuleKind.ESNext,
    moduleResolution: nodeNext ? ts.ModuleResolutionKind.NodeNext : ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

// README.md's example; `declare` stands in for @types/node, which a browser project lacks.
const example = `
declare const process: { env: Record<string, string | undefined>; stdout: { write(text: string): void } };
import { FleetchatClient, FleetchatError, type HistoryItem } from 'fleetchat/client';

const client = new FleetchatClient({ baseUrl: 'http://127.0.0.1:3000' });
await client.login('admin@localhost', process.env.FLEETCHAT_PASSWORD!);
const answer = await client.sendMessage({ message: 'What is our Q3 budget?' });
console.log(\`\${answer.agentName} (\${answer.routedBy}): \${answer.response}\`);
for await (const frame of client.stream({ message: 'And Q4?', sessionId: answer.sessionId })) {
  if (frame.type === 'chunk') process.stdout.write(frame.delta);
}
const first: HistoryItem | undefined = (await client.history({ sessionId: answer.sessionId })).data[0];
console.log(first?.content, new FleetchatError('x', { code: 'NOT_FOUND', status: 404 }).code);
client.close();
`;

it('the README example compiles in a NodeNext project and in a bundler project', () => {
  expect(compile(example, 'NodeNext')).toEqual([]);
  expect(compile(example, 'Bundler')).toEqual([]);
}, 60_000);

it('the types are real, not any: misuse is reported', () => {
  const problems = compile(`
    import { FleetchatClient } from 'fleetchat/client';
    const client = new FleetchatClient({ baseUrl: 'http://127.0.0.1:3000' });
    const answer = await client.sendMessage({ message: 'hi' });
    const tokens: string = answer.inputTokens;
    await client.sendMessage({ text: 'hi' });
  `, 'NodeNext');
  expect(problems.join('\n')).toMatch(/'number' is not assignable to type 'string'/);
  expect(problems.join('\n')).toMatch(/'text' does not exist/);
}, 60_000);
