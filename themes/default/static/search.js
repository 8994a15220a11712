/* Casebook search: a dependency-free client for the static index that the
 * build exports from tantivy (see src/search/export.rs for the files).
 *
 * It fetches only what a query needs: the term file of each word's stem
 * (postings with term frequencies and field norms; the client stems words
 * as tantivy does, and a stem's file follows from the stem alone), the
 * vocabulary file of a word still being typed (completions) or not in the
 * archive (typo correction), the cards of the results shown, and a facet
 * column when that facet is opened or filtered. Ranking is tantivy's BM25 (k1 1.2, b 0.75, the same idf,
 * field boosts, f32 arithmetic), ties broken by archive order, so the top
 * results match `casebook search`.
 *
 * Quoted phrases are approximate: every word of the phrase must match (the
 * static index carries no positions, which would triple its size); the
 * phrase's words are highlighted together in snippets.
 */
(function (root) {
  'use strict';
  var f = Math.fround;
  var K1 = f(1.2), B = 0.75, K1P1 = f(1 + K1);
  var WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var utf8 = new TextEncoder();
  var text = new TextDecoder();

  // tantivy's field-norm id -> field norm (Lucene's byte4 encoding).
  function fieldnorm(id) {
    if (id < 24) return id;
    var i = id - 24, bits = i & 7, shift = (i >> 3) - 1;
    return 24 + (shift < 0 ? bits : (bits | 8) * Math.pow(2, shift));
  }
  function fnv1a(s) {
    var h = 0x811c9dc5, b = utf8.encode(s);
    for (var i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
    return h;
  }
  function idf(n, N) {
    return f(Math.log(f(1 + f(f(f(N - n) + 0.5) / f(n + 0.5)))));
  }
  function maxTypos(len) { return len <= 3 ? 0 : len <= 7 ? 1 : 2; }
  // Optimal-string-alignment distance, or -1 when above max.
  function distance(a, b, max) {
    a = Array.from(a); b = Array.from(b);
    if (Math.abs(a.length - b.length) > max) return -1;
    var w = b.length + 1, d = [], i, j;
    for (j = 0; j < w; j++) d[j] = j;
    for (i = 1; i <= a.length; i++) {
      d[i * w] = i;
      var best = i;
      for (j = 1; j < w; j++) {
        var v = Math.min(d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
          d[(i - 1) * w + j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * w + j - 2] + 1);
        d[i * w + j] = v;
        if (v < best) best = v;
      }
      if (best > max) return -1;
    }
    var r = d[a.length * w + b.length];
    return r <= max ? r : -1;
  }
  // Tokens as tantivy's en_stem analyzer sees them before stemming.
  function tokens(s) {
    return (s.match(WORD) || []).filter(function (t) { return utf8.encode(t).length < 40; })
      .map(function (t) { return t.toLowerCase(); });
  }
  // "quoted" parts are phrases; everything else one word per token.
  function parse(q) {
    var clauses = [];
    q.split('"').forEach(function (part, n) {
      var words = tokens(part);
      if (n % 2 && words.length > 1) clauses.push({ words: words, phrase: true });
      else words.forEach(function (w) { clauses.push({ words: [w] }); });
    });
    return clauses;
  }
  /* ---- Stemming: Snowball's English stemmer (version 3, the one tantivy
   * uses), so the client finds a word's postings without first asking the
   * vocabulary for its stem. Should the two ever disagree on a word, its
   * stem is missing where the client looked and it asks the vocabulary. */
  var EXCEPTIONS = { skis: 'ski', skies: 'sky', idly: 'idl', gently: 'gentl', ugly: 'ugli', early: 'earli',
    only: 'onli', singly: 'singl', sky: 'sky', news: 'news', howe: 'howe', atlas: 'atlas', cosmos: 'cosmos',
    bias: 'bias', andes: 'andes' };
  var STEP2 = { tional: 'tion', enci: 'ence', anci: 'ance', abli: 'able', entli: 'ent', izer: 'ize', ization: 'ize',
    ational: 'ate', ation: 'ate', ator: 'ate', alism: 'al', aliti: 'al', alli: 'al', fulness: 'ful', ousli: 'ous',
    ousness: 'ous', iveness: 'ive', iviti: 'ive', biliti: 'ble', bli: 'ble', ogist: 'og', ogi: 'og', fulli: 'ful',
    lessli: 'less', li: '' };
  var STEP3 = { tional: 'tion', ational: 'ate', alize: 'al', icate: 'ic', iciti: 'ic', ical: 'ic', ful: '', ness: '', ative: '' };
  var STEP4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ism', 'ate', 'iti',
    'ous', 'ive', 'ize', 'ion'];
  function isVowel(c) { return c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || c === 'y'; }
  function stem(word) {
    if (EXCEPTIONS[word]) return EXCEPTIONS[word];
    var w = Array.from(word);
    if (w.length < 3) return word;
    // y at the start or after a vowel is a consonant: Y until the end.
    for (var i = 0; i < w.length; i++) if (w[i] === 'y' && (i === 0 || isVowel(w[i - 1]))) w[i] = 'Y';
    function v(i) { return i >= 0 && i < w.length && isVowel(w[i]); }
    // R1 and R2 start after the first non-vowel that follows a vowel.
    function region(from) {
      var i = from;
      while (i < w.length && !v(i)) i++;
      while (i < w.length && v(i)) i++;
      return Math.min(i + 1, w.length);
    }
    var s = w.join(''), pre = /^(arsen|commun|emerg|gener|inter|later|organ|past|univers)/.exec(s);
    var p1 = pre ? pre[1].length : region(0), p2 = region(p1);
    function set(str) { s = str; w = Array.from(s); }
    function cut(n) { set(w.slice(0, w.length - n).join('')); }
    function longest(list) {
      var best = null;
      list.forEach(function (x) { if (s.length >= x.length && s.slice(-x.length) === x && (!best || x.length > best.length)) best = x; });
      return best;
    }
    function vowelBefore(end) { for (var i = 0; i < end; i++) if (v(i)) return true; return false; }
    // The first `at` characters end in a short syllable.
    function shortv(at) {
      var a = w[at - 1], b = w[at - 2];
      if (at >= 3 && !isVowel(a) && a !== 'w' && a !== 'x' && a !== 'Y' && isVowel(b) && !isVowel(w[at - 3])) return true;
      if (at === 2 && !isVowel(a) && isVowel(b)) return true;
      return w.slice(0, at).join('').slice(-4) === 'past';
    }

    // Step 1a: plurals.
    var x = longest(['sses', 'ied', 'ies', 's', 'us', 'ss']), n = w.length;
    if (x === 'sses') cut(2);
    else if (x === 'ied' || x === 'ies') { cut(3); set(s + (n - 3 >= 2 ? 'i' : 'ie')); }
    else if (x === 's' && vowelBefore(n - 2)) cut(1);

    // Step 1b: -ed, -ing and friends.
    n = w.length;
    x = longest(['ed', 'eed', 'ing', 'edly', 'eedly', 'ingly']);
    var start = x ? n - x.length : 0, stemPart = w.slice(0, start).join(''), plain = x && x !== 'eed' && x !== 'eedly';
    if (x === 'eed' || x === 'eedly') {
      if (start >= p1 && !/^(succ|proc|exc)$/.test(stemPart)) { cut(x.length); set(s + 'ee'); }
    } else if (x === 'ing') {
      if (start === 2 && w[1] === 'y' && !isVowel(w[0])) { set(w[0] + 'ie'); plain = false; }
      else if (/^(even|cann|inn|earr|herr|out)$/.test(stemPart)) plain = false;
    }
    if (plain && vowelBefore(start)) {
      cut(x.length);
      var end = longest(['bb', 'dd', 'ff', 'gg', 'bl', 'mm', 'nn', 'pp', 'rr', 'at', 'tt', 'iz']);
      if (end === 'at' || end === 'bl' || end === 'iz') set(s + 'e');
      else if (end) { if (!(w.length === 3 && /[aeo]/.test(w[0]))) cut(1); }
      else if (w.length === p1 && shortv(w.length)) set(s + 'e');
    }

    // Step 1c: a final y after a consonant (not the first letter) is i.
    n = w.length;
    if ((w[n - 1] === 'y' || w[n - 1] === 'Y') && n > 2 && !v(n - 2)) cut(1), set(s + 'i');

    // Step 2: derivational suffixes in R1.
    x = longest(Object.keys(STEP2)); n = w.length;
    if (x && n - x.length >= p1) {
      var before = w[n - x.length - 1] || '';
      if (x === 'ogi') { if (before === 'l') { cut(3); set(s + 'og'); } }
      else if (x === 'li') { if (/[cdeghkmnrt]/.test(before)) cut(2); }
      else { cut(x.length); set(s + STEP2[x]); }
    }

    // Step 3: more derivational suffixes in R1 (-ative in R2).
    x = longest(Object.keys(STEP3)); n = w.length;
    if (x && n - x.length >= p1 && (x !== 'ative' || n - x.length >= p2)) { cut(x.length); set(s + STEP3[x]); }

    // Step 4: suffixes in R2 (-ion after s or t).
    x = longest(STEP4); n = w.length;
    if (x && n - x.length >= p2 && (x !== 'ion' || w[n - 4] === 's' || w[n - 4] === 't')) cut(x.length);

    // Step 5: a final e or double l.
    n = w.length;
    if (w[n - 1] === 'e') { if (n - 1 >= p2 || (n - 1 >= p1 && !shortv(n - 1))) cut(1); }
    else if (w[n - 1] === 'l' && n - 1 >= p2 && w[n - 2] === 'l') cut(1);
    return s.replace(/Y/g, 'y');
  }

  function fileName(key) {
    if (/^[a-z0-9]+$/.test(key)) return key;
    return '_' + Array.from(utf8.encode(key), function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
  }

  /* The engine: index files in, ranked documents out. `load(path)` returns
   * a promise of the file's bytes (already inflated). */
  function Engine(load) {
    this.load = load;
    this.cache = {};
    this.known = {};
    this.meta = null;
  }
  Engine.prototype.file = function (path, decode) {
    var c = this.cache;
    if (!c[path]) c[path] = this.load(path).then(decode);
    return c[path];
  };
  Engine.prototype.json = function (path) {
    return this.file(path, function (b) { return JSON.parse(text.decode(b)); });
  };
  Engine.prototype.init = function () {
    var self = this;
    return this.meta || (this.meta = this.json('meta.dat').then(function (m) {
      self.meta_ = m;
      self.keys = {};
      m.vocab.forEach(function (k) { self.keys[k] = 1; });
      m.fields = m.fields.map(function (x) {
        var avg = f(f(x[2]) / f(m.docs)), cache = [];
        for (var id = 0; id < 256; id++) cache[id] = f(K1 * f(f(1 - B) + f(f(B * fieldnorm(id)) / avg)));
        return { name: x[0], boost: f(x[1]), cache: cache, column: x[3] };
      });
      self.stop = {};
      m.stop.forEach(function (w) { self.stop[w] = 1; });
      self.owned = {};
      m.owned.reduce(function (slot, gap) { self.owned[slot + gap] = 1; return slot + gap; }, 0);
      // Nearly every query needs the norms columns: fetch them with the first words.
      m.fields.forEach(function (x, i) { if (x.column) self.norms(i); });
      return m;
    }));
  };
  Engine.prototype.key = function (word) {
    var ch = Array.from(word);
    for (var n = Math.min(ch.length, 6); n > 0; n--) {
      var k = ch.slice(0, n).join('');
      if (this.keys[k]) return k;
    }
    return null;
  };
  // A vocabulary file: [{w: surface, s: stem, df}], sorted by surface.
  Engine.prototype.vocab = function (key) {
    return this.file('v/' + fileName(key) + '.dat', function (b) {
      return text.decode(b).split('\n').filter(Boolean).map(function (line) {
        var p = line.split('\t'), m = /^(\d*)(.*)$/.exec(p[1]), ch = Array.from(p[0]);
        return { w: p[0], s: ch.slice(0, ch.length - (+m[1] || 0)).join('') + m[2], df: +p[2] };
      });
    });
  };
  /* Postings of every stem of a term file: stem -> [per field: null | {docs, tfs, norms}].
   * After an empty stem come the cards of the common stems' best
   * documents: kept, so their results need no card file. */
  Engine.prototype.shard = function (path) {
    var m = this.meta_, bytes = Math.ceil(m.docs / 8), known = this.known;
    return this.file(path, function (b) {
      var pos = 0, out = {};
      function v() {
        var x = 0, s = 1, c;
        do { c = b[pos++]; x += (c & 127) * s; s *= 128; } while (c & 128);
        return x;
      }
      while (pos < b.length) {
        var len = v();
        if (!len) {
          JSON.parse(text.decode(b.subarray(pos))).forEach(function (c) { known[c[0]] = c.slice(1); });
          break;
        }
        var stem = text.decode(b.subarray(pos, pos + len));
        pos += len;
        var mask = b[pos++], fields = [];
        for (var i = 0; i < m.fields.length; i++) {
          if (!(mask & (1 << i))) { fields.push(null); continue; }
          var count = v(), docs = new Uint32Array(count), tfs = new Uint32Array(count), d = 0, k = 0;
          if (b[pos++]) {
            for (var x = 0; x < bytes; x++) for (var bit = 0, byte = b[pos + x]; byte; bit++, byte >>= 1) if (byte & 1) docs[k++] = x * 8 + bit;
            pos += bytes;
          } else for (k = 0; k < count; k++) { d += v(); docs[k] = d; }
          for (k = 0; k < count; k++) tfs[k] = v();
          var norms = null;
          if (!m.fields[i].column) { norms = b.subarray(pos, pos + count); pos += count; }
          fields.push({ docs: docs, tfs: tfs, norms: norms });
        }
        out[stem] = fields;
      }
      return out;
    });
  };
  // A stem's postings: in its slot's file when the slot is in use (common
  // stems), else in its hash bucket.
  Engine.prototype.postings = function (t) {
    var m = this.meta_, h = fnv1a(t.s), slot = h % m.slots;
    var path = this.owned[slot] ? 't/w/' + slot + '.dat' : 't/' + (h % m.shards) + '.dat';
    return this.shard(path).then(function (s) { return s[t.s] || null; });
  };
  Engine.prototype.norms = function (i) {
    return this.file('n/' + i + '.dat', function (b) { return b; });
  };
  /* Resolves a typed word to stems: its own stem when the archive has it
   * (one fetch, no vocabulary), else the vocabulary's answer. While the
   * word is still being typed, its completions come from the vocabulary
   * too (the stem's postings are fetched meanwhile). */
  Engine.prototype.resolve = function (word, prefix) {
    var self = this, s = stem(word), direct = this.postings({ s: s });
    if (prefix) return this.lookup(word, true);
    return direct.then(function (p) {
      return p ? { word: word, stems: [{ w: word, s: s }] } : self.lookup(word, false);
    });
  };
  /* The vocabulary's stems for a word: exact surface word, else (when
   * typing) completions, else the closest word within the typo allowance. */
  Engine.prototype.lookup = function (word, prefix) {
    var self = this, key = this.key(word);
    var files = [];
    if (key) files.push(key);
    if (prefix && Array.from(word).length >= 2) {
      var deeper = this.meta_.vocab.filter(function (k) { return k !== key && k.indexOf(word) === 0; });
      if (deeper.length <= 3) files = files.concat(deeper);
    }
    return Promise.all(files.map(function (k) { return self.vocab(k); })).then(function (lists) {
      var own = lists[0] || [], exact = null, stems = [], seen = {};
      own.forEach(function (e) { if (e.w === word) exact = e; });
      if (exact) { stems.push(exact); seen[exact.s] = 1; }
      if (prefix) {
        var more = [].concat.apply([], lists).filter(function (e) { return e.w.indexOf(word) === 0 && !seen[e.s]; });
        more.sort(function (a, b) { return b.df - a.df || (a.w < b.w ? -1 : 1); });
        more.forEach(function (e) { if (stems.length < 5 && !seen[e.s]) { seen[e.s] = 1; stems.push(e); } });
      }
      if (stems.length) return { word: word, stems: stems };
      var max = maxTypos(Array.from(word).length), best = null;
      if (max) own.forEach(function (e) {
        var d = distance(word, e.w, max);
        if (d < 0) return;
        if (!best || d < best.d || (d === best.d && (e.df > best.e.df || (e.df === best.e.df && e.w < best.e.w)))) best = { d: d, e: e };
      });
      return best ? { word: word, stems: [best.e], corrected: best.e.w } : { word: word, stems: [] };
    });
  };
  /* Scores of one clause (a set of stems, summed like tantivy's Should over
   * fields and terms) in f32 accumulators indexed by document, and which
   * fields matched. */
  Engine.prototype.score = function (stems) {
    var m = this.meta_, self = this;
    var columns = m.fields.map(function (x, i) { return x.column && stems.length ? self.norms(i) : null; });
    return Promise.all([Promise.all(stems.map(this.postings, this)), Promise.all(columns)]).then(function (r) {
      var acc = new Float32Array(m.docs), hit = new Uint8Array(m.docs), lists = r[0], cols = r[1];
      lists.forEach(function (fields) {
        if (!fields) return;
        fields.forEach(function (p, i) {
          if (!p) return;
          var field = m.fields[i], w = f(idf(p.docs.length, m.docs) * K1P1), col = cols[i], cache = field.cache, bit = 1 << i;
          if (field.boost !== 1) w = f(w * field.boost);
          for (var k = 0; k < p.docs.length; k++) {
            var tf = p.tfs[k], doc = p.docs[k];
            acc[doc] += f(w * f(tf / f(tf + cache[col ? col[doc] : p.norms[k]])));
            hit[doc] |= bit;
          }
        });
      });
      return { acc: acc, hit: hit };
    });
  };
  Engine.prototype.facet = function (key) {
    if (key === 'years') {
      return this.json('dates.dat').then(function (deltas) {
        var out = { values: [], docs: [], days: [] }, day = 0, index = {};
        deltas.forEach(function (d, n) {
          day = n ? day - d : d;
          out.days.push(day);
          var y = String(new Date(day * 864e5).getUTCFullYear());
          if (!(y in index)) { index[y] = out.values.length; out.values.push([y, y]); }
          out.docs.push([index[y]]);
        });
        return out;
      });
    }
    return this.json('f/' + key + '.dat').then(function (c) {
      if (!c.parsed) {
        c.docs = c.docs.split(';').map(function (s) { return s ? s.split(',').map(function (x) { return parseInt(x, 36); }) : []; });
        c.parsed = true;
      }
      return c;
    });
  };
  /* Runs a query. opts: {filters: {facet: [slug]}, from, to (YYYY-MM-DD),
   * prefix (complete the last word), facets: [keys to count]}. Resolves to
   * {total, docs: [[doc, score]] ranked, words: [{word, stems, corrected}],
   * counts: {facet: {slug: n}}}. */
  Engine.prototype.search = function (q, opts) {
    opts = opts || {};
    var self = this;
    return this.init().then(function (m) {
      var clauses = parse(q), filters = opts.filters || {};
      var typing = opts.prefix && !/[\s"]$/.test(q);
      var words = [];
      clauses.forEach(function (c, ci) {
        c.words.forEach(function (w, wi) {
          if (self.stop[w]) return;
          words.push({ clause: ci, word: w, prefix: typing && ci === clauses.length - 1 && wi === c.words.length - 1 });
        });
      });
      // While typing, a lone last character narrows nothing yet.
      if (words.length && words[words.length - 1].prefix && Array.from(words[words.length - 1].word).length < 2) words.pop();
      var facetKeys = Object.keys(filters).filter(function (k) { return filters[k] && filters[k].length; });
      var needDates = opts.from || opts.to;
      var wanted = facetKeys.concat(opts.facets || []);
      if (needDates && wanted.indexOf('years') < 0) wanted.push('years');
      wanted = wanted.filter(function (k, i) { return wanted.indexOf(k) === i; });
      return Promise.all([
        Promise.all(words.map(function (w) { return self.resolve(w.word, w.prefix); })),
        Promise.all(wanted.map(function (k) { return self.facet(k); }))
      ]).then(function (r) {
        var resolved = r[0], columns = {};
        wanted.forEach(function (k, i) { columns[k] = r[1][i]; });
        return Promise.all(resolved.map(function (w) { return self.score(w.stems); })).then(function (scored) {
          // Every clause must match; scores add up clause by clause, in f32.
          var N = m.docs, total = new Float32Array(N), where = new Uint8Array(N), count = new Uint8Array(N), docs = [], d;
          scored.forEach(function (s) {
            for (var d = 0; d < N; d++) if (s.hit[d]) { count[d]++; total[d] += s.acc[d]; where[d] |= s.hit[d]; }
          });
          for (d = 0; d < N; d++) if (count[d] === scored.length) docs.push(d);
          var from = opts.from ? Date.parse(opts.from) / 864e5 : -Infinity;
          var to = opts.to ? Date.parse(opts.to) / 864e5 : Infinity;
          if (needDates) docs = docs.filter(function (x) { var day = columns.years.days[x]; return day >= from && day <= to; });
          // Facets are OR within, AND across; counts leave out their own filter.
          var selected = {};
          facetKeys.forEach(function (k) {
            var want = {}, col = columns[k];
            filters[k].forEach(function (slug) { want[slug] = 1; });
            selected[k] = function (doc) {
              return col.docs[doc].some(function (id) { return want[col.values[id][0]]; });
            };
          });
          function passes(doc, except) {
            for (var i = 0; i < facetKeys.length; i++) if (facetKeys[i] !== except && !selected[facetKeys[i]](doc)) return false;
            return true;
          }
          var counts = {};
          (opts.facets || []).forEach(function (k) {
            var col = columns[k], c = {};
            docs.forEach(function (x) {
              if (!passes(x, k)) return;
              col.docs[x].forEach(function (id) { var s = col.values[id][0]; c[s] = (c[s] || 0) + 1; });
            });
            counts[k] = c;
          });
          if (facetKeys.length) docs = docs.filter(function (x) { return passes(x); });
          // The best `limit` by score, ties by archive order (tantivy's doc order).
          var limit = opts.limit || 100, best = [];
          function before(a, b) { return total[a] > total[b] || (total[a] === total[b] && a < b); }
          docs.forEach(function (x) {
            if (best.length === limit && !before(x, best[limit - 1])) return;
            var lo = 0, hi = best.length;
            while (lo < hi) { var mid = (lo + hi) >> 1; if (before(best[mid], x)) lo = mid + 1; else hi = mid; }
            best.splice(lo, 0, x);
            if (best.length > limit) best.pop();
          });
          return { total: docs.length, docs: best.map(function (x) { return [x, total[x], where[x]]; }), words: resolved, counts: counts, columns: columns };
        });
      });
    });
  };
  // Cards of documents: [id, title, date, severity, rank, teams, summary],
  // from the term files when they carried them, else from the card files.
  Engine.prototype.cards = function (docs) {
    var self = this, c = this.meta_.chunk;
    return Promise.all(docs.map(function (d) {
      return self.known[d] || self.json('c/' + Math.floor(d / c) + '.dat').then(function (chunk) { return chunk[d % c]; });
    }));
  };

  function inflate(bytes) {
    var b = new Uint8Array(bytes);
    if (b[0] !== 0x1f || b[1] !== 0x8b) return Promise.resolve(b); // the server inflated it
    // A stream over the bytes themselves: a Blob's stream costs a round
    // trip to the browser process, ten times the inflating.
    var source = new ReadableStream({ start: function (c) { c.enqueue(b); c.close(); } });
    return new Response(source.pipeThrough(new DecompressionStream('gzip')))
      .arrayBuffer().then(function (a) { return new Uint8Array(a); });
  }
  var api = { Engine: Engine, parse: parse, tokens: tokens, stem: stem, fnv1a: fnv1a, inflate: inflate };
  root.CasebookSearch = api;
  if (typeof module === 'object' && module.exports) module.exports = api;
  if (typeof document === 'undefined' || root.__casebookSearchUI) return;
  root.__casebookSearchUI = true;

  /* ---- The page: search box, facets, results, URL state, keyboard. ---- */
  var script = document.currentScript;
  var base = script ? script.src.replace(/search\.js([?#].*)?$/, '') : '/';
  var engine = new Engine(function (path) {
    return fetch(base + 'search/' + path).then(function (r) {
      if (!r.ok) throw new Error('cannot load search/' + path + ' (' + r.status + ')');
      return r.arrayBuffer();
    }).then(inflate);
  });
  root.casebookEngine = engine;
  var PAGE = 10;
  function $(sel, el) { return (el || document).querySelector(sel); }
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) if (attrs[k] != null) el.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) { if (c != null) el.append(c); });
    return el;
  }
  function url(id) { return base + 'incidents/' + id + '/'; }
  // Marks the words of `s` whose surface form maps to a matched stem.
  function highlight(s, words) {
    var stems = {}, surfaces = {};
    words.forEach(function (w) { w.stems.forEach(function (st) { stems[st.s] = 1; surfaces[st.w] = 1; }); surfaces[w.word] = 1; });
    var frag = document.createDocumentFragment(), last = 0, m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(s))) {
      var low = m[0].toLowerCase(), hit = surfaces[low] || stems[low];
      if (!hit) for (var st in stems) if (st.length > 2 && low.indexOf(st) === 0 && low.length - st.length <= 4) { hit = true; break; }
      if (!hit) continue;
      frag.append(s.slice(last, m.index), h('mark', {}, [m[0]]));
      last = m.index + m[0].length;
    }
    frag.append(s.slice(last));
    return frag;
  }
  // Runs fn once after the current burst of events (keystrokes, toggles).
  function debounceFrame(fn) {
    var pending = false;
    return function () { if (!pending) { pending = true; setTimeout(function () { pending = false; fn(); }, 0); } };
  }

  var page = $('#cb-search');
  var headerInput = $('input[data-cb-search]');
  document.addEventListener('keydown', function (e) {
    var t = e.target, editing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (e.key === '/' && !editing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      var box = page ? $('#cb-q') : headerInput;
      if (box) { e.preventDefault(); box.focus(); box.select(); }
    }
  });
  if (page) searchPage(page);
  else if (headerInput) headerBox(headerInput);

  /* Results are a list of links. Arrow keys move the focus from the box
   * to the results and between them (Up from the first goes back to the
   * box, Escape too); Enter follows the focused link. */
  function navigable(input, list) {
    input.setAttribute('aria-controls', list.id);
    function links() { return Array.prototype.slice.call(list.querySelectorAll('.cb-result > a')); }
    input.addEventListener('keydown', function (e) {
      var all = links();
      if (e.key === 'ArrowDown' && all.length) { e.preventDefault(); all[0].focus(); }
    });
    list.addEventListener('keydown', function (e) {
      var all = links(), i = all.indexOf(document.activeElement);
      if (i < 0) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp' || e.key === 'Escape') e.preventDefault();
      if (e.key === 'ArrowDown') all[Math.min(i + 1, all.length - 1)].focus();
      else if (e.key === 'ArrowUp') (i ? all[i - 1] : input).focus();
      else if (e.key === 'Escape') input.focus();
    });
  }
  function resultItem(card, doc, words, n, mask) {
    var fields = (engine.meta_.fields || []).filter(function (x, i) { return mask & (1 << i); }).map(function (x) { return x.name; });
    var sev = card[3] ? h('span', { class: 'badge sev-' + (card[4] + 1) }, [card[3]]) : h('span', { class: 'badge sev-none' }, ['Unrated']);
    return h('li', { id: 'cb-r' + n, class: 'cb-result', 'data-doc': doc }, [
      h('a', { href: url(card[0]), class: 'cb-title' }, [highlight(card[1], words)]),
      h('p', { class: 'cb-meta' }, [sev, ' ', h('time', { datetime: card[2] }, [card[2]]), card[5].length ? ' · ' + card[5].join(', ') : null,
        fields.length ? h('span', { class: 'cb-where' }, [' · matches in ' + fields.join(', ')]) : null]),
      card[6] ? h('p', { class: 'cb-snippet' }, [highlight(card[6], words)]) : null
    ]);
  }

  function headerBox(input) {
    var list = h('ul', { id: 'cb-header-results', class: 'cb-dropdown', 'aria-label': 'Search results', hidden: '' });
    input.after(list);
    navigable(input, list);
    var seq = 0;
    var run = debounceFrame(function () {
      var q = input.value, mine = ++seq;
      if (!q.trim()) { list.hidden = true; return; }
      engine.search(q, { prefix: true }).then(function (r) {
        return engine.cards(r.docs.slice(0, 5).map(function (x) { return x[0]; })).then(function (cards) {
          if (mine !== seq) return;
          list.replaceChildren();
          cards.forEach(function (c, n) { list.append(resultItem(c, r.docs[n][0], r.words, n, r.docs[n][2])); });
          list.append(h('li', { class: 'cb-all' }, [h('a', { href: base + 'search/?q=' + encodeURIComponent(q) }, [r.total ? 'All ' + r.total + ' results' : 'No results — open search'])]));
          list.hidden = false;
        });
      }).catch(function (e) { console.warn(e); });
    });
    input.addEventListener('input', run);
    // Fetch the metadata while the reader starts typing, not after.
    input.addEventListener('focus', function () { engine.init().catch(function () {}); }, { once: true });
    // Hide the results once the focus has left both the box and the list.
    function hideLater() {
      setTimeout(function () { if (document.activeElement !== input && !list.contains(document.activeElement)) list.hidden = true; }, 200);
    }
    input.addEventListener('blur', hideLater);
    list.addEventListener('focusout', hideLater);
  }

  function searchPage(root) {
    var input = $('#cb-q', root), list = $('#cb-results', root), status = $('#cb-status', root);
    var more = $('#cb-more', root), from = $('#cb-from', root), to = $('#cb-to', root);
    var facetsBox = $('#cb-facets', root);
    var form = $('#cb-form', root);
    if (headerInput) headerInput.closest('form').hidden = true;
    root.classList.add('cb-ready');
    navigable(input, list);
    // typing: the last word is still being typed, so it also matches as a prefix.
    var state = { q: '', filters: {}, from: '', to: '', shown: PAGE, typing: false };
    var params = new URLSearchParams(location.search);
    state.q = params.get('q') || '';
    var titles = {};
    var facetEls = {};
    var seq = 0, last = null;

    engine.init().then(function (m) {
      m.facets.forEach(function (fc) {
        titles[fc[0]] = fc[1];
        var v = params.get(fc[0]);
        if (v) state.filters[fc[0]] = v.split(',');
        var det = h('details', { class: 'cb-facet', 'data-facet': fc[0] }, [h('summary', {}, [fc[1]]), h('ul', { class: 'cb-values' })]);
        if (v) det.open = true;
        det.addEventListener('toggle', function () { if (det.open) go(); });
        facetEls[fc[0]] = det;
        facetsBox.insertBefore(det, facetsBox.querySelector('.cb-dates'));
      });
      state.from = params.get('from') || '';
      state.to = params.get('to') || '';
      from.value = state.from; to.value = state.to;
      input.value = state.q;
      input.placeholder = 'Search ' + m.docs + ' postmortems';
      go();
    }).catch(fail);

    function fail(e) {
      console.error(e);
      status.textContent = 'Search is unavailable: the index could not be loaded.';
    }
    function openFacets() {
      return Object.keys(facetEls).filter(function (k) { return facetEls[k].open; });
    }
    function syncUrl() {
      var p = new URLSearchParams();
      if (state.q) p.set('q', state.q);
      Object.keys(state.filters).forEach(function (k) { if (state.filters[k].length) p.set(k, state.filters[k].join(',')); });
      if (state.from) p.set('from', state.from);
      if (state.to) p.set('to', state.to);
      var s = p.toString();
      history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
    }
    function active() {
      return state.q.trim() || state.from || state.to || Object.keys(state.filters).some(function (k) { return state.filters[k].length; });
    }
    var go = debounceFrame(function () {
      var mine = ++seq;
      syncUrl();
      var opts = { filters: state.filters, from: state.from, to: state.to, prefix: state.typing, facets: openFacets(), limit: state.shown };
      var t0 = performance.now();
      if (!active() && !opts.facets.length) { render(null, [], t0); return; }
      engine.search(state.q, opts).then(function (r) {
        var docs = active() ? r.docs.slice(0, state.shown).map(function (x) { return x[0]; }) : [];
        return engine.cards(docs).then(function (cards) { if (mine === seq) render(r, cards, t0); });
      }).catch(fail);
    });
    function render(r, cards, t0) {
      last = r;
      list.replaceChildren();
      more.hidden = true;
      if (!r || !active()) {
        status.replaceChildren('Type to search ' + (engine.meta_ ? engine.meta_.docs + ' ' : '') + 'postmortems by title, summary, timeline and action items. Filter by severity, team, service, tag and year; press / to focus the box.');
        if (r) renderFacets(r);
        return;
      }
      var missing = r.words.filter(function (w) { return !w.stems.length; }).map(function (w) { return w.word; });
      var fixed = r.words.filter(function (w) { return w.corrected; });
      var msg = [];
      if (r.total) msg.push(r.total + ' result' + (r.total === 1 ? '' : 's'));
      else {
        msg.push('No postmortem matches');
        if (missing.length) msg.push(' — no incident mentions ' + missing.map(function (w) { return '“' + w + '”'; }).join(', '));
        if (Object.keys(state.filters).some(function (k) { return state.filters[k].length; }) || state.from || state.to) msg.push('. Try removing a filter');
        else msg.push('. Try fewer or different words');
      }
      if (fixed.length) msg.push(' (showing ' + fixed.map(function (w) { return '“' + w.corrected + '” for “' + w.word + '”'; }).join(', ') + ')');
      msg.push(' · ' + Math.max(1, Math.round(performance.now() - t0)) + ' ms');
      status.textContent = msg.join('');
      cards.forEach(function (c, n) { list.append(resultItem(c, r.docs[n][0], r.words, n, r.docs[n][2])); });
      more.hidden = r.total <= cards.length;
      renderFacets(r);
    }
    function renderFacets(r) {
      Object.keys(facetEls).forEach(function (k) {
        var det = facetEls[k], ul = det.querySelector('ul');
        if (!det.open || !r.columns[k] || !r.counts[k]) return;
        var counts = r.counts[k], chosen = state.filters[k] || [];
        var values = r.columns[k].values.filter(function (v) { return counts[v[0]] || chosen.indexOf(v[0]) >= 0; });
        if (k !== 'severity') values.sort(function (a, b) { return k === 'years' ? (a[0] < b[0] ? 1 : -1) : (counts[b[0]] || 0) - (counts[a[0]] || 0) || (a[1] < b[1] ? -1 : 1); });
        ul.replaceChildren();
        if (!values.length) ul.append(h('li', { class: 'cb-none' }, ['None']));
        values.forEach(function (v) {
          var box = h('input', { type: 'checkbox', value: v[0], 'data-facet': k });
          box.checked = chosen.indexOf(v[0]) >= 0;
          box.addEventListener('change', function () {
            var cur = state.filters[k] || [];
            state.filters[k] = box.checked ? cur.concat([v[0]]) : cur.filter(function (x) { return x !== v[0]; });
            state.shown = PAGE;
            go();
          });
          ul.append(h('li', {}, [h('label', {}, [box, ' ' + v[1] + ' ', h('span', { class: 'count' }, [String(counts[v[0]] || 0)])])]));
        });
      });
    }
    input.addEventListener('input', function () { state.q = input.value; state.shown = PAGE; state.typing = true; go(); });
    form.addEventListener('submit', function (e) { e.preventDefault(); state.q = input.value; state.typing = false; go(); });
    [from, to].forEach(function (el) {
      el.addEventListener('change', function () { state.from = from.value; state.to = to.value; state.shown = PAGE; go(); });
    });
    more.addEventListener('click', function () { state.shown += PAGE; go(); });
    $('#cb-clear', root).addEventListener('click', function () {
      state.filters = {}; state.from = state.to = from.value = to.value = ''; state.shown = PAGE; go();
    });
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
