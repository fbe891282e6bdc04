/**
 * `fleetchat/client`: a typed client of the fleetchat API for Node 20+ and browsers.
 *
 *     const client = new FleetchatClient({ baseUrl: 'http://localhost:3000' });
 *     await client.login(email, password);
 *     for await (const frame of client.stream({ message: 'Hello' })) …
 *
 * See docs/CLIENT.md.
 */
export { FleetchatClient, type FleetchatClientOptions, type RequestOptions } from './client.ts';
export { FleetchatError, statusOf, type ClientErrorCode, type FleetchatErrorCode, type FleetchatErrorOptions } from './errors.ts';
export type { AnswerStream } from './answer-stream.ts';
export type { WebSocketConstructor, WebSocketLike } from './websocket.ts';
export type * from './types.ts';
