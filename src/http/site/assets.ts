/**
 * The browser bundles from dist/public/ (scripts/build-web.mjs): /embed.js and /count.js, which other sites load
 * with <script src>, and /me.js, which embed.js adds to those pages on first use (so Cross-Origin-Resource-Policy:
 * cross-origin, and CORS for SRI); /admin.js for the moderation page (same-origin only). Asked with the current `?v=<hash>` they are cached for a year; otherwise for
 * five minutes, revalidated by ETag. Pre-compressed .br/.gz copies are sent when the browser takes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';

export interface AssetInfo {
  hash: string;
  integrity: string;
  bytes: number;
  gzip: number;
}

export type Manifest = Record<string, AssetInfo>;

/** dist/public, from src/http/site (tests, tsx) as from dist/http/site (the build). */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../../../dist/public/', import.meta.url));

const SCRIPTS: Record<string, { crossOrigin: boolean }> = {
  'embed.js': { crossOrigin: true },
  'count.js': { crossOrigin: true },
  // The "My comments" view, which embed.js loads (with its integrity) into other sites' pages on first open.
  'me.js': { crossOrigin: true },
  'admin.js': { crossOrigin: false },
};
const LONG = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=300';
const ENCODINGS: Record<string, string> = { br: '.br', gzip: '.gz' };

/** Reads manifest.json again only when it changes (a rebuild while the server runs is picked up). */
export function manifestReader(publicDir: string): () => Manifest | null {
  const file = path.join(publicDir, 'manifest.json');
  let cached: { mtimeMs: number; manifest: Manifest } | null = null;
  return () => {
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      return null;
    }
    if (cached?.mtimeMs !== mtimeMs) {
      try {
        cached = { mtimeMs, manifest: JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest };
      } catch {
        return null;
      }
    }
    return cached.manifest;
  };
}

/** `/embed.js?v=<hash>` when built; the bare path otherwise. */
export function assetUrl(manifest: Manifest | null, name: string): string {
  const hash = manifest?.[name]?.hash;
  return hash ? `/${name}?v=${hash}` : `/${name}`;
}

export function siteAssets(publicDir: string, manifest: () => Manifest | null): Router {
  const router = Router();
  router.get(
    Object.keys(SCRIPTS).map((name) => `/${name}`),
    (req, res, next) => {
      const name = req.path.slice(1);
      const info = manifest()?.[name];
      const script = SCRIPTS[name];
      if (!info || !script) {
        next();
        return;
      }
      const file = path.join(publicDir, name);
      // Brotli first when both are taken. No Accept-Encoding means "anything" to the spec, but plain tools (curl)
      // mean plain text.
      const encoding = req.get('accept-encoding')
        ? (Object.keys(ENCODINGS).find((e) => req.acceptsEncodings(e) === e && fs.existsSync(file + ENCODINGS[e])) ?? null)
        : null;
      res.set({
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': req.query.v === info.hash ? LONG : SHORT,
        Vary: 'Accept-Encoding',
      });
      if (encoding) res.set('Content-Encoding', encoding);
      if (script.crossOrigin) {
        // Helmet's default (same-origin) would stop other sites' <script src>; CORS lets them use integrity=.
        res.set({ 'Cross-Origin-Resource-Policy': 'cross-origin', 'Access-Control-Allow-Origin': '*' });
      }
      res.sendFile(file + (encoding ? ENCODINGS[encoding] : ''), { cacheControl: false, dotfiles: 'deny' }, (err) => {
        if (!err || res.headersSent) return;
        // A Range past the end: with a callback, send leaves its own answer (416 + Content-Range: bytes */size) to us.
        const unsatisfiable = err as Error & { status?: number; headers?: Record<string, string> };
        if (unsatisfiable.status === 416) {
          res.status(416).set(unsatisfiable.headers ?? {}).end();
          return;
        }
        next(err);
      });
    },
  );
  return router;
}
