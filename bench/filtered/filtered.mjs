// Filtered search, range query and delete-then-search through a running Strata, with the Node
// SDK. Generates a seeded clustered data set (rows x dim float vectors, an Int64 `num` and a
// VarChar `tag`), computes the exact ground truth of every case itself (brute force over the
// rows that pass the filter, in worker threads), inserts and flushes, then for each index type
// builds, loads and measures recall@10 and QPS of every filter case; then query latencies; then
// deletes 10% of the rows by filter and measures search again. Prints a table and one JSON
// summary line; exits 1 when any case's recall@10 is below --min-recall.
// Usage: see bench/filtered/README.md.
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

// Worker threads: squared L2 distances of every query to rows [from, to) (ground truth), or an
// inserting client for rows [from, to) (the SDK's row encoding costs more CPU than the server's
// write, so two clients in two threads insert about twice as fast as one).
function gtWorker({ base, queries, dist, dim, rows, nq, from, to }) {
  const b = new Float32Array(base);
  const q = new Float32Array(queries);
  const out = new Float32Array(dist);
  for (let r = from; r < to; r += 1) {
    const off = r * dim;
    for (let j = 0; j < nq; j += 1) {
      const qo = j * dim;
      let s = 0; // a double: float64 accumulation
      for (let d = 0; d < dim; d += 1) {
        const t = b[off + d] - q[qo + d];
        s += t * t;
      }
      out[j * rows + r] = s;
    }
  }
}

async function insertWorker({ address, collection, base, num, tagNo, dim, from, to }) {
  const require = createRequire(new URL('../../tests/package.json', import.meta.url));
  const { MilvusClient } = require('@zilliz/milvus2-sdk-node');
  const client = new MilvusClient({ address, timeout: 900000, logLevel: 'error' });
  await client.connectPromise;
  const b = new Float32Array(base);
  const nums = new Int32Array(num);
  const tags = new Int32Array(tagNo);
  for (let first = from; first < to; first += 2000) {
    const rowsData = [];
    for (let r = first; r < Math.min(to, first + 2000); r += 1) {
      rowsData.push({ id: r, num: nums[r], tag: tagName(tags[r]), vec: Array.from(b.subarray(r * dim, (r + 1) * dim)) });
    }
    ok(await client.insert({ collection_name: collection, data: rowsData }), 'insert');
  }
  await client.closeConnection();
}

function parseArgs(argv) {
  const out = {
    rows: '1000000', dim: '128', queries: '100', clusters: '1000', seed: '42', batch: '10',
    clients: '2', seconds: '3', k: '10', 'min-recall': '0.95',
    indexes: 'IVF_FLAT,IVF_SQ8,HNSW',
    hnsw: '{"M":16,"efConstruction":100}', 'hnsw-search': '{"ef":64}',
    ivf: '{"nlist":1024}', 'ivf-search': '{"nprobe":32}',
    'after-delete': 'HNSW,IVF_SQ8', 'query-reps': '20', 'insert-threads': '2',
  };
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  if (!out.address) throw new Error('--address is required');
  return out;
}

const t0 = Date.now();
const log = (msg) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ok = (res, what) => {
  const s = res?.status ?? res;
  if (s?.error_code !== undefined && s.error_code !== 'Success') throw new Error(`${what}: ${s.error_code} ${s.reason}`);
  return res;
};

// mulberry32: a small seeded PRNG, so every run (and the ground truth) sees the same data.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function gaussian(rand) {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
function shuffled(n, rand) {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i += 1) p[i] = i;
  for (let i = n - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

// Gaussian clusters of low intrinsic dimension: x = center[c] + 0.5 * B z + u, with centers
// N(0, I), B a fixed dim x 16 matrix of N(0, 1/16) entries, z ~ N(0, I_16) and u uniform noise
// of standard deviation 0.1 per coordinate. Base rows and queries come from the same mixture.
function makeData(rows, nq, dim, clusters, seed) {
  const rand = rng(seed);
  const latent = 16;
  const centers = new Float32Array(clusters * dim);
  for (let i = 0; i < centers.length; i += 1) centers[i] = gaussian(rand);
  const basis = new Float32Array(dim * latent);
  for (let i = 0; i < basis.length; i += 1) basis[i] = gaussian(rand) / Math.sqrt(latent);
  const half = 0.1 * Math.sqrt(3);
  const z = new Float64Array(latent);
  const fill = (out, n) => {
    for (let i = 0; i < n; i += 1) {
      const c = Math.floor(rand() * clusters);
      for (let l = 0; l < latent; l += 1) z[l] = 0.5 * gaussian(rand);
      for (let d = 0; d < dim; d += 1) {
        let s = centers[c * dim + d] + (2 * rand() - 1) * half;
        for (let l = 0; l < latent; l += 1) s += basis[d * latent + l] * z[l];
        out[i * dim + d] = s;
      }
    }
  };
  const base = new Float32Array(new SharedArrayBuffer(rows * dim * 4));
  fill(base, rows);
  const queries = new Float32Array(new SharedArrayBuffer(nq * dim * 4));
  fill(queries, nq);
  // num: a permutation of [0, rows), so `num < x` keeps exactly x rows; tag: "t000".."t999",
  // each on rows / 1000 rows, independent of num and of the vectors.
  const num = new Int32Array(new SharedArrayBuffer(rows * 4));
  num.set(shuffled(rows, rand));
  const tagPerm = shuffled(rows, rand);
  const tagNo = new Int32Array(new SharedArrayBuffer(rows * 4));
  for (let i = 0; i < rows; i += 1) tagNo[i] = tagPerm[i] % 1000;
  return { base, queries, num, tagNo };
}
const tagName = (n) => `t${String(n).padStart(3, '0')}`;

// Distances of every query to every row (nq x rows floats), computed once in worker threads;
// each case's ground truth is then a top-k selection over the rows it allows.
async function allDistances(data, rows, nq, dim) {
  const dist = new Float32Array(new SharedArrayBuffer(nq * rows * 4));
  const threads = Math.max(1, os.availableParallelism());
  const per = Math.ceil(rows / threads);
  await Promise.all(Array.from({ length: threads }, (_, t) => new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), {
      workerData: {
        role: 'gt', base: data.base.buffer, queries: data.queries.buffer, dist: dist.buffer, dim, rows, nq,
        from: t * per, to: Math.min(rows, (t + 1) * per),
      },
    });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  return dist;
}

// Top-k row ids per query among rows with allowed[r] = 1, nearest first (ties: lower id).
function exactTopK(dist, rows, nq, k, allowed) {
  const out = [];
  for (let q = 0; q < nq; q += 1) {
    const row = dist.subarray(q * rows, (q + 1) * rows);
    const ids = [];
    const ds = [];
    for (let r = 0; r < rows; r += 1) {
      if (!allowed[r]) continue;
      const d = row[r];
      if (ids.length === k && d >= ds[k - 1]) continue;
      let j = ids.length === k ? k - 1 : ids.length;
      while (j > 0 && ds[j - 1] > d) {
        ds[j] = ds[j - 1];
        ids[j] = ids[j - 1];
        j -= 1;
      }
      ds[j] = d;
      ids[j] = r;
    }
    out.push(ids);
  }
  return out;
}

function cases(rows, data, deleted) {
  const sel = (pred) => {
    const m = new Uint8Array(rows);
    let n = 0;
    for (let r = 0; r < rows; r += 1) if (!deleted[r] && pred(r)) { m[r] = 1; n += 1; }
    return { mask: m, count: n };
  };
  const { num, tagNo } = data;
  const in1 = Array.from({ length: 10 }, (_, i) => 100 + i);
  const list = [
    { name: 'none', filter: '', pred: () => true },
    { name: 'num 10%', filter: `num < ${rows / 10}`, pred: (r) => num[r] < rows / 10 },
    { name: 'num 1%', filter: `num < ${rows / 100}`, pred: (r) => num[r] < rows / 100 },
    { name: 'tag like 10%', filter: 'tag like "t0%"', pred: (r) => tagNo[r] < 100 },
    { name: 'tag in 1%', filter: `tag in [${in1.map((t) => `"${tagName(t)}"`).join(', ')}]`, pred: (r) => tagNo[r] >= 100 && tagNo[r] < 110 },
    { name: 'tag like 1%', filter: 'tag like "t42%"', pred: (r) => tagNo[r] >= 420 && tagNo[r] < 430 },
  ];
  return list.map((c) => ({ ...c, ...sel(c.pred) }));
}

async function waitIndex(client, name) {
  for (;;) {
    const st = ok(await client.getIndexState({ collection_name: name, field_name: 'vec' }), 'getIndexState');
    if (st.state === 'Finished') return;
    if (st.state === 'Failed') throw new Error(`index build failed: ${st.fail_reason}`);
    await sleep(200);
  }
}

async function main() {
  const a = parseArgs(process.argv);
  const [rows, dim, nq, k] = ['rows', 'dim', 'queries', 'k'].map((o) => Number(a[o]));
  const batch = Number(a.batch);
  const require = createRequire(new URL('../../tests/package.json', import.meta.url));
  const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');

  log(`generating ${rows} x ${dim} (${a.clusters} clusters, seed ${a.seed}) and ${nq} queries`);
  const data = makeData(rows, nq, dim, Number(a.clusters), Number(a.seed));
  log('exact distances (worker threads)');
  const tGt = Date.now();
  const dist = await allDistances(data, rows, nq, dim);
  const noDeletes = new Uint8Array(rows);
  const before = cases(rows, data, noDeletes);
  for (const c of before) c.gt = exactTopK(dist, rows, nq, k, c.mask);
  const gtSeconds = (Date.now() - tGt) / 1000;
  log(`ground truth of ${before.length} cases in ${gtSeconds.toFixed(1)} s`);

  const name = `filtered_${process.pid}`;
  const connect = async () => {
    const c = new MilvusClient({ address: a.address, timeout: 900000, logLevel: 'error' });
    await c.connectPromise;
    return c;
  };
  const client = await connect();
  const clients = [client];
  for (let c = 1; c < Number(a.clients); c += 1) clients.push(await connect());
  ok(await client.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'num', data_type: DataType.Int64 },
      { name: 'tag', data_type: DataType.VarChar, max_length: 16 },
      { name: 'vec', data_type: DataType.FloatVector, dim },
    ],
  }), 'createCollection');

  // Insert: batches of 2,000 rows from --insert-threads worker threads, each its own client
  // over its own slice of the rows.
  const tIns = Date.now();
  const inserters = Number(a['insert-threads']);
  const slice = Math.ceil(rows / inserters);
  await Promise.all(Array.from({ length: inserters }, (_, t) => new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), {
      workerData: {
        role: 'insert', address: a.address, collection: name, base: data.base.buffer, num: data.num.buffer,
        tagNo: data.tagNo.buffer, dim, from: t * slice, to: Math.min(rows, (t + 1) * slice),
      },
    });
    w.once('message', (m) => (m === 'done' ? resolve() : reject(new Error(m))));
    w.once('error', reject);
  })));
  ok(await client.flush({ collection_names: [name] }), 'flush');
  const insertSeconds = (Date.now() - tIns) / 1000;
  log(`insert + flush: ${insertSeconds.toFixed(1)} s (${(rows / insertSeconds).toFixed(0)} rows/s)`);

  const specs = {
    HNSW: { build: JSON.parse(a.hnsw), search: JSON.parse(a['hnsw-search']) },
    IVF_FLAT: { build: JSON.parse(a.ivf), search: JSON.parse(a['ivf-search']) },
    IVF_SQ8: { build: JSON.parse(a.ivf), search: JSON.parse(a['ivf-search']) },
  };
  const batches = [];
  for (let i = 0; i < nq; i += batch) batches.push(i);
  const qvec = (i) => Array.from(data.queries.subarray(i * dim, (i + 1) * dim));

  // One case: an untimed pass over the queries (recall@k against its exact ground truth), then
  // every client searches the next batch until --seconds have passed.
  const runCase = async (index, phase, c) => {
    const params = specs[index].search;
    const search = (cl, first) => cl.search({
      collection_name: name, data: Array.from({ length: Math.min(batch, nq - first) }, (_, j) => qvec(first + j)),
      limit: k, filter: c.filter, params, output_fields: [],
    });
    let hits = 0;
    for (const first of batches) {
      const res = ok(await search(client, first), `search ${c.filter}`);
      const results = Math.min(batch, nq - first) === 1 ? [res.results] : res.results;
      results.forEach((r, j) => {
        const want = new Set(c.gt[first + j]);
        for (const h of r) if (want.has(Number(h.id))) hits += 1;
      });
    }
    const want = c.gt.reduce((s, g) => s + g.length, 0);
    const recall = hits / want;
    let next = 0;
    let done = 0;
    const deadline = Date.now() + Number(a.seconds) * 1000;
    const start = process.hrtime.bigint();
    await Promise.all(clients.map(async (cl) => {
      while (Date.now() < deadline) {
        const first = batches[next % batches.length];
        next += 1;
        ok(await search(cl, first), 'search');
        done += Math.min(batch, nq - first);
      }
    }));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const row = { index, phase, case: c.name, filter: c.filter, allowed: c.count, recall_at_10: recall, qps: done / seconds };
    log(`${index} ${phase} ${c.name}: allowed ${c.count} recall@${k} ${recall.toFixed(4)} QPS ${row.qps.toFixed(1)}`);
    return row;
  };

  const results = [];
  const builds = [];
  let built = null;
  const buildIndex = async (index) => {
    if (built === index) return;
    if (built !== null) {
      ok(await client.releaseCollection({ collection_name: name }), 'release');
      ok(await client.dropIndex({ collection_name: name, field_name: 'vec' }), 'dropIndex');
    }
    const t = Date.now();
    ok(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: index, metric_type: 'L2', params: specs[index].build }), 'createIndex');
    await waitIndex(client, name);
    const buildSeconds = (Date.now() - t) / 1000;
    const tl = Date.now();
    ok(await client.loadCollectionSync({ collection_name: name }), 'load');
    builds.push({ index, params: specs[index].build, build_s: buildSeconds, load_s: (Date.now() - tl) / 1000 });
    log(`${index} ${JSON.stringify(specs[index].build)}: built in ${buildSeconds.toFixed(1)} s, loaded`);
    built = index;
  };
  const indexes = a.indexes.split(',').filter(Boolean);
  for (const index of indexes) {
    await buildIndex(index);
    for (const c of before) results.push(await runCase(index, 'before delete', c));
  }

  // Query latency over the loaded collection: each request --query-reps times after one
  // warm-up; the row counts are checked against the generated data.
  const lo = rows / 2;
  const queryCases = [
    { name: 'range 1,000 rows', req: { filter: `num >= ${lo} and num < ${lo + 1000}`, output_fields: ['id', 'num'] }, expect: 1000 },
    { name: 'count(*) range 10%', req: { filter: `num >= ${lo} and num < ${lo + rows / 10}`, output_fields: ['count(*)'] }, expect: rows / 10, count: true },
    { name: 'count(*) all', req: { filter: '', output_fields: ['count(*)'] }, expect: rows, count: true },
    { name: 'count(*) tag like 10%', req: { filter: 'tag like "t0%"', output_fields: ['count(*)'] }, expect: rows / 10, count: true },
  ];
  const queries = [];
  for (const qc of queryCases) {
    const lat = [];
    for (let i = 0; i <= Number(a['query-reps']); i += 1) {
      const t = process.hrtime.bigint();
      const res = ok(await client.query({ collection_name: name, ...qc.req }), `query ${qc.req.filter}`);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      const got = qc.count ? Number(res.data[0]['count(*)']) : res.data.length;
      if (got !== qc.expect) throw new Error(`query ${qc.req.filter}: ${got} rows, expected ${qc.expect}`);
      if (i > 0) lat.push(ms);
    }
    lat.sort((x, y) => x - y);
    const row = { query: qc.name, filter: qc.req.filter, rows: qc.expect, p50_ms: lat[Math.floor(lat.length / 2)], mean_ms: lat.reduce((s, x) => s + x, 0) / lat.length };
    queries.push(row);
    log(`query ${qc.name}: p50 ${row.p50_ms.toFixed(1)} ms mean ${row.mean_ms.toFixed(1)} ms`);
  }

  // Delete 10% of the rows by a filter independent of num and of the vectors, then search.
  const delFilter = 'tag like "t9%"';
  const tDel = Date.now();
  ok(await client.delete({ collection_name: name, filter: delFilter }), 'delete');
  const deleteSeconds = (Date.now() - tDel) / 1000;
  const deleted = new Uint8Array(rows);
  for (let r = 0; r < rows; r += 1) if (data.tagNo[r] >= 900) deleted[r] = 1;
  const remaining = rows - deleted.reduce((s, x) => s + x, 0);
  const cnt = ok(await client.query({ collection_name: name, filter: '', output_fields: ['count(*)'] }), 'count');
  if (Number(cnt.data[0]['count(*)']) !== remaining) throw new Error(`count after delete ${cnt.data[0]['count(*)']}, expected ${remaining}`);
  log(`deleted ${rows - remaining} rows (${delFilter}) in ${deleteSeconds.toFixed(1)} s; count(*) = ${remaining}`);
  const after = cases(rows, data, deleted).filter((c) => ['none', 'num 10%', 'num 1%'].includes(c.name));
  for (const c of after) c.gt = exactTopK(dist, rows, nq, k, c.mask);
  // The loaded index first (no rebuild), then the others.
  const afterIndexes = a['after-delete'].split(',').filter(Boolean).sort((x, y) => (y === built) - (x === built));
  for (const index of afterIndexes) {
    await buildIndex(index);
    for (const c of after) results.push(await runCase(index, 'after delete', c));
  }

  ok(await client.dropCollection({ collection_name: name }), 'drop');
  await Promise.allSettled(clients.map((c) => c.closeConnection()));

  const minRecall = Number(a['min-recall']);
  const failed = results.filter((r) => r.recall_at_10 < minRecall);
  console.log(`\n${rows} rows x ${dim}-d, ${nq} queries, k=${k}, batches of ${batch}, ${clients.length} clients, ${a.seconds} s per case`);
  console.log('| index | phase | filter | allowed rows | recall@10 | QPS |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.index} | ${r.phase} | \`${r.filter || '(none)'}\` | ${r.allowed} | ${r.recall_at_10.toFixed(4)} | ${r.qps.toFixed(1)} |`);
  console.log('\n| query | filter | rows | p50 ms | mean ms |');
  console.log('|---|---|---|---|---|');
  for (const q of queries) console.log(`| ${q.query} | \`${q.filter || '(none)'}\` | ${q.rows} | ${q.p50_ms.toFixed(1)} | ${q.mean_ms.toFixed(1)} |`);
  console.log('\n| index | build params | build s | load s |');
  console.log('|---|---|---|---|');
  for (const b of builds) console.log(`| ${b.index} | \`${JSON.stringify(b.params)}\` | ${b.build_s.toFixed(1)} | ${b.load_s.toFixed(1)} |`);
  console.log(`\ninsert + flush ${insertSeconds.toFixed(1)} s; delete of ${rows - remaining} rows ${deleteSeconds.toFixed(2)} s; ground truth ${gtSeconds.toFixed(1)} s; total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const summary = {
    rows, dim, queries: nq, k, batch, clients: clients.length, seconds_per_case: Number(a.seconds), seed: Number(a.seed),
    clusters: Number(a.clusters), search_params: Object.fromEntries(Object.entries(specs).map(([n, s]) => [n, s.search])),
    insert_s: insertSeconds, delete_s: deleteSeconds, builds, results, queries_latency: queries,
    min_recall: minRecall, failed: failed.length, loadavg: os.loadavg(),
  };
  console.log(JSON.stringify(summary));
  if (a.json) fs.writeFileSync(a.json, `${JSON.stringify(summary, null, 2)}\n`);
  if (failed.length) {
    console.error(`recall@${k} below ${minRecall} in ${failed.length} case(s)`);
    process.exit(1);
  }
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (workerData.role === 'gt') {
  gtWorker(workerData);
  parentPort.postMessage('done');
} else {
  insertWorker(workerData).then(() => parentPort.postMessage('done'), (e) => parentPort.postMessage(`error: ${e.message}`));
}
