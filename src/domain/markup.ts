/** Comment bodies: the Markdown subset readers may write, rendered once on the server to HTML that is safe to embed. */
import MarkdownIt from 'markdown-it';
import type { StateCore, Token } from 'markdown-it';

// Comment links point at strangers' sites: tell search engines not to vouch for them and keep the opener away.
const LINK_REL = 'nofollow ugc noopener noreferrer';

// An allow-list, not markdown-it's deny-list: anything that is not plainly one of these schemes
// (relative paths, protocol-relative, data:, or a scheme hidden behind whitespace, control chars or
// percent-encoding, which normalizeLink has already turned into %XX) is refused.
const ALLOWED_HREF = /^(?:https?|mailto):/i;

function isAllowedHref(href: string): boolean {
  return ALLOWED_HREF.test(href);
}

// Built once: rendering happens on every post and edit.
const md = new MarkdownIt({
  html: false,
  linkify: true,
  breaks: true,
  typographer: false,
  // Blockquotes and inline delimiters recurse; a low ceiling keeps hostile input off the stack limit.
  maxNesting: 20,
});

// Images would let a comment make every reader's browser fetch an arbitrary URL (tracking, mixed content);
// headings, tables and rules are page furniture a comment does not need.
md.disable(['image', 'heading', 'lheading', 'table', 'hr']);

// markdown-it passes the already-normalised URL (entities decoded, percent-encoded) to this hook for links,
// reference definitions, autolinks and linkify; refusing here makes the source render as text.
md.validateLink = isAllowedHref;

// Backstop for links that never went through validateLink: `[x]()` keeps an empty href, and a future plugin
// might push its own link tokens. Unwrapping them here guarantees no unvetted href reaches the renderer.
md.core.ruler.push('drop_unsafe_links', (state: StateCore) => {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const dropped: boolean[] = [];
    block.children = block.children.filter((token: Token) => {
      if (token.type === 'link_open') {
        const drop = !isAllowedHref(String(token.attrGet('href') ?? ''));
        dropped.push(drop);
        return !drop;
      }
      if (token.type === 'link_close') return !dropped.pop();
      return true;
    });
  }
});

// Rebuilds the attributes so that nothing but the vetted href and our rel reaches the page (no title, no target).
md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  const token = tokens[idx]!;
  token.attrs = [
    ['href', String(token.attrGet('href') ?? '')],
    ['rel', LINK_REL],
  ];
  return self.renderToken(tokens, idx, options);
};

// The info string is user input; the widget does no highlighting, so no class is derived from it.
md.renderer.rules.fence = (tokens, idx) =>
  `<pre><code>${md.utils.escapeHtml(tokens[idx]!.content)}</code></pre>\n`;

/** Renders a comment's Markdown source to HTML that may be inserted into a page as is. */
export function renderBody(source: string): string {
  return md.render(source);
}

// Block boundaries become spaces so that "<p>a</p><p>b</p>" reads "a b", not "ab".
const BLOCK_TAG = /<\/?(?:p|br|pre|blockquote|ul|ol|li)\b[^>]*>/g;
// Safe on our own output only: markdown-it escapes every "<" and ">" that is not a tag it emitted.
const ANY_TAG = /<[^>]*>/g;
// escapeHtml emits exactly these; one pass so "&amp;lt;" decodes to "&lt;", not "<".
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const ENTITY = /&(?:amp|lt|gt|quot|#39);/g;

/**
 * A one-line plain-text excerpt of the rendered body, at most `maxLength` characters including the ellipsis.
 * The result is text, not HTML: escape it wherever it is put into markup.
 */
export function toPlainText(source: string, maxLength = 200): string {
  const text = renderBody(source)
    .replace(BLOCK_TAG, ' ')
    .replace(ANY_TAG, '')
    .replace(ENTITY, (entity) => ENTITIES[entity] ?? entity)
    .replace(/\s+/g, ' ')
    .trim();
  if (maxLength <= 0) return '';
  // Code points, not UTF-16 units, so the cut never splits an emoji into a lone surrogate.
  const chars = Array.from(text);
  if (chars.length <= maxLength) return text;
  return `${chars.slice(0, maxLength - 1).join('').trimEnd()}…`;
}
