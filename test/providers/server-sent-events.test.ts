import { describe, expect, it } from 'vitest';
import { ServerSentEventParser } from '../../src/providers/server-sent-events.ts';

function parseInPieces(text: string, pieceSize: number) {
  const bytes = new TextEncoder().encode(text);
  const parser = new ServerSentEventParser();
  const events = [];
  for (let index = 0; index < bytes.length; index += pieceSize) {
    events.push(...parser.push(bytes.subarray(index, index + pieceSize)));
  }
  events.push(...parser.finish());
  return events;
}

describe('ServerSentEventParser', () => {
  const stream =
    ': comment\n\n' +
    'event: message_start\ndata: {"a":"ü"}\n\n' +
    'data: line one\r\ndata: line two\r\n\r\n' +
    'data:no-space\rid: 7\rretry: 10\r\r' +
    'data: 🌍 last\n\n';
  const expected = [
    { event: 'message_start', data: '{"a":"ü"}' },
    { event: undefined, data: 'line one\nline two' },
    { event: undefined, data: 'no-space' },
    { event: undefined, data: '🌍 last' },
  ];

  for (const pieceSize of [1, 2, 3, 5, 7, 1000]) {
    it(`gives the same events whatever the chunking (${pieceSize} bytes)`, () => {
      expect(parseInPieces(stream, pieceSize)).toEqual(expected);
    });
  }

  it('delivers a last event without its blank line at the end of the body', () => {
    expect(parseInPieces('data: [DONE]', 4)).toEqual([{ event: undefined, data: '[DONE]' }]);
  });

  it('drops an event field without data', () => {
    expect(parseInPieces('event: ping\n\n', 3)).toEqual([]);
  });
});
