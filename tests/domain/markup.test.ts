import { describe, expect, it } from '@jest/globals';
import { Parser } from 'htmlparser2';
import { renderBody, toPlainText } from '../../src/domain/markup.js';

const REL = 'nofollow ugc noopener noreferrer';
const ALLOWED_TAGS = new Set(['p', 'br', 'em', 'strong', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a']);
const ALLOWED_ATTRIBUTES: Record<string, readonly string[]> = { a: ['href', 'rel'], ol: ['start'] };
const SAFE_HREF = /^(?:https?|mailto):/;

/** Parses the HTML the way a browser-grade tokenizer would and throws on anything that could run or load. */
function assertInert(html: string): void {
  const problems: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (!ALLOWED_TAGS.has(name)) problems.push(`element <${name}>`);
        for (const [attribute, value] of Object.entries(attributes)) {
          if (!(ALLOWED_ATTRIBUTES[name] ?? []).includes(attribute)) problems.push(`attribute ${attribute} on <${name}>`);
          if (attribute.startsWith('on')) problems.push(`event handler ${attribute}`);
          if (attribute === 'style') problems.push('style attribute');
          if (attribute === 'href' && !SAFE_HREF.test(value.trim().toLowerCase())) problems.push(`href ${JSON.stringify(value)}`);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  if (problems.length > 0) throw new Error(`not inert (${problems.join(', ')}):\n${html}`);
}

/** Every <a> the renderer emits, as parsed attributes. */
function anchors(html: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'a') found.push(attributes);
    },
  });
  parser.write(html);
  parser.end();
  return found;
}

describe('renderBody', () => {
  it('renders emphasis, strong, strikethrough and inline code', () => {
    expect(renderBody('*a* **b** ~~c~~ `d < e`')).toBe(
      '<p><em>a</em> <strong>b</strong> <s>c</s> <code>d &lt; e</code></p>\n',
    );
  });

  it('renders emphasis and links with rel=nofollow ugc', () => {
    const html = renderBody('_see_ [the docs](https://example.com/docs?a=1&b=2)');
    expect(html).toBe(
      `<p><em>see</em> <a href="https://example.com/docs?a=1&amp;b=2" rel="${REL}">the docs</a></p>\n`,
    );
  });

  it('autolinks bare URLs and email addresses with the same rel', () => {
    const html = renderBody('go to https://example.com/x or write to someone@example.com');
    expect(anchors(html)).toEqual([
      { href: 'https://example.com/x', rel: REL },
      { href: 'mailto:someone@example.com', rel: REL },
    ]);
  });

  it('renders angle-bracket autolinks and mailto links', () => {
    expect(anchors(renderBody('<http://example.com> and [mail me](mailto:me@example.com)'))).toEqual([
      { href: 'http://example.com', rel: REL },
      { href: 'mailto:me@example.com', rel: REL },
    ]);
  });

  it('drops link titles and never adds a target', () => {
    const html = renderBody('[x](https://example.com "a title")');
    expect(html).toBe(`<p><a href="https://example.com" rel="${REL}">x</a></p>\n`);
    expect(html).not.toContain('target');
  });

  it('accepts allowed schemes in any case', () => {
    expect(anchors(renderBody('[x](HTTPS://EXAMPLE.COM)'))).toEqual([{ href: 'HTTPS://EXAMPLE.COM', rel: REL }]);
  });

  it('shows a refused link as its Markdown source', () => {
    expect(renderBody('[x](javascript:alert(1))')).toBe('<p>[x](javascript:alert(1))</p>\n');
    expect(renderBody('<javascript:alert(1)>')).toBe('<p>&lt;javascript:alert(1)&gt;</p>\n');
    expect(renderBody('[x](/path)')).toBe('<p>[x](/path)</p>\n');
    expect(renderBody('[x](data:image/png;base64,iVBORw0KGgo=)')).toBe('<p>[x](data:image/png;base64,iVBORw0KGgo=)</p>\n');
  });

  it('renders relative, protocol-relative and empty links as text', () => {
    for (const source of ['[x](/path)', '[x](#top)', '[x](//example.com)', '[x]()', '[x](ftp://example.com)']) {
      expect(renderBody(source)).not.toContain('<a');
    }
    expect(renderBody('[x]()')).toBe('<p>x</p>\n');
  });

  it('turns single newlines into line breaks and blank lines into paragraphs', () => {
    expect(renderBody('one\ntwo\n\nthree')).toBe('<p>one<br>\ntwo</p>\n<p>three</p>\n');
  });

  it('renders fenced code without a language class and escapes its content', () => {
    expect(renderBody('```js\nif (a < b) alert("x")\n```')).toBe(
      '<pre><code>if (a &lt; b) alert(&quot;x&quot;)\n</code></pre>\n',
    );
  });

  it('renders indented code', () => {
    expect(renderBody('    let x = 1;')).toBe('<pre><code>let x = 1;\n</code></pre>\n');
  });

  it('renders lists, keeping an ordered list start number', () => {
    expect(renderBody('- a\n- b')).toBe('<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n');
    expect(renderBody('3. c\n4. d')).toBe('<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>\n');
  });

  it('renders block quotes', () => {
    expect(renderBody('> quoted\n\nreply')).toBe('<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>reply</p>\n');
  });

  it('shows raw HTML as escaped text', () => {
    expect(renderBody('<b>bold</b> & <i>x</i>')).toBe('<p>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;</p>\n');
  });

  it('leaves headings, tables, rules and images as text', () => {
    const html = renderBody('# Title\n\nSub\n---\n\n***\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![alt](https://example.com/a.png)');
    expect(html).not.toMatch(/<(h\d|table|hr|img)\b/);
    assertInert(html);
  });

  it.each([
    ['10,000 nested quotes', '>'.repeat(10_000)],
    ['5,000 open brackets', '['.repeat(5_000)],
    ['5,000 nested links', '[a'.repeat(5_000) + '](https://example.com)'.repeat(5_000)],
    ['10,000 asterisks', '*'.repeat(10_000)],
    ['5,000 nested emphasis', '*a '.repeat(5_000) + 'b*'.repeat(5_000)],
    ['5,000 nested list markers', '- '.repeat(5_000) + 'x'],
    ['5,000 nested indented lists', Array.from({ length: 5_000 }, (_, i) => `${' '.repeat(i * 2)}- x`).join('\n')],
    ['10,000 backticks', '`'.repeat(10_000)],
    ['5,000 open parentheses in a link', '[x](' + '('.repeat(5_000)],
  ])('renders pathologically nested input without throwing: %s', (_name, source) => {
    let html = '';
    expect(() => {
      html = renderBody(source);
    }).not.toThrow();
    assertInert(html);
  });
});

describe('assertInert', () => {
  it.each([
    ['a javascript: href', '<a href="javascript:alert(1)">x</a>'],
    ['an upper-case, padded javascript: href', '<A HREF="  JAVASCRIPT:alert(1)">x</A>'],
    ['an entity-encoded javascript: href', '<a href="&#106;avascript:alert(1)">x</a>'],
    ['a data: href', '<a href="data:text/html,x">x</a>'],
    ['an image with an error handler', '<img src=x onerror=alert(1)>'],
    ['an event handler on an allowed tag', '<a href="https://example.com" onclick="alert(1)">x</a>'],
    ['a style attribute', '<p style="x:expression(alert(1))">x</p>'],
    ['a class attribute', '<code class="language-x">x</code>'],
    ['a script element', '<script>alert(1)</script>'],
  ])('rejects %s', (_name, html) => {
    expect(() => assertInert(html)).toThrow(/not inert/);
  });

  it('accepts what the renderer is allowed to emit', () => {
    expect(() => assertInert(`<ol start="2"><li><a href="https://a.example" rel="${REL}">x</a></li></ol>`)).not.toThrow();
  });
});

/** `blocked`: a dangerous link that must not become an <a> at all; `inert`: anything may render as long as it is inert. */
type Expectation = 'blocked' | 'inert';

const XSS_PAYLOADS: [name: string, source: string, expectation: Expectation][] = [
  // javascript: links in every disguise
  ['javascript: link', '[x](javascript:alert(1))', 'blocked'],
  ['mixed-case javascript: link', '[x](JaVaScRiPt:alert(1))', 'blocked'],
  ['javascript: link with a tab in the scheme', '[x](<java\tscript:alert(1)>)', 'blocked'],
  ['javascript: link with a newline in the scheme', '[x](java\nscript:alert(1))', 'blocked'],
  ['javascript: link with a NUL in the scheme', '[x](java\u0000script:alert(1))', 'blocked'],
  ['javascript: link with a control char before the scheme', '[x](\u0001javascript:alert(1))', 'blocked'],
  ['decimal-entity javascript: link', '[x](&#106;avascript:alert(1))', 'blocked'],
  ['hex-entity javascript: link', '[x](&#x6A;avascript:alert(1))', 'blocked'],
  ['padded decimal entities without semicolons', '[x](&#0000106&#0000097&#0000118&#0000097script:alert(1))', 'blocked'],
  ['entity-encoded colon', '[x](javascript&#58;alert(1))', 'blocked'],
  ['named-entity colon', '[x](javascript&colon;alert(1))', 'blocked'],
  ['entity tab before the scheme', '[x](&#9;javascript:alert(1))', 'blocked'],
  ['entity newline inside the scheme', '[x](java&#x0A;script:alert(1))', 'blocked'],
  ['percent-encoded scheme letter', '[x](%6Aavascript:alert(1))', 'blocked'],
  ['percent-encoded colon', '[x](javascript%3Aalert(1))', 'blocked'],
  ['leading spaces before the scheme', '[x](   javascript:alert(1))', 'blocked'],
  ['leading spaces inside angle brackets', '[x](<  javascript:alert(1)>)', 'blocked'],
  ['backslash before the scheme', '[x](\\javascript:alert(1))', 'blocked'],
  ['javascript: link with a title', '[x](javascript:alert(1) "t")', 'blocked'],
  ['reference-style javascript: link', '[x][evil]\n\n[evil]: javascript:alert(1)', 'blocked'],
  ['collapsed reference to javascript:', '[evil][]\n\n[evil]: <javascript:alert(1)>', 'blocked'],
  ['javascript: autolink', '<javascript:alert(1)>', 'blocked'],
  ['upper-case javascript: autolink', '<JAVASCRIPT:alert(1)>', 'blocked'],
  ['bare javascript: text', 'javascript:alert(1)', 'blocked'],
  ['javascript: link inside a quote', '> [x](javascript:alert(1))', 'blocked'],
  ['javascript: link inside a list', '- [x](javascript:alert(1))', 'blocked'],
  ['javascript: link in emphasis', '**[x](javascript:alert(1))**', 'blocked'],
  // other dangerous schemes
  ['data: text/html link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)', 'blocked'],
  ['upper-case data: link', '[x](DATA:text/html,<script>alert(1)</script>)', 'blocked'],
  ['data: svg link', '[x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)', 'blocked'],
  ['data: png link (allowed by markdown-it by default)', '[x](data:image/png;base64,iVBORw0KGgo=)', 'blocked'],
  ['vbscript: link', '[x](vbscript:msgbox(1))', 'blocked'],
  ['file: link', '[x](file:///etc/passwd)', 'blocked'],
  ['protocol-relative link', '[x](//evil.example/x)', 'blocked'],
  // images
  ['image with a javascript: source', '![x](javascript:alert(1))', 'blocked'],
  ['image with an https source', '![x](https://a.example/b.png)', 'inert'],
  ['image inside a link', '[![x](https://a.example/b.png)](https://a.example)', 'inert'],
  // Unicode tricks
  ['fullwidth javascript: link', '[x](ｊａｖａｓｃｒｉｐｔ:alert(1))', 'blocked'],
  ['zero-width space in the scheme', '[x](java\u200Bscript:alert(1))', 'blocked'],
  ['right-to-left override before the scheme', '[x](\u202Ejavascript:alert(1))', 'blocked'],
  ['right-to-left override in link text', '[moc.elgoog\u202E](https://evil.example)', 'inert'],
  // raw HTML
  ['script element', '<script>alert(1)</script>', 'inert'],
  ['image with onerror', '<img src=x onerror=alert(1)>', 'inert'],
  ['svg with onload', '<svg onload=alert(1)>', 'inert'],
  ['script inside svg', '<svg><script>alert(1)</script></svg>', 'inert'],
  ['svg link with xlink:href', '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', 'inert'],
  ['iframe', '<iframe src="javascript:alert(1)"></iframe>', 'inert'],
  ['object', '<object data="javascript:alert(1)"></object>', 'inert'],
  ['embed', '<embed src="javascript:alert(1)">', 'inert'],
  ['style element', '<style>body{background:url(javascript:alert(1))}</style>', 'inert'],
  ['math mutation', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>', 'inert'],
  ['anchor with javascript: and onclick', '<a href="javascript:alert(1)" onclick="alert(1)">x</a>', 'inert'],
  ['anchor with an https href and onclick', '<a href="https://a.example" onclick="alert(1)">x</a>', 'inert'],
  ['unclosed image tag', '<img src=x onerror=alert(1)//', 'inert'],
  ['nested script tag', '<<script>script>alert(1)<</script>/script>', 'inert'],
  ['HTML comment breakout', '<!--><img src=x onerror=alert(1)>-->', 'inert'],
  ['noscript title breakout', '<noscript><p title="</noscript><img src=x onerror=alert(1)>">', 'inert'],
  ['xmp element', '<xmp><script>alert(1)</script></xmp>', 'inert'],
  ['details with ontoggle', '<details open ontoggle=alert(1)>', 'inert'],
  ['body with onload', '<body onload=alert(1)>', 'inert'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', 'inert'],
  ['base href', '<base href="javascript:alert(1)//">', 'inert'],
  ['form with a javascript: action', '<form action="javascript:alert(1)"><input type=submit></form>', 'inert'],
  ['CSS expression in a style attribute', '<div style="width: expression(alert(1))">x</div>', 'inert'],
  ['CSS url in a style attribute', '<p style="background:url(javascript:alert(1))">x</p>', 'inert'],
  ['raw HTML as a link label', '[<img src=x onerror=alert(1)>](https://a.example)', 'inert'],
  // attribute breakouts through Markdown syntax
  ['quote breakout in a destination', '[x](https://a.com" onmouseover="alert(1))', 'inert'],
  ['quote breakout in a single-quoted title', `[x](https://a.com 'title" onmouseover=alert(1) x="')`, 'inert'],
  ['quote breakout in a double-quoted title', '[x](https://a.com "title\\" onmouseover=\\"alert(1)")', 'inert'],
  ['quote breakout in an angle-bracket destination', '[x](<https://a.com" onmouseover="alert(1)>)', 'inert'],
  ['quote breakout in a linkified URL', 'https://a.com/"onmouseover="alert(1)', 'inert'],
  ['script in a linkified URL', 'https://a.com/<script>alert(1)</script>', 'inert'],
  ['quote breakout in a reference definition', '[x][r]\n\n[r]: https://a.com "t\\" onclick=\\"alert(1)"', 'inert'],
  ['code fence info string breakout', '```"><script>alert(1)</script>\nx\n```', 'inert'],
  ['code fence info string with an event handler', '``` onmouseover=alert(1)\nx\n```', 'inert'],
  // text that only looks dangerous
  ['escaped entities', '&lt;script&gt;alert(1)&lt;/script&gt;', 'inert'],
  ['script in inline code', '`<script>alert(1)</script>`', 'inert'],
  ['script in fenced code', '```html\n<script>alert(1)</script>\n```', 'inert'],
  ['template injection', "{{constructor.constructor('alert(1)')()}}", 'inert'],
  ['template literal', '${alert(1)}', 'inert'],
];

describe('renderBody against XSS payloads', () => {
  it('has a corpus of at least 35 payloads', () => {
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(35);
  });

  it.each(XSS_PAYLOADS)('renders %s inert', (_name, source, expectation) => {
    const html = renderBody(source);
    assertInert(html);
    for (const anchor of anchors(html)) {
      expect(anchor.rel).toBe(REL);
      expect(anchor.href?.trim().toLowerCase()).toMatch(/^https?:/);
    }
    if (expectation === 'blocked') expect(html).not.toContain('<a');
  });
});

describe('toPlainText', () => {
  it('strips tags and separates blocks with spaces', () => {
    expect(toPlainText('**Hello** _world_\n\n- one\n- two\n\n> quoted')).toBe('Hello world one two quoted');
  });

  it('decodes entities once', () => {
    expect(toPlainText('a < b && "c" \'d\' &amp;lt;')).toBe('a < b && "c" \'d\' &lt;');
  });

  it('keeps raw HTML as its literal text', () => {
    expect(toPlainText('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });

  it('keeps link text and drops the URL', () => {
    expect(toPlainText('see [the docs](https://example.com)')).toBe('see the docs');
  });

  it('collapses whitespace and line breaks', () => {
    expect(toPlainText('  a\n b   \tc  ')).toBe('a b c');
  });

  it('truncates with an ellipsis within maxLength', () => {
    const text = toPlainText('abcdefghij klmnop', 10);
    expect(text).toBe('abcdefghi…');
    expect(text).toHaveLength(10);
    expect(toPlainText('abc def', 5)).toBe('abc…');
  });

  it('does not truncate text that fits', () => {
    expect(toPlainText('abcdefghij', 10)).toBe('abcdefghij');
  });

  it('never splits a surrogate pair', () => {
    expect(toPlainText('😀😀😀😀', 3)).toBe('😀😀…');
  });

  it('defaults to 200 characters', () => {
    expect(toPlainText('x'.repeat(500))).toBe(`${'x'.repeat(199)}…`);
  });
});
