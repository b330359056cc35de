/**
 * count.js for listing pages: every element with data-parley-count="ARTICLE URL" (or an empty value on a link: its
 * href) gets "N comments", all from one request to /api/v1/counts. The language follows the script's data-lang,
 * else the page's.
 */
const script = document.currentScript as HTMLScriptElement | null;

const WORDS: Record<string, [string, string]> = {
  en: ['{n} comment', '{n} comments'],
  zh: ['{n} 条评论', '{n} 条评论'],
  es: ['{n} comentario', '{n} comentarios'],
  fr: ['{n} commentaire', '{n} commentaires'],
  de: ['{n} Kommentar', '{n} Kommentare'],
};
/** The API takes at most 100 URLs, and a query string should stay well under common 8 KB header limits. */
const MAX_URLS = 100;
const MAX_QUERY = 6000;

function urlOf(el: Element): string | null {
  const raw = el.getAttribute('data-parley-count') || el.getAttribute('href');
  if (!raw) return null;
  try {
    const u = new URL(raw, location.href);
    u.hash = '';
    return u.href;
  } catch {
    return null;
  }
}

function run(): void {
  if (!script) return;
  const els = [...document.querySelectorAll('[data-parley-count]')];
  const lang = ((script.getAttribute('data-lang') || document.documentElement.lang || 'en').toLowerCase().split('-')[0]) ?? 'en';
  const words = WORDS[lang] ?? WORDS.en!;
  const rules = new Intl.PluralRules(WORDS[lang] ? lang : 'en');
  const endpoint = new URL('api/v1/counts', new URL('.', script.src)).href;
  const batches: string[][] = [[]];
  let size = 0;
  for (const url of new Set(els.map(urlOf).filter((u): u is string => u !== null))) {
    const part = encodeURIComponent(url).length + 5;
    if (batches[0]!.length === MAX_URLS || size + part > MAX_QUERY) {
      batches.unshift([]);
      size = 0;
    }
    batches[0]!.push(url);
    size += part;
  }
  for (const batch of batches) {
    if (batch.length === 0) continue;
    fetch(`${endpoint}?${batch.map((u) => `url=${encodeURIComponent(u)}`).join('&')}`, { credentials: 'omit' })
      .then((r) => (r.ok ? (r.json() as Promise<{ counts: Record<string, number> }>) : null))
      .then((data) => {
        if (!data) return;
        for (const el of els) {
          const n = data.counts[urlOf(el) ?? ''];
          if (typeof n === 'number') el.textContent = words[rules.select(n) === 'one' ? 0 : 1].replace('{n}', n.toLocaleString(lang));
        }
      })
      .catch(() => {
        // The placeholder text stays.
      });
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
else run();
