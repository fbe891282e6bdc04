import { describe, expect, it } from 'vitest';
import { AnthropicChatModel } from '../../src/providers/anthropic/anthropic-chat-model.ts';
import { MockChatModel } from '../../src/providers/mock/mock-chat-model.ts';
import { OpenAIChatModel } from '../../src/providers/openai/openai-chat-model.ts';
import { createProviderRegistry, splitQualifiedModel } from '../../src/providers/registry.ts';

describe('provider registry', () => {
  const registry = createProviderRegistry([
    { name: 'openai', type: 'openai', apiKey: 'k' },
    { name: 'openrouter', type: 'openai', baseUrl: 'https://openrouter.ai/api/v1' },
    { name: 'anthropic', type: 'anthropic', apiKey: 'k' },
    { name: 'slow-mock', type: 'mock', latencyMs: 5 },
  ]);

  it('splits on the first slash only', () => {
    expect(splitQualifiedModel('openai/gpt-4o-mini')).toEqual({ provider: 'openai', modelId: 'gpt-4o-mini' });
    expect(splitQualifiedModel('openrouter/meta-llama/llama-3')).toEqual({
      provider: 'openrouter',
      modelId: 'meta-llama/llama-3',
    });
    for (const bad of ['gpt-4o', '/gpt-4o', 'openai/', '']) expect(splitQualifiedModel(bad)).toBeUndefined();
  });

  it('resolves to the right adapter with the provider name and model id', () => {
    const resolved = registry.resolve('openrouter/meta-llama/llama-3');
    expect(resolved?.modelId).toBe('meta-llama/llama-3');
    expect(resolved?.qualified).toBe('openrouter/meta-llama/llama-3');
    expect(resolved?.chatModel).toBeInstanceOf(OpenAIChatModel);
    expect(resolved?.chatModel.provider).toBe('openrouter');
    expect(registry.resolve('anthropic/claude-haiku-4-5')?.chatModel).toBeInstanceOf(AnthropicChatModel);
    expect(registry.resolve('slow-mock/x')?.chatModel).toBeInstanceOf(MockChatModel);
  });

  it('always has mock, even unconfigured', () => {
    const empty = createProviderRegistry([]);
    expect(empty.names()).toEqual(['mock']);
    expect(empty.has('mock')).toBe(true);
    expect(empty.resolve('mock/demo')?.chatModel.provider).toBe('mock');
    expect(registry.names()).toEqual(['openai', 'openrouter', 'anthropic', 'slow-mock', 'mock']);
  });

  it('returns undefined for an unknown provider or a malformed name', () => {
    expect(registry.has('groq')).toBe(false);
    expect(registry.resolve('groq/llama')).toBeUndefined();
    expect(registry.resolve('gpt-4o')).toBeUndefined();
  });

  it('refuses a provider configured twice', () => {
    expect(() =>
      createProviderRegistry([
        { name: 'a', type: 'mock' },
        { name: 'a', type: 'openai' },
      ]),
    ).toThrow(/configured twice/);
  });

  it('passes the injected fetch to the HTTP adapters', async () => {
    const seen: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response('{"error":{"message":"nope"}}', { status: 418 });
    };
    const withFetch = createProviderRegistry([{ name: 'local', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1' }], {
      fetch: fakeFetch,
    });
    const resolved = withFetch.resolve('local/llama')!;
    await expect(async () => {
      for await (const _ of resolved.chatModel.stream({ model: 'llama', messages: [] }, new AbortController().signal));
    }).rejects.toThrow(/HTTP 418: nope/);
    expect(seen).toEqual(['http://127.0.0.1:9/v1/chat/completions']);
  });
});
