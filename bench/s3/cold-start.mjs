// Cold start from a bucket: how long a new server with an empty read cache takes to answer its
// first search on a collection another server flushed, indexed and loaded.
//
//   STRATA_BIN=... STRATA_TEST_S3=1 S3_ENDPOINT=... S3_BUCKET=... AWS_...=... \
//     node bench/s3/cold-start.mjs [--rows 100000] [--dim 128] [--index HNSW|IVF_FLAT] [--nq 10]
//
// Normally started by bench/s3/run, which provides the bucket (scripts/start-s3) and kills any
// server left behind by the PID files in $STRATA_TEST_PIDDIR. Phase 1: server A (cache folder A)
// gets the rows in batches, flushes, builds the index, waits until it is Finished, loads and
// answers nq searches; then it is SIGKILLed. Phase 2: server B on the same bucket prefix with a
// new, empty cache folder, timed from spawn: /healthz answering (the engine has opened the
// bucket, replayed the catalog and loaded the collection by then: loaded state is in the
// catalog), SDK connect, LoadCollection until Loaded, first search. B's answers must equal A's.
// /metrics gives the requests B sent to the bucket. The last line is the report as JSON.

import assert from 'node:assert/strict';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { startServer, tempDir } from '../../tests/lib/server.mjs';
import {
  connect, closeAll, DataType, assertOk, flushSync, loadSync, rng, randomVectors,
  waitIndexFinished,
} from '../../tests/lib/milvus.mjs';

const opts = { rows: 100000, dim: 128, index: 'HNSW', nq: 10, batch: 10000 };
for (let i = 2; i < process.argv.length; i += 2) {
  const name = process.argv[i].replace(/^--/, '');
  if (!(name in opts) || i + 1 >= process.argv.length) throw new Error(`bad argument ${process.argv[i]}`);
  opts[name] = name === 'index' ? process.argv[i + 1] : Number(process.argv[i + 1]);
}
const kIndexParams = {
  HNSW: { M: 16, efConstruction: 128 },
  IVF_FLAT: { nlist: 1024 },
};
const kSearchParams = { HNSW: { ef: 64 }, IVF_FLAT: { nprobe: 16 } };
if (!kIndexParams[opts.index]) throw new Error(`--index must be one of ${Object.keys(kIndexParams)}`);
const name = 'cold_start';
const prefix = `cold-start-${process.pid}-${Date.now()}`;
const ms = (a, b) => Math.round(b - a);
const log = (msg) => console.log(`cold-start: ${msg}`);

// Request counters from the server's Prometheus text, e.g. {GET: {requests, received}}.
function objectMetrics(port) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        const out = {};
        for (const m of text.matchAll(/^strata_object_(requests|bytes)_total\{op="(\w+)"(?:,direction="(\w+)")?\} (\d+)$/gm)) {
          const [, kind, op, dir, value] = m;
          out[op] ??= {};
          out[op][kind === 'requests' ? 'requests' : dir] = Number(value);
        }
        resolve(out);
      });
    }).on('error', reject);
  });
}

async function searchAll(client, queries) {
  const res = await client.search({
    collection_name: name, data: queries, limit: 10, params: kSearchParams[opts.index], output_fields: ['id'],
  });
  assertOk(res, 'search');
  return res.results.map((hits) => hits.map((h) => String(h.id)));
}

const report = { ...opts, index_params: kIndexParams[opts.index] };
const rand = rng(2024);
const queries = randomVectors(opts.nq, opts.dim, rand);

// Phase 1: ingest, flush, index, load on server A.
const a = await startServer({ storage: tempDir('cold-a'), name: 'cold-a', s3Prefix: prefix, extraArgs: ['--cache-dir', tempDir('cold-a-cache')] });
let client = await connect(a.address);
assertOk(await client.createCollection({
  collection_name: name,
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
    { name: 'vec', data_type: DataType.FloatVector, dim: opts.dim },
  ],
}), 'createCollection');
let t = performance.now();
for (let done = 0; done < opts.rows; done += opts.batch) {
  const n = Math.min(opts.batch, opts.rows - done);
  const vecs = randomVectors(n, opts.dim, rand);
  const res = await client.insert({ collection_name: name, data: vecs.map((vec, j) => ({ id: done + j + 1, vec })) });
  assertOk(res, 'insert');
}
report.ingest_ms = ms(t, performance.now());
t = performance.now();
await flushSync(client, name, 300000);
report.flush_ms = ms(t, performance.now());
t = performance.now();
assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: opts.index, metric_type: 'L2', params: kIndexParams[opts.index] }), 'createIndex');
const state = await waitIndexFinished(client, name, 'vec', 900000);
report.index_build_ms = ms(t, performance.now());
const desc = await client.describeIndex({ collection_name: name, field_name: 'vec' });
assertOk(desc, 'describeIndex');
report.indexed_rows = Number(desc.index_descriptions[0].indexed_rows);
assert.equal(report.indexed_rows, opts.rows, `indexed rows (state ${state.state})`);
t = performance.now();
await loadSync(client, name, 300000);
report.warm_load_ms = ms(t, performance.now());
const expected = await searchAll(client, queries);
log(`server A: ${opts.rows} x ${opts.dim} ingested in ${report.ingest_ms} ms, flushed in ${report.flush_ms} ms, ` +
  `${opts.index} built in ${report.index_build_ms} ms, loaded in ${report.warm_load_ms} ms`);
await closeAll([client]);
await a.kill9();
log('server A SIGKILLed');

// Phase 2: a new server on an empty cache folder, timed from spawn.
const b = await startServer({
  storage: tempDir('cold-b'), name: 'cold-b', s3Prefix: prefix, extraArgs: ['--cache-dir', tempDir('cold-b-cache')],
  readyTimeoutMs: 300000, readyPollMs: 5,
});
const t0 = b.spawnedAt;
report.ready_ms = ms(t0, b.readyAt);
client = await connect(b.address);
const tConnected = performance.now();
report.connect_ms = ms(b.readyAt, tConnected);
assertOk(await client.loadCollection({ collection_name: name }), 'loadCollection');
report.load_call_ms = ms(tConnected, performance.now());
for (const deadline = performance.now() + 300000; ;) {
  const res = await client.getLoadState({ collection_name: name });
  assertOk(res, 'getLoadState');
  if (res.state === 'LoadStateLoaded') break;
  if (performance.now() > deadline) throw new Error(`not loaded within 300 s (${res.state})`);
  await new Promise((r) => setTimeout(r, 5));
}
const tLoaded = performance.now();
report.load_collection_ms = ms(tConnected, tLoaded);
const first = await client.search({ collection_name: name, data: [queries[0]], limit: 10, params: kSearchParams[opts.index] });
assertOk(first, 'first search');
const tFirst = performance.now();
report.first_search_ms = ms(tLoaded, tFirst);
report.total_to_first_search_ms = ms(t0, tFirst);
assert.deepEqual(first.results.map((h) => String(h.id)), expected[0], 'first search: same answer as server A');
assert.deepEqual(await searchAll(client, queries), expected, 'all searches: same answers as server A');
report.metrics_b = await objectMetrics(b.httpPort);
await closeAll([client]);
const exit = await b.stop('SIGTERM', 30000);
assert.equal(exit.code, 0, `server B exit after SIGTERM: ${JSON.stringify(exit)}`);
log(`server B (empty cache): /healthz after ${report.ready_ms} ms, connect ${report.connect_ms} ms, ` +
  `LoadCollection ${report.load_collection_ms} ms, first search ${report.first_search_ms} ms: ` +
  `${report.total_to_first_search_ms} ms from spawn to the first answer`);
const m = report.metrics_b;
log(`server B requests: ${Object.entries(m).map(([op, v]) => `${op} ${v.requests}`).join(', ')}; ` +
  `GET bytes ${m.GET?.received ?? 0}`);
console.log(JSON.stringify(report));
