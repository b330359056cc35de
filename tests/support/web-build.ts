/** Builds the browser bundles with the real build script (esbuild, well under a second) into dist/public/. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PUBLIC_DIR = path.join(ROOT, 'dist', 'public');

export interface BuiltAsset {
  hash: string;
  integrity: string;
  bytes: number;
  gzip: number;
}

/** Runs scripts/build-web.mjs; returns its output and the manifest it wrote. Throws when the build fails. */
export function buildWeb(): { output: string; manifest: Record<string, BuiltAsset> } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-web.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`build-web failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(PUBLIC_DIR, 'manifest.json'), 'utf8')) as Record<string, BuiltAsset>;
  return { output: r.stdout, manifest };
}
