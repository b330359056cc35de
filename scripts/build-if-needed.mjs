// `npm start` runs this first: compile src/ to dist/ when dist/ is missing or older than any source file, and
// bundle web/ into dist/public/ likewise.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const entry = path.join(root, 'dist', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

const sources = [path.join(root, 'src'), path.join(root, 'package.json'), path.join(root, 'tsconfig.build.json')];
const newestSource = Math.max(...sources.map((p) => (fs.statSync(p).isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)));
const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;

if (built < newestSource) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) {
    console.error('dist/ is missing or stale and TypeScript is not installed: run `npm install` first.');
    process.exit(1);
  }
  console.error('Building Parley (tsc)…');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // tsc leaves unchanged outputs' mtimes alone; touch the entry so the next start skips the build.
  const now = new Date();
  fs.utimesSync(entry, now, now);
}

// The browser bundles (dist/public/, from web/): rebuilt when missing or older than web/ or their build script.
const manifest = path.join(root, 'dist', 'public', 'manifest.json');
const webBuilt = fs.existsSync(manifest) ? fs.statSync(manifest).mtimeMs : 0;
const newestWeb = Math.max(newestMtime(path.join(root, 'web')), fs.statSync(path.join(root, 'scripts', 'build-web.mjs')).mtimeMs);
if (webBuilt < newestWeb) {
  if (!fs.existsSync(path.join(root, 'node_modules', 'esbuild'))) {
    console.error('dist/public/ is missing or stale and esbuild is not installed: run `npm install` first.');
    process.exit(1);
  }
  console.error('Building the widget (esbuild)…');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
