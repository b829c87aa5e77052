// Requests are a cost: /metrics counts what reaches the object store, in Prometheus text format.
// A steady insert loop must not LIST the bucket and costs about one PUT per batch (the WAL
// object); flush, load and a cached reload are measured and printed (doc/requests.md has the
// numbers). The read cache serves a reload, survives a restart and can be deleted while running.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, rng, randomVectors, countRows,
  waitIndexFinished,
} from './lib/milvus.mjs';

const DIM = 32;
const BATCHES = 10;
const BATCH_ROWS = 1000;
const OPS = ['PUT', 'GET', 'HEAD', 'LIST', 'DELETE'];

function httpGet(port, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 10000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

// Checks every line is `# HELP name text`, `# TYPE name counter|gauge` or `name{labels} value`,
// that each sample's family was declared, and returns the samples keyed by `name{labels}`.
function parsePrometheus(text) {
  assert.ok(text.endsWith('\n'), 'exposition ends with a newline');
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? (-?[0-9.eE+]+)$/;
  const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/;
  const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/;
  const typed = new Set();
  const samples = new Map();
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = type.exec(line))) {
      typed.add(m[1]);
    } else if (help.test(line)) {
      // documentation only
    } else if ((m = sample.exec(line))) {
      assert.ok(typed.has(m[1]), `sample ${m[1]} comes after its # TYPE line`);
      const key = m[1] + (m[2] ?? '');
      assert.ok(!samples.has(key), `duplicate sample ${key}`);
      samples.set(key, Number(m[4]));
    } else {
      assert.fail(`not Prometheus text format: ${JSON.stringify(line)}`);
    }
  }
  return samples;
}

async function scrape(server) {
  const res = await httpGet(server.httpPort, '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.type, /^text\/plain/);
  const samples = parsePrometheus(res.body);
  const requests = {};
  for (const op of OPS) {
    const v = samples.get(`strata_object_requests_total{op="${op}"}`);
    assert.ok(Number.isInteger(v), `requests for ${op} present`);
    requests[op] = v;
  }
  return {
    requests,
    bytesSent: samples.get('strata_object_bytes_total{op="PUT",direction="sent"}'),
    bytesReceived: samples.get('strata_object_bytes_total{op="GET",direction="received"}'),
    errors: OPS.reduce((sum, op) => sum + samples.get(`strata_object_errors_total{op="${op}"}`), 0),
    cacheHits: samples.get('strata_cache_hits_total'),
    cacheMisses: samples.get('strata_cache_misses_total'),
    cacheBytes: samples.get('strata_cache_bytes'),
  };
}

function delta(after, before) {
  const out = {};
  for (const op of OPS) out[op] = after.requests[op] - before.requests[op];
  return out;
}

const fmt = (d, per = 1) => OPS.map((op) => `${op} ${+(d[op] / per).toFixed(2)}`).join(', ');

describe('object store requests and the read cache', { timeout: 300000 }, () => {
  const storage = tempDir('metrics');
  const cacheDir = path.join(tempDir('metrics-cache'), 'cache');
  const args = ['--cache-dir', cacheDir, '--cache-size', String(256 << 20)];
  let server;
  let client;
  const name = uniqueName('metered');
  const rand = rng(5);

  before(async () => {
    server = await startServer({ storage, name: 'metrics-1', extraArgs: args });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('/metrics is Prometheus text with every request class', async () => {
    const m = await scrape(server);
    assert.equal(m.errors, 0);
    assert.equal(m.cacheHits, 0);
    assert.equal(m.cacheMisses, 0);
  });

  test(`${BATCHES} batches of ${BATCH_ROWS} rows: no LIST, about one PUT per batch`, async () => {
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'tag', data_type: DataType.VarChar, max_length: 16 },
      ],
    }), 'create');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    const before = await scrape(server);
    for (let b = 0; b < BATCHES; ++b) {
      const vectors = randomVectors(BATCH_ROWS, DIM, rand);
      const data = vectors.map((vec, i) => ({ id: b * BATCH_ROWS + i, vec, tag: `t${i % 10}` }));
      assertOk(await client.insert({ collection_name: name, data }), `insert batch ${b}`);
    }
    const afterInserts = await scrape(server);
    const d = delta(afterInserts, before);
    const rows = BATCHES * BATCH_ROWS;
    console.log(`inserts: ${rows} rows in ${BATCHES} batches -> ${fmt(d)}; per 1,000 rows: ${fmt(d, rows / 1000)}; ` +
      `${((afterInserts.bytesSent - before.bytesSent) / rows).toFixed(1)} bytes PUT per row`);
    assert.equal(d.LIST, 0, 'the insert loop must not LIST the bucket');
    assert.ok(d.PUT >= 1, 'inserts are written to the WAL');
    assert.ok(d.PUT <= BATCHES + 2, `at most one PUT per batch (+2), got ${d.PUT}`);
    assert.equal(afterInserts.errors, 0);
  });

  test('flush and load cost a bounded number of requests', async () => {
    const before = await scrape(server);
    await flushSync(client, [name]);
    const afterFlush = await scrape(server);
    const f = delta(afterFlush, before);
    console.log(`flush of ${BATCHES * BATCH_ROWS} rows: ${fmt(f)}`);
    assert.equal(f.LIST, 0, 'flush knows every key it writes and deletes');

    // The flushed segment's index is built in the background; let it land so the load reads
    // (and caches) its file, and a reload can be served from the cache entirely.
    await waitIndexFinished(client, name, 'vec');
    await loadSync(client, name);
    assert.equal(await countRows(client, name), BATCHES * BATCH_ROWS);
    const afterLoad = await scrape(server);
    const l = delta(afterLoad, afterFlush);
    console.log(`load: ${fmt(l)}; cache ${afterLoad.cacheHits - afterFlush.cacheHits} hits, ` +
      `${afterLoad.cacheMisses - afterFlush.cacheMisses} misses, ${afterLoad.cacheBytes} bytes cached`);
    assert.equal(l.LIST, 0);
    assert.equal(afterLoad.errors, 0);
  });

  test('a reload after release is served by the cache', async () => {
    assertOk(await client.releaseCollection({ collection_name: name }), 'release');
    const before = await scrape(server);
    await loadSync(client, name);
    assert.equal(await countRows(client, name), BATCHES * BATCH_ROWS);
    const after = await scrape(server);
    const d = delta(after, before);
    console.log(`reload after release: ${fmt(d)}; cache ${after.cacheHits - before.cacheHits} hits, ` +
      `${after.cacheMisses - before.cacheMisses} misses`);
    assert.equal(d.LIST, 0);
    assert.equal(after.cacheMisses, before.cacheMisses, 'every column and index file came from the cache');
  });

  test('restart: the cache is still warm; the shutdown log has the totals', async () => {
    await closeAll([client]);
    const res = await server.stop('SIGTERM');
    assert.equal(res.code, 0);
    assert.match(server.stderrTail(), /object store: \d+ requests \(PUT \d+, GET \d+, HEAD \d+, LIST \d+, DELETE \d+\).*cache: \d+ hits/);

    server = await startServer({ storage, name: 'metrics-2', extraArgs: args });
    client = await connect(server.address);
    const before = await scrape(server);
    await loadSync(client, name);
    assert.equal(await countRows(client, name), BATCHES * BATCH_ROWS);
    const after = await scrape(server);
    const d = delta(after, before);
    console.log(`restart + load, warm cache: ${fmt(d)} (startup before it: ${fmt(before.requests)}); ` +
      `cache ${after.cacheHits} hits, ${after.cacheMisses} misses`);
    assert.ok(after.cacheHits > 0, 'column files found in the cache after a restart');
    assert.equal(after.cacheMisses, 0);
  });

  test('deleting the cache folder while running costs only a refetch', async () => {
    assertOk(await client.releaseCollection({ collection_name: name }), 'release');
    fs.rmSync(cacheDir, { recursive: true, force: true });
    const before = await scrape(server);
    await loadSync(client, name);
    assert.equal(await countRows(client, name), BATCHES * BATCH_ROWS);
    const after = await scrape(server);
    assert.ok(after.cacheMisses > before.cacheMisses, 'the deleted files were fetched again');
    assert.ok(after.requests.GET > before.requests.GET);
    assert.equal(after.errors, 0);
    assert.ok(fs.existsSync(cacheDir), 'the cache folder was recreated');
  });
});
