/** Local content rules: too many links → held; a banned word or phrase → spam. */
import { renderBody } from '../domain/markup.js';
import { escapeRegExp } from '../domain/text.js';
import type { NamedCheck } from './pipeline.js';

/** Links the rendered comment would show (Markdown links, autolinks and bare URLs alike). */
export function countLinks(body: string): number {
  return (renderBody(body).match(/<a\s/g) ?? []).length;
}

export function linksCheck(maxLinks: number): NamedCheck {
  return {
    name: 'links',
    run: async ({ body }) => (countLinks(body) > maxLinks ? { kind: 'hold', reason: 'too_many_links' } : undefined),
  };
}


/**
 * Whole words or phrases, any case, in any script: a letter or digit on either side means "inside a word".
 * Text is NFKC-normalised first so fullwidth or compatibility look-alikes match too.
 */
export function bannedWordsMatcher(words: readonly string[]): ((text: string) => boolean) | null {
  const parts = words.map((w) => w.normalize('NFKC').trim()).filter(Boolean).map(escapeRegExp).map((w) => w.replace(/\s+/g, '\\s+'));
  if (parts.length === 0) return null;
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${parts.join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
  return (text) => re.test(text.normalize('NFKC'));
}

export function bannedWordsCheck(words: readonly string[]): NamedCheck | null {
  const matches = bannedWordsMatcher(words);
  if (!matches) return null;
  return {
    name: 'banned_words',
    run: async ({ body, author }) =>
      [body, author.name, author.email, author.website ?? ''].some(matches) ? { kind: 'spam', reason: 'banned_word' } : undefined,
  };
}
