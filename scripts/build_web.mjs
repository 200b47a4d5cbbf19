// Bundles web/src/main.js (+ its CSS) into web/dist with hashed names under web/dist/assets/,
// writes web/dist/index.html pointing at them and .gz siblings. See docs/internals/web.md.
import * as esbuild from 'esbuild';
import { mkdirSync, rmSync, writeFileSync, readFileSync, copyFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, relative } from 'node:path';

const out = 'web/dist';
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await esbuild.build({
  entryPoints: ['web/src/main.js'], bundle: true, splitting: true, format: 'esm', minify: true,
  outdir: join(out, 'assets'), entryNames: '[name]-[hash]', chunkNames: 'chunk-[hash]',
  metafile: true, target: 'es2020', logLevel: 'warning',
});
let js = '', css = '';
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  if (info.entryPoint === 'web/src/main.js') { js = file; css = info.cssBundle || ''; }
}
const url = (f) => '/' + relative(out, f);
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>peerwork</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
${css ? `<link rel="stylesheet" href="${url(css)}">` : ''}
<script type="module" src="${url(js)}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
writeFileSync(join(out, 'index.html'), html);
copyFileSync('web/favicon.svg', join(out, 'favicon.svg'));
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
for (const f of walk(out)) if (/\.(js|css|html|svg)$/.test(f)) writeFileSync(f + '.gz', gzipSync(readFileSync(f), { level: 9 }));

// the first page's script: the entry and the chunks it imports statically (not dynamic imports)
const first = new Set();
const visit = (f) => {
  if (first.has(f)) return; first.add(f);
  for (const imp of result.metafile.outputs[f].imports) if (imp.kind === 'import-statement') visit(imp.path);
};
visit(js);
const gz = [...first].reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
console.log(`web: ${url(js)} — first page script ${(gz / 1024).toFixed(1)} KB gzip (${first.size} file(s), limit 150 KB)`);
if (gz > 150 * 1024) { console.error('web: first page script over 150 KB compressed'); process.exit(1); }
