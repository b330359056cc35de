/**
 * Imported comment HTML (WordPress, Disqus) → the Markdown a Parley comment is written in. Kept: paragraphs, line
 * breaks, links, emphasis, quotes, code and lists; every other element is dropped (its text kept), and script-like
 * elements go with their content. Safety does not rest on this file: the result is rendered by domain/markup.ts like
 * any new comment (no raw HTML, http(s)/mailto links only). This file only decides what survives faithfully.
 */

interface ElementNode {
  tag: string;
  href: string | null;
  children: HtmlNode[];
}
type HtmlNode = string | ElementNode;

/** Elements dropped together with everything inside them. */
const DROP_WITH_CONTENT = new Set(['script', 'style', 'iframe', 'object', 'embed', 'noscript', 'template', 'textarea', 'title', 'head', 'svg', 'math', 'select', 'xmp', 'noembed', 'noframes']);
/** Elements whose raw text runs to their end tag (no tags inside). */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']);
const VOID = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'area', 'base', 'col', 'source', 'track', 'wbr']);

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', hellip: '…', mdash: '—', ndash: '–',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', copy: '©', reg: '®', trade: '™', eacute: 'é',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      // NUL, surrogates and out-of-range values become the replacement character, as in HTML.
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    }
    return NAMED[name] ?? NAMED[name.toLowerCase()] ?? whole;
  });
}

function attr(attrs: string, name: string): string | null {
  const re = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'=<>\`]+))`, 'i');
  const m = re.exec(attrs);
  if (!m) return null;
  return decodeEntities(m[1] ?? m[2] ?? m[3] ?? '');
}

/** A forgiving tokenizer into a tree: unknown or unclosed tags never throw, stray end tags are ignored. */
export function parseHtml(html: string): HtmlNode[] {
  const root: ElementNode = { tag: '#root', href: null, children: [] };
  const stack: ElementNode[] = [root];
  const top = () => stack[stack.length - 1]!;
  const tagRe = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\?[^>]*>?|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
  let last = 0;
  for (let m = tagRe.exec(html); m !== null; m = tagRe.exec(html)) {
    if (m.index > last) top().children.push(decodeEntities(html.slice(last, m.index)));
    last = tagRe.lastIndex;
    if (m[2] === undefined) continue; // comment, doctype, processing instruction
    const tag = m[2].toLowerCase();
    if (m[1] === '/') {
      const at = stack.map((e) => e.tag).lastIndexOf(tag);
      if (at > 0) stack.length = at;
      continue;
    }
    if (RAW_TEXT.has(tag)) {
      const end = new RegExp(`</${tag}\\s*>`, 'i').exec(html.slice(last));
      const inner = end ? html.slice(last, last + end.index) : html.slice(last);
      last = end ? last + end.index + end[0].length : html.length;
      tagRe.lastIndex = last;
      if (!DROP_WITH_CONTENT.has(tag)) top().children.push(decodeEntities(inner));
      continue;
    }
    const el: ElementNode = { tag, href: tag === 'a' ? attr(m[3] ?? '', 'href') : null, children: [] };
    top().children.push(el);
    if (!VOID.has(tag) && !m[3]?.trimEnd().endsWith('/')) stack.push(el);
  }
  if (last < html.length) top().children.push(decodeEntities(html.slice(last)));
  return root.children;
}

const SAFE_HREF = /^(?:https?:\/\/|mailto:)/i;

/** Text as Markdown source that reads back as the same text: Markdown's own punctuation is escaped. */
function escapeText(text: string): string {
  return text
    // Leading spaces would make an indented code block; in HTML they never showed.
    .replace(/\n[ \t]+/g, '\n')
    .replace(/[\\`*_[\]~|]/g, (c) => `\\${c}`)
    .replace(/[<>]/g, (c) => `\\${c}`)
    .replace(/&(?=#?[a-zA-Z0-9]+;)/g, '\\&')
    .replace(/(^|\n)([ \t]*)(#|[-+=]|\d+[.)])(?=\s|$)/g, (_m, nl: string, _sp: string, mark: string) => `${nl}${mark.replace(/([#\-+=.)])$/, '\\$1')}`);
}

function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\n/g, ' ')}${pad}${fence}`;
}

function textOf(nodes: HtmlNode[]): string {
  return nodes.map((n) => (typeof n === 'string' ? n : n.tag === 'br' ? '\n' : textOf(n.children))).join('');
}

/** Wraps inline content in a delimiter, keeping surrounding spaces outside (where Markdown needs them). */
function wrap(inner: string, mark: string): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(inner)!;
  return m[2] === '' ? inner : `${m[1]}${mark}${m[2]}${mark}${m[3]}`;
}

function render(nodes: HtmlNode[]): string {
  let out = '';
  let afterBreak = false;
  for (const node of nodes) {
    if (typeof node === 'string') {
      // "a<br>\nb" is one line break, as WordPress's autop reads it, not a paragraph.
      out += escapeText(afterBreak ? node.replace(/^[ \t]*\n/, '') : node);
      afterBreak = false;
      continue;
    }
    afterBreak = node.tag === 'br';
    const inner = () => render(node.children);
    switch (node.tag) {
      case 'p':
      case 'div':
        out += `\n\n${inner().trim()}\n\n`;
        break;
      case 'br':
        out += '\n';
        break;
      case 'em':
      case 'i':
      case 'cite':
        out += wrap(inner(), '*');
        break;
      case 'strong':
      case 'b':
        out += wrap(inner(), '**');
        break;
      case 'del':
      case 's':
      case 'strike':
        out += wrap(inner(), '~~');
        break;
      case 'q':
        out += `“${inner()}”`;
        break;
      case 'code':
      case 'kbd':
      case 'samp':
      case 'tt':
        out += codeSpan(textOf(node.children));
        break;
      case 'pre': {
        const text = textOf(node.children).replace(/^\n/, '').replace(/\s+$/, '');
        const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
        const fence = '`'.repeat(longest + 1);
        out += `\n\n${fence}\n${text}\n${fence}\n\n`;
        break;
      }
      case 'blockquote': {
        const body = inner().trim().replace(/\n{3,}/g, '\n\n');
        out += `\n\n${body.split('\n').map((l) => (l === '' ? '>' : `> ${l}`)).join('\n')}\n\n`;
        break;
      }
      case 'ul':
      case 'ol': {
        let n = 0;
        const items = node.children.filter((c): c is ElementNode => typeof c !== 'string' && c.tag === 'li');
        const lines = items.map((li) => {
          n += 1;
          const mark = node.tag === 'ol' ? `${n}. ` : '- ';
          const text = render(li.children).trim().replace(/\n{2,}/g, '\n');
          return mark + text.split('\n').join(`\n${' '.repeat(mark.length)}`);
        });
        out += `\n\n${lines.join('\n')}\n\n`;
        break;
      }
      case 'a': {
        const text = inner();
        const href = node.href?.trim() ?? '';
        if (SAFE_HREF.test(href) && text.trim() !== '') {
          // Angle brackets take any URL but spaces, newlines and brackets: those are percent-encoded.
          const dest = href.replace(/[\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
          out += `[${text.trim()}](<${dest}>)`;
        } else {
          out += text;
        }
        break;
      }
      default:
        if (!DROP_WITH_CONTENT.has(node.tag)) out += inner();
    }
  }
  return out;
}

/**
 * The Markdown for a comment's HTML. Newlines in the text count as WordPress shows them (a blank line is a
 * paragraph, a single newline a line break), which is also how Parley's Markdown reads them.
 */
export function htmlToMarkdown(html: string): string {
  return render(parseHtml(html.replace(/\r\n?/g, '\n')))
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
