// Declaration files of the typed client (dist/types/client/index.d.ts, package.json "exports"
// types of fleetchat/client), so that a TypeScript project with its own settings can use it.
// The sources could not be that entry: they import with .ts extensions (allowImportingTsExtensions,
// which a consumer rarely sets) and a consumer's compiler would check them with its own options.
// Run by scripts/build.mjs; test/client/package-types.test.ts compiles the README's example
// against them with a plain tsconfig.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Writes dist/types/ from src/client/index.ts; throws with the compiler's messages if it cannot. */
export function buildClientTypes(root) {
  const outDir = path.join(root, 'dist', 'types');
  fs.rmSync(outDir, { recursive: true, force: true });
  const program = ts.createProgram([path.join(root, 'src', 'client', 'index.ts')], {
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    lib: ['lib.es2024.d.ts', 'lib.dom.d.ts'],
    types: [], // the client needs no @types/node (a devDependency): an install without dev packages builds too
    rootDir: path.join(root, 'src'),
    outDir,
  });
  const written = [];
  const result = program.emit(undefined, (file, text) => {
    // './client.ts' → './client.js': what every TypeScript version resolves to client.d.ts.
    const rewritten = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, rewritten);
    written.push(file);
  });
  const problems = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (problems.length > 0 || result.emitSkipped) {
    const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    throw new Error(`the client's declaration files could not be built:\n${ts.formatDiagnostics(problems, host)}`);
  }
  return written;
}
