/**
 * Server-rendered HTML with escaping by default: every value interpolated into `html\`…\`` is escaped unless it is
 * itself html`…` or was passed through trustedHtml() (only for comment HTML the server rendered and sanitised).
 */
import { createHash } from 'node:crypto';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = Html | string | number | null | undefined | false | readonly Value[];

function render(v: Value): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** For HTML that is already safe: comment bodies rendered by domain/markup.ts, never user text. */
export function trustedHtml(value: string): Html {
  return new Html(value);
}

/** A CSP source for an inline <style> element with exactly this text. */
export function styleHash(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

/** The Content-Security-Policy of Parley's own pages: no inline script, only the given styles, nothing framed. */
export function pageCsp(opts: { styleSources: string[]; imgSources?: string[] }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${opts.styleSources.join(' ')}`,
    `img-src 'self' data:${opts.imgSources?.length ? ` ${opts.imgSources.join(' ')}` : ''}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
