/**
 * What the fallback layer (src/providers/fallback.ts) costs per chunk, with nothing else in the
 * way: `--answers` answers at once, each `--chunks` text chunks from an in-process model that
 * yields one chunk per microtask, read to the end through streamWithFallbacks (one model, no
 * failure). Every read is raced against the attempt's abort, which is the cost measured.
 *
 *   node --import tsx bench/fallback-stream.ts [--answers 200] [--chunks 2000] [--runs 5]
 */
import { parseArgs } from 'node:util';
import type { ChatModel, ChatStreamPart } from '../src/providers/chat-model.ts';
import { streamWithFallbacks } from '../src/providers/fallback.ts';
import type { ProviderRegistry } from '../src/providers/registry.ts';
import { describeMachine, median, printMachine, round, writeResult } from './support/report.ts';

const { values: options } = parseArgs({
  options: {
    answers: { type: 'string', default: '200' },
    chunks: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' },
  },
});
const answers = Number(options.answers);
const chunks = Number(options.chunks);
const runs = Number(options.runs);

const model: ChatModel = {
  provider: 'bench',
  async *stream(): AsyncGenerator<ChatStreamPart> {
    for (let chunk = 0; chunk < chunks; chunk += 1) {
      await null;
      yield { type: 'text-delta', text: 'word ' };
    }
    yield { type: 'end', usage: { inputTokens: 1, outputTokens: chunks }, finishReason: 'stop' };
  },
};
const registry = { resolve: () => ({ chatModel: model, modelId: 'bench' }) } as unknown as ProviderRegistry;

async function readAnswer(): Promise<number> {
  let texts = 0;
  const parts = streamWithFallbacks(registry, ['bench/bench'], { messages: [{ role: 'user', content: 'hi' }] }, { signal: new AbortController().signal, timeoutMs: 60_000 });
  for await (const part of parts) if (part.type === 'text-delta') texts += 1;
  return texts;
}

const machine = describeMachine();
printMachine(machine);
const rates: number[] = [];
for (let run = 0; run < runs + 1; run += 1) {
  const startedAt = performance.now();
  const counts = await Promise.all(Array.from({ length: answers }, readAnswer));
  const seconds = (performance.now() - startedAt) / 1000;
  if (counts.some((count) => count !== chunks)) throw new Error(`an answer lost chunks: ${counts.find((count) => count !== chunks)} of ${chunks}`);
  if (run > 0) rates.push((answers * chunks) / seconds); // the first run warms the JIT up
}
const result = { chunksPerSecondMedian: round(median(rates), 0), microsecondsPerChunk: round(1e6 / median(rates), 2) };
console.log(`${answers} answers × ${chunks} chunks, ${runs} runs: ${rates.map((rate) => Math.round(rate / 1000)).join(', ')} k chunks/s`);
console.log(`median: ${Math.round(result.chunksPerSecondMedian / 1000)} k chunks/s, ${result.microsecondsPerChunk} µs per chunk`);
console.log(`written: ${writeResult('fallback-stream', { machine, options: { answers, chunks, runs }, rates, ...result })}`);
