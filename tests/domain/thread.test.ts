import { AppError, ForbiddenError, ValidationError } from '../../src/domain/errors.js';
import {
  normalizeOrigin,
  resolveThread,
  threadKeyFromId,
  threadKeyFromUrl,
  type ThreadPolicy,
} from '../../src/domain/thread.js';

const anyOrigin: ThreadPolicy = { allowedOrigins: null };

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('threadKeyFromUrl canonicalisation', () => {
  it.each([
    // scheme and host case; path case is kept
    ['lowercases the scheme and host', 'HTTPS://Example.COM/post', 'https://example.com/post'],
    ['keeps the case of the path', 'https://example.com/Blog/My-Post', 'https://example.com/Blog/My-Post'],
    // ports
    ['drops the default http port', 'http://a.com:80/post', 'http://a.com/post'],
    ['drops the default https port', 'https://a.com:443/post', 'https://a.com/post'],
    ['drops the default https port on a bare host', 'https://a.com:443', 'https://a.com/'],
    ['keeps a non-default port', 'https://a.com:8443/post', 'https://a.com:8443/post'],
    ['keeps port 443 on http, where it is not the default', 'http://a.com:443/post', 'http://a.com:443/post'],
    // fragment and credentials
    ['drops the fragment', 'https://a.com/post#comments', 'https://a.com/post'],
    ['drops an empty fragment', 'https://a.com/post#', 'https://a.com/post'],
    ['drops user and password', 'https://user:secret@a.com/post', 'https://a.com/post'],
    ['drops a user without password', 'https://user@a.com/post', 'https://a.com/post'],
    // tracking parameters
    ['drops utm_source', 'https://a.com/post?utm_source=x', 'https://a.com/post'],
    ['drops every utm_ parameter', 'https://a.com/post?utm_medium=m&utm_campaign=c&utm_term=t&utm_content=z', 'https://a.com/post'],
    ['drops utm_ parameters whatever their case', 'https://a.com/post?UTM_Source=x&Utm_Medium=y', 'https://a.com/post'],
    ['drops fbclid', 'https://a.com/post?fbclid=IwAR0abc', 'https://a.com/post'],
    ['drops gclid', 'https://a.com/post?gclid=EAIa', 'https://a.com/post'],
    ['drops mc_cid', 'https://a.com/post?mc_cid=123', 'https://a.com/post'],
    ['drops mc_eid', 'https://a.com/post?mc_eid=456', 'https://a.com/post'],
    ['drops ref', 'https://a.com/post?ref=hn', 'https://a.com/post'],
    ['keeps other parameters next to tracking ones', 'https://a.com/?utm_source=x&p=123&fbclid=y', 'https://a.com/?p=123'],
    ['keeps parameters that merely contain a tracking name', 'https://a.com/?referrer=x&xutm_a=1', 'https://a.com/?referrer=x&xutm_a=1'],
    // sorting, duplicates, empty values
    ['sorts parameters by name', 'https://a.com/?b=2&a=1', 'https://a.com/?a=1&b=2'],
    ['sorts duplicate names by value', 'https://a.com/?tag=z&tag=a', 'https://a.com/?tag=a&tag=z'],
    ['keeps identical duplicate parameters', 'https://a.com/?tag=a&tag=a', 'https://a.com/?tag=a&tag=a'],
    ['keeps a parameter with an empty value', 'https://a.com/?p=', 'https://a.com/?p='],
    ['writes a parameter without = as an empty value', 'https://a.com/?p', 'https://a.com/?p='],
    ['leaves no ? behind an empty query', 'https://a.com/post?', 'https://a.com/post'],
    // WordPress permalinks
    ['keeps a WordPress ?p= permalink', 'https://blog.example.com/?p=123', 'https://blog.example.com/?p=123'],
    ['keeps a WordPress ?page_id= permalink', 'https://blog.example.com/?page_id=42&utm_source=rss', 'https://blog.example.com/?page_id=42'],
    // trailing slashes and root
    ['strips a trailing slash', 'https://a.com/post/', 'https://a.com/post'],
    ['strips several trailing slashes', 'https://a.com/post///', 'https://a.com/post'],
    ['strips a trailing slash before the query', 'https://a.com/post/?b=1', 'https://a.com/post?b=1'],
    ['keeps the root slash', 'https://a.com/', 'https://a.com/'],
    ['adds the root slash to a bare host', 'https://a.com', 'https://a.com/'],
    ['collapses a root of only slashes to /', 'https://a.com//', 'https://a.com/'],
    ['keeps the root slash before a query', 'https://a.com?p=1', 'https://a.com/?p=1'],
    // encoding
    ['turns an IDN host into punycode', 'https://Bücher.de/artikel', 'https://xn--bcher-kva.de/artikel'],
    ['percent-encodes a non-ASCII path', 'https://a.com/café', 'https://a.com/caf%C3%A9'],
    ['keeps an already encoded path', 'https://a.com/caf%C3%A9', 'https://a.com/caf%C3%A9'],
    ['uppercases lowercase percent-escapes in the path', 'https://a.com/caf%c3%a9', 'https://a.com/caf%C3%A9'],
    ['decodes an escaped unreserved letter (RFC 3986 6.2.2.2)', 'https://a.com/a/%61', 'https://a.com/a/a'],
    ['decodes escaped digits, -, ., _ and ~', 'https://a.com/%31%2D%2e%5F%7e%5a', 'https://a.com/1-._~Z'],
    ['keeps reserved characters escaped, in upper case', 'https://a.com/a%2fb%3Fc%23d%25', 'https://a.com/a%2Fb%3Fc%23d%25'],
    ['keeps an escaped space escaped', 'https://a.com/my%20post', 'https://a.com/my%20post'],
    ['resolves an escaped dot segment', 'https://a.com/a/%2E%2e/b', 'https://a.com/b'],
    ['decodes an escaped unreserved character before stripping the trailing slash', 'https://a.com/post%2F%2e', 'https://a.com/post%2F.'],
    ['encodes a non-ASCII path in another script', 'https://a.com/статья', 'https://a.com/%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F'],
    ['encodes spaces in the path', 'https://a.com/my post', 'https://a.com/my%20post'],
    ['writes a space in a query value as +', 'https://a.com/?q=a b', 'https://a.com/?q=a+b'],
    ['treats %20 in a query value as a space', 'https://a.com/?q=a%20b', 'https://a.com/?q=a+b'],
    ['treats + in a query value as a space', 'https://a.com/?q=a+b', 'https://a.com/?q=a+b'],
    ['keeps an encoded plus distinct from a space', 'https://a.com/?q=a%2Bb', 'https://a.com/?q=a%2Bb'],
    ['encodes a non-ASCII query value', 'https://a.com/?q=café', 'https://a.com/?q=caf%C3%A9'],
    ['resolves dot segments', 'https://a.com/a/../b/./c', 'https://a.com/b/c'],
    // whitespace
    ['trims whitespace around the URL', '  \n\thttps://a.com/post \n', 'https://a.com/post'],
    // everything at once
    [
      'applies every rule together',
      ' HTTP://user:pw@WWW.Example.com:80/Blog/Post/?utm_source=x&b=2&a=1&ref=y#top ',
      'http://www.example.com/Blog/Post?a=1&b=2',
    ],
  ])('%s', (_behaviour, input, expected) => {
    expect(threadKeyFromUrl(input, anyOrigin)).toEqual({ key: expected, url: expected });
    // A key is already canonical: feeding it back must not move it to another thread.
    expect(threadKeyFromUrl(expected, anyOrigin).key).toBe(expected);
  });

  it.each([
    ['a trailing slash', 'https://a.com/post/', 'https://a.com/post'],
    ['parameter order', 'https://a.com/?b=2&a=1', 'https://a.com/?a=1&b=2'],
    ['a default http port', 'http://a.com:80/x', 'http://a.com/x'],
    ['a default https port', 'https://a.com:443/x', 'https://a.com/x'],
    ['raw versus encoded non-ASCII', 'https://a.com/café', 'https://a.com/caf%C3%A9'],
    ['a bare host versus its root', 'https://a.com', 'https://a.com/'],
    ['an escaped unreserved character', 'https://a.com/a/%61', 'https://a.com/a/a'],
    ['an escaped tilde', 'https://a.com/%7Euser/post', 'https://a.com/~user/post'],
    ['the case of a reserved escape', 'https://a.com/a%2fb', 'https://a.com/a%2Fb'],
  ])('puts URLs that differ only by %s in one thread', (_difference, a, b) => {
    expect(threadKeyFromUrl(a, anyOrigin).key).toBe(threadKeyFromUrl(b, anyOrigin).key);
  });

  it.each([
    ['paths that differ in case', 'https://a.com/Post', 'https://a.com/post'],
    ['http and https', 'http://a.com/post', 'https://a.com/post'],
    ['different non-default ports', 'https://a.com:8443/post', 'https://a.com/post'],
    ['different WordPress post ids', 'https://a.com/?p=1', 'https://a.com/?p=2'],
    ['an empty parameter versus none', 'https://a.com/?p=', 'https://a.com/'],
    ['an escaped slash versus a slash', 'https://a.com/a%2Fb', 'https://a.com/a/b'],
  ])('keeps %s in separate threads', (_difference, a, b) => {
    expect(threadKeyFromUrl(a, anyOrigin).key).not.toBe(threadKeyFromUrl(b, anyOrigin).key);
  });
});

describe('threadKeyFromUrl rejections', () => {
  it.each([
    ['a javascript: URL', 'javascript:alert(1)'],
    ['an ftp URL', 'ftp://files.example.com/post'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path', '/post'],
    ['a scheme-relative URL', '//a.com/post'],
    ['an empty string', ''],
    ['whitespace only', '   '],
    ['a URL longer than 2048 characters', `https://a.com/${'x'.repeat(3000)}`],
    ['http:// without a host', 'http://'],
    ['a mailto: URL', 'mailto:someone@example.com'],
    ['a file: URL', 'file:///etc/passwd'],
    ['text that is not a URL', 'not a url'],
  ])('rejects %s as an invalid url', (_what, input) => {
    const error = thrown(() => threadKeyFromUrl(input, anyOrigin));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('validation_failed');
    expect(error.fields).toEqual({ url: 'invalid' });
  });

  it('accepts a URL of exactly 2048 characters', () => {
    const url = `https://a.com/${'x'.repeat(2048 - 'https://a.com/'.length)}`;
    expect(url).toHaveLength(2048);
    expect(threadKeyFromUrl(url, anyOrigin).key).toBe(url);
  });

  it('rejects a URL whose percent-encoded key would exceed 2048 characters', () => {
    const error = thrown(() => threadKeyFromUrl(`https://a.com/${'é'.repeat(1000)}`, anyOrigin));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual({ url: 'invalid' });
  });
});

describe('threadKeyFromUrl origin policy', () => {
  const policy: ThreadPolicy = { allowedOrigins: ['https://example.com', 'https://xn--bcher-kva.de', 'http://localhost:8080'] };

  it.each([
    ['an allowed origin', 'https://example.com/post', 'https://example.com/post'],
    ['an allowed origin written in another case with the default port', 'HTTPS://EXAMPLE.com:443/post', 'https://example.com/post'],
    ['an allowed IDN origin written in Unicode', 'https://bücher.de/x', 'https://xn--bcher-kva.de/x'],
    ['an allowed origin with its non-default port', 'http://localhost:8080/p', 'http://localhost:8080/p'],
  ])('accepts %s', (_what, input, expected) => {
    expect(threadKeyFromUrl(input, policy).key).toBe(expected);
  });

  it.each([
    ['an origin that is not listed', 'https://evil.example/post'],
    ['a subdomain of an allowed origin', 'https://blog.example.com/post'],
    ['the allowed host on another scheme', 'http://example.com/post'],
    ['the allowed host on another port', 'https://example.com:8443/post'],
    ['an allowed host without its listed port', 'http://localhost/p'],
  ])('refuses %s with origin_not_allowed', (_what, input) => {
    const error = thrown(() => threadKeyFromUrl(input, policy));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('origin_not_allowed');
  });

  it('refuses every origin when the allowed list is empty', () => {
    expect(thrown(() => threadKeyFromUrl('https://example.com/', { allowedOrigins: [] })).code).toBe('origin_not_allowed');
  });

  it('reports an invalid URL before checking the origin', () => {
    expect(thrown(() => threadKeyFromUrl('ftp://example.com/', policy)).code).toBe('validation_failed');
  });
});

describe('threadKeyFromId', () => {
  it.each([
    ['a simple id', 'post-123', 'id:post-123'],
    ['a trimmed id', '  post-123 \n', 'id:post-123'],
    ['an id that looks like a URL', 'https://a.com/post', 'id:https://a.com/post'],
    ['a non-ASCII id', 'artículo/42', 'id:artículo/42'],
    ['a one-character id', 'x', 'id:x'],
    ['a 200-character id', 'a'.repeat(200), `id:${'a'.repeat(200)}`],
  ])('namespaces %s under id:', (_what, input, expected) => {
    expect(threadKeyFromId(input)).toEqual({ key: expected, url: null });
  });

  it.each([
    ['an empty id', ''],
    ['a whitespace-only id', '   '],
    ['a 201-character id', 'a'.repeat(201)],
    ['an id with a NUL character', 'post\u0000id'],
    ['an id with an inner newline', 'post\nid'],
    ['an id with DEL', 'post\u007fid'],
    ['an id with a C1 control character', 'post\u0085id'],
    ['an id with a lone surrogate', 'post\ud800id'],
  ])('rejects %s', (_what, input) => {
    const error = thrown(() => threadKeyFromId(input));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual({ threadId: 'invalid' });
  });

  it('never collides with a URL key', () => {
    expect(threadKeyFromId('https://a.com/post').key).not.toBe(threadKeyFromUrl('https://a.com/post', anyOrigin).key);
  });
});

describe('resolveThread', () => {
  const policy: ThreadPolicy = { allowedOrigins: ['https://example.com'] };

  it('keys a thread by its canonical URL when only a URL is given', () => {
    expect(resolveThread({ url: 'https://example.com/post/?utm_source=x' }, policy)).toEqual({
      key: 'https://example.com/post',
      url: 'https://example.com/post',
    });
  });

  it('keys a thread by its id when only an id is given', () => {
    expect(resolveThread({ threadId: 'post-1' }, policy)).toEqual({ key: 'id:post-1', url: null });
  });

  it('keys by the id and keeps the canonical URL when both are given', () => {
    expect(resolveThread({ threadId: 'post-1', url: 'HTTPS://example.com/post#c' }, policy)).toEqual({
      key: 'id:post-1',
      url: 'https://example.com/post',
    });
  });

  it('still checks the origin of the URL when an id is given', () => {
    const error = thrown(() => resolveThread({ threadId: 'post-1', url: 'https://evil.example/post' }, policy));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('origin_not_allowed');
  });

  it('still validates the URL when an id is given', () => {
    expect(thrown(() => resolveThread({ threadId: 'post-1', url: 'javascript:alert(1)' }, policy)).fields).toEqual({
      url: 'invalid',
    });
  });

  it('rejects an invalid id even when a URL is given', () => {
    expect(thrown(() => resolveThread({ threadId: 'a'.repeat(201), url: 'https://example.com/' }, policy)).fields).toEqual({
      threadId: 'invalid',
    });
  });

  it.each([
    ['nothing', {}],
    ['undefined values', { url: undefined, threadId: undefined }],
    ['blank values', { url: '  ', threadId: '' }],
  ])('requires a URL when given %s', (_what, input) => {
    const error = thrown(() => resolveThread(input, policy));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual({ url: 'required' });
  });

  it('falls back to the URL when the id is blank', () => {
    expect(resolveThread({ threadId: '  ', url: 'https://example.com/post' }, policy).key).toBe('https://example.com/post');
  });
});

describe('normalizeOrigin', () => {
  it.each([
    ['https://Example.com:443/', 'https://example.com'],
    ['https://example.com', 'https://example.com'],
    ['http://example.com:80', 'http://example.com'],
    ['http://localhost:8080/', 'http://localhost:8080'],
    ['https://example.com:8443', 'https://example.com:8443'],
    ['https://Bücher.de', 'https://xn--bcher-kva.de'],
    ['  https://example.com  ', 'https://example.com'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ])('normalises %j to %j', (input, expected) => {
    expect(normalizeOrigin(input)).toBe(expected);
  });

  it.each([
    ['a path', 'https://example.com/blog'],
    ['a query', 'https://example.com/?a=1'],
    ['an empty query', 'https://example.com/?'],
    ['a fragment', 'https://example.com/#top'],
    ['an empty fragment', 'https://example.com#'],
    ['credentials', 'https://user:pw@example.com'],
    ['an ftp scheme', 'ftp://example.com'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a bare host name', 'example.com'],
    ['an empty string', ''],
    ['a wildcard', '*'],
  ])('returns null for %s', (_what, input) => {
    expect(normalizeOrigin(input)).toBeNull();
  });

  it('produces origins that threadKeyFromUrl matches', () => {
    const origin = normalizeOrigin('HTTPS://Bücher.DE:443/');
    expect(origin).not.toBeNull();
    expect(threadKeyFromUrl('https://bücher.de/x', { allowedOrigins: [origin ?? ''] }).key).toBe('https://xn--bcher-kva.de/x');
  });
});
