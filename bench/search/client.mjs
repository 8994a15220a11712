// Runs the browser client (themes/default/static/search.js) under Node
// against a built site's search/ folder, the way a browser would: it loads
// only the files the client asks for and counts their bytes (the index
// files are stored gzip-compressed, so their size is what travels; JS and
// CSS are counted gzip-compressed, as a server would send them).
//
// usage: node client.mjs SITE_DIR QUERIES.json [--limit 10] [--prefix]
// QUERIES.json: a JSON array of strings.
// Prints JSON: {js_bytes, queries: [{q, ids, total, first_bytes, first_files, first_paths, later_bytes}]}
//   first_bytes: everything a fresh page fetches to answer this query first
//                (JS + CSS + metadata + vocabulary + shards + cards);
//   later_bytes: what it fetches when asked after the previous queries.

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const site = resolve(args[0]);
const queries = JSON.parse(readFileSync(args[1], 'utf8'));
const limit = args.includes('--limit') ? +args[args.indexOf('--limit') + 1] : 10;
const prefix = args.includes('--prefix');

const jsPath = join(site, 'search.js');
const api = require(jsPath);
const gz = (p) => gzipSync(readFileSync(p), { level: 9 }).length;
const jsBytes = gz(jsPath) + gz(join(site, 'search.css'));

function engine(counter) {
  return new api.Engine(async (path) => {
    const bytes = readFileSync(join(site, 'search', path));
    counter.bytes += bytes.length;
    counter.files.push(path);
    return api.inflate(bytes);
  });
}

async function run(e, q) {
  const r = await e.search(q, { prefix });
  const top = r.docs.slice(0, limit);
  const cards = await e.cards(top.map((x) => x[0]));
  return {
    ids: cards.map((c) => c[0]),
    scores: top.map((x) => x[1]),
    total: r.total,
    corrected: r.words.filter((w) => w.corrected).map((w) => [w.word, w.corrected]),
  };
}

const shared = { bytes: 0, files: [] };
const warm = engine(shared);
const out = [];
for (const q of queries) {
  const fresh = { bytes: 0, files: [] };
  const first = await run(engine(fresh), q);
  const before = shared.bytes;
  const t0 = performance.now();
  await run(warm, q);
  const ms = performance.now() - t0;
  out.push({ q, ...first, first_bytes: jsBytes + fresh.bytes, first_files: fresh.files.length, first_paths: fresh.files, later_bytes: shared.bytes - before, node_ms: ms });
}
process.stdout.write(JSON.stringify({ js_bytes: jsBytes, queries: out }, null, 1) + '\n');
