/** Opaque keyset cursors: a (time in ms, id) pair as base64url JSON. One codec for every paged list. */
import { ValidationError } from './errors.js';

export function encodeKeyset(ms: number, id: string): string {
  return Buffer.from(JSON.stringify([ms, id])).toString('base64url');
}

/** The (ms, id) pair of a cursor this service issued; anything else is a 400 naming `cursor`. */
export function decodeKeyset(raw: string): [number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return [v[0] as number, v[1]];
  } catch {
    // fall through
  }
  throw new ValidationError({ cursor: 'invalid' }, 'The cursor is not one this service issued.');
}
