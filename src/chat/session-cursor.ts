/**
 * The `cursor` of GET /api/chat/sessions: the position of a page's last session in the listing
 * order, (lastMessageAt, id), as base64url of `<lastMessageAt in epoch milliseconds>|<id>`.
 *
 * Opaque to clients (they pass `nextCursor` back unchanged), so its form may change. Epoch
 * milliseconds because that is what both stores hold exactly: SQLite stores the integer, and
 * PostgreSQL's timestamptz only ever receives JavaScript Dates, so a cursor made on one store
 * positions a page the same way on the other. It carries nothing that the caller has not
 * already read in the page, and positions a listing that is still scoped by workspace and user.
 */
import { isUuid } from '../ids.ts';
import type { SessionPosition } from '../store/store.ts';

/** ±8.64e15 ms is the range of a JavaScript Date. */
const positionPattern = /^(-?\d{1,16})\|([0-9a-fA-F-]{36})$/;
const base64url = /^[A-Za-z0-9_-]+$/;

export function encodeSessionCursor(position: SessionPosition): string {
  return Buffer.from(`${position.lastMessageAt.getTime()}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor encodes, or undefined when it is not one that encodeSessionCursor makes. */
export function decodeSessionCursor(cursor: string): SessionPosition | undefined {
  if (cursor.length > 100 || !base64url.test(cursor)) return undefined;
  const bytes = Buffer.from(cursor, 'base64url');
  // Node decodes leniently (stray trailing bits, any length): accept only the canonical form.
  if (bytes.toString('base64url') !== cursor) return undefined;
  const match = positionPattern.exec(bytes.toString('utf8'));
  if (!match) return undefined;
  const lastMessageAt = new Date(Number(match[1]));
  if (Number.isNaN(lastMessageAt.getTime()) || !isUuid(match[2])) return undefined;
  // Ids are stored lower-case; SQLite compares them as text.
  return { lastMessageAt, id: match[2].toLowerCase() };
}
