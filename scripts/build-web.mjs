// Bundles the browser code with esbuild into dist/public/: embed.js (web/embed/main.ts), me.js (web/embed/me/me.ts,
// the "My comments" view embed.js loads on first open), count.js (web/embed/count.ts) and, when it exists, admin.js
// (web/admin/admin.ts). me.js is built first: embed.js gets its hashed path and SRI integrity (__PARLEY_ME__). Minified, ES2020. Writes .gz and .br
// copies for the server to send as they are, and manifest.json with each file's content hash (pages reference
// `embed.js?v=<hash>`, cached for a year) and SRI integrity. Prints every size; exits 1 when a budget is exceeded,
// writing nothing. `--out DIR` builds elsewhere (tests).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? path.resolve(process.argv[outArg + 1] ?? '') : path.join(root, 'dist', 'public');

const KB = 1024;
const lazy = { name: 'me.js', entry: 'web/embed/me/me.ts', budgetGzip: 8 * KB };
const targets = [
  { name: 'embed.js', entry: 'web/embed/main.ts', budgetGzip: 15 * KB },
  { name: 'count.js', entry: 'web/embed/count.ts', budgetGzip: 2 * KB },
  { name: 'admin.js', entry: 'web/admin/admin.ts', optional: true },
].filter((t) => !t.optional || fs.existsSync(path.join(root, t.entry)));

const hashOf = (code) => createHash('sha256').update(code).digest('hex').slice(0, 16);
const integrityOf = (code) => `sha384-${createHash('sha384').update(code).digest('base64')}`;

async function bundle(t, define = {}) {
  const out = await esbuild.build({
    entryPoints: [path.join(root, t.entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    platform: 'browser',
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
    define,
  });
  const code = Buffer.from(out.outputFiles[0].contents);
  return {
    ...t,
    code,
    gzip: zlib.gzipSync(code, { level: 9 }),
    br: zlib.brotliCompressSync(code, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
  };
}

const me = await bundle(lazy);
const define = { __PARLEY_ME__: JSON.stringify({ path: `${lazy.name}?v=${hashOf(me.code)}`, integrity: integrityOf(me.code) }) };
const results = [...(await Promise.all(targets.map((t) => bundle(t, define)))), me];

const kb = (n) => `${(n / KB).toFixed(1)} KB`;
let failed = false;
console.log(`${'file'.padEnd(10)} ${'raw'.padStart(9)} ${'gzip'.padStart(9)} ${'brotli'.padStart(9)}  budget (gzip)`);
for (const r of results) {
  const over = r.budgetGzip !== undefined && r.gzip.length > r.budgetGzip;
  failed ||= over;
  const budget = r.budgetGzip === undefined ? '-' : `${kb(r.budgetGzip)}${over ? '  OVER BUDGET' : ''}`;
  console.log(
    `${r.name.padEnd(10)} ${kb(r.code.length).padStart(9)} ${kb(r.gzip.length).padStart(9)} ${kb(r.br.length).padStart(9)}  ${budget}`,
  );
  console.log(`${''.padEnd(10)} ${String(r.code.length).padStart(9)} ${String(r.gzip.length).padStart(9)} ${String(r.br.length).padStart(9)}  bytes`);
}
if (failed) {
  console.error('build-web: a bundle is over its size budget; nothing was written.');
  process.exit(1);
}

// Written to a temporary name and renamed: a server (or a parallel build) never reads half a file.
function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

fs.mkdirSync(outDir, { recursive: true });
const manifest = {};
for (const r of results) {
  const file = path.join(outDir, r.name);
  writeAtomic(file, r.code);
  writeAtomic(`${file}.gz`, r.gzip);
  writeAtomic(`${file}.br`, r.br);
  manifest[r.name] = {
    hash: hashOf(r.code),
    integrity: integrityOf(r.code),
    bytes: r.code.length,
    gzip: r.gzip.length,
  };
}
writeAtomic(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`build-web: wrote ${results.map((r) => r.name).join(', ')} and manifest.json to ${path.relative(root, outDir) || outDir}`);
