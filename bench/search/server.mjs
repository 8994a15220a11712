// Static server for the search benchmark: serves DIR on loopback, gzips
// text files as a production host would (the index files of both tools are
// stored compressed already), and logs the bytes of every response, so
// fetches count even when they come from a web worker.
//
// GET /mark?i=N  marks the start of query N in the log (not counted)
// POST /report   writes {"client": BODY, "log": [[path, bytes] | ["#mark", N]]} to OUT
//
// It speaks HTTP/2 over TLS when given a key and certificate, as static
// hosts do (one connection, every file of a query fetched in parallel);
// plain HTTP/1.1 otherwise (at most six fetches at a time per host).
//
// usage: node server.mjs DIR PORT OUT [KEY.pem CERT.pem]
import { createServer } from 'node:http';
import { createSecureServer } from 'node:http2';
import { readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, extname } from 'node:path';

const [root, port, out, key, cert] = process.argv.slice(2);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };
const text = new Set(['.html', '.js', '.mjs', '.css', '.json']);
const log = [];
const cache = new Map();

function handle(req, res) {
  const [path, query = ''] = req.url.split('?');
  if (req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      writeFileSync(out + '.tmp', JSON.stringify({ client: JSON.parse(Buffer.concat(chunks)), log }));
      renameSync(out + '.tmp', out);
      res.writeHead(204).end();
    });
    return;
  }
  if (path === '/mark') {
    log.push(['#mark', +query.split('i=')[1]]);
    return res.writeHead(200, { 'Content-Length': 0 }).end();
  }
  let file = join(root, decodeURIComponent(path));
  try { if (statSync(file).isDirectory()) file = join(file, 'index.html'); } catch { }
  let body;
  try { body = readFileSync(file); } catch { return res.writeHead(404).end('not found'); }
  const ext = extname(file);
  const headers = { 'Content-Type': types[ext] || 'application/octet-stream', 'Cache-Control': 'max-age=3600' };
  if (text.has(ext) && /gzip/.test(req.headers['accept-encoding'] || '')) {
    if (!cache.has(file)) cache.set(file, gzipSync(body, { level: 9 }));
    body = cache.get(file);
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = body.length;
  log.push([path, body.length]);
  res.writeHead(200, headers).end(body);
}

const server = key
  ? createSecureServer({ key: readFileSync(key), cert: readFileSync(cert), allowHTTP1: true }, handle)
  : createServer(handle);
server.listen(+port, '127.0.0.1');
