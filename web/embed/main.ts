/**
 * embed.js: `<div id="parley"></div><script src="https://comments.example.org/embed.js" defer></script>`.
 * Attributes, on the div or the script tag: data-url, data-thread-id, data-lang, data-theme (light, dark, auto), data-sso
 * (the host site's signed payload; single-page sites call window.parley.setSso(payload or null) instead).
 * The API is the one next to this script (its own origin and path), so the page needs no other configuration.
 */
import { pickLang } from './i18n.js';
import { mount, type WidgetControl } from './widget.js';

const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[src*="embed.js"]');

function start(): void {
  if (!script) return;
  let host = document.getElementById('parley');
  if (!host) {
    host = document.createElement('div');
    host.id = 'parley';
    script.before(host);
  }
  // The script included twice: one widget.
  if (host.shadowRoot) return;
  const data = (name: string) => (host.getAttribute(`data-${name}`) ?? script.getAttribute(`data-${name}`) ?? '').trim();
  const threadId = data('thread-id');
  const canonical = document.querySelector<HTMLLinkElement>('link[rel~="canonical"]')?.href;
  const url = new URL(data('url') || canonical || location.href, location.href);
  url.hash = '';
  const theme = data('theme');
  // Present but empty: the site says nobody is signed in, which ends a session kept from its earlier payload.
  const sso = host.hasAttribute('data-sso') || script.hasAttribute('data-sso') ? data('sso') : undefined;
  (window as unknown as { parley: WidgetControl }).parley = mount({
    host,
    apiBase: new URL('api/v1', new URL('.', script.src)).href,
    selector: threadId ? { threadId, url: url.href } : { url: url.href },
    lang: pickLang([data('lang'), document.documentElement.lang, navigator.language]),
    theme: theme === 'light' || theme === 'dark' ? theme : 'auto',
    ...(sso !== undefined ? { sso } : {}),
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
