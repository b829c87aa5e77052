// The bucket is the whole state (STRATA_TEST_S3=1 only). A server creates a collection, inserts,
// flushes, indexes, loads and inserts some more rows that stay in the WAL; its answers to a set
// of searches, queries and counts are recorded. Then it is SIGKILLed, its local folder is
// deleted entirely, and a new server with a new, empty local folder opens the same bucket
// prefix: every answer must be identical, and the index is loaded, not rebuilt: DescribeIndex
// says Finished for every flushed row at once, and the index_files/ objects (keys, sizes, ETags,
// modification times) are exactly the ones the first server wrote. Finally Debian's awscli (not Strata's S3 code, not the
// tests' own client) lists the prefix and downloads every object: the layout is the documented
// one (catalog/, wal/, insert_log/, stats_log/, index_files/) and every object is a complete
// envelope of the kind its folder holds (doc/formats.md).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer, tempDir, s3Mode, s3Prefix } from './lib/server.mjs';
import { listObjects, s3FromEnv } from './lib/s3.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, rng, randomVectors,
  countRows, queryByIds, waitLoadState, bruteForce, assertSameHits, waitIndexFinished,
} from './lib/milvus.mjs';

const DIM = 16;
const FLUSHED = 1200;
const UNFLUSHED = 300;
const AWS = '/usr/bin/aws';
const skip = !s3Mode()
  ? 'needs a bucket: set STRATA_TEST_S3=1 with the exports of scripts/start-s3 (doc/testing-s3.md)'
  : !fs.existsSync(AWS) ? `needs Debian's awscli at ${AWS} (apt-get install awscli)` : false;

// Envelope kind of the objects under each top-level folder (doc/formats.md).
const kKinds = { catalog: 1, wal: 2, insert_log: 3, stats_log: 4, delta_log: 5, index_files: 6 };
const kLayout = [
  /^catalog\/\d{20}$/,
  /^wal\/\d+\/\d+\/\d{20}$/,
  /^insert_log\/\d+\/\d+\/\d+\/\d+\/[^/]+$/,
  /^stats_log\/\d+\/\d+\/\d+\/\d+\/[^/]+$/,
  /^delta_log\/\d+\/\d+\/\d+\/[^/]+$/,
  /^index_files\/[^/]+\/[^/]+\/\d+\/\d+\/[^/]+$/,
];

// Debian's awscli, bounded; the endpoint and keys come from the scripts/start-s3 exports.
function aws(args, timeoutMs = 120000) {
  return new Promise((resolve, reject) => {
    execFile(AWS, ['--endpoint-url', process.env.S3_ENDPOINT, '--output', 'json', ...args],
      { timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, AWS_PAGER: '' } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`aws ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
  });
}

describe('S3: the bucket alone restores the server', { skip, timeout: 300000 }, () => {
  const storage = skip ? null : tempDir('bucketonly');
  const name = uniqueName('bucket_only');
  const rand = rng(4242);
  const ids = [];
  const vectors = [];
  const tags = [];
  const queries = randomVectors(6, DIM, rand);
  let server;
  let client;
  let before_;
  let collectionID;

  // Everything a client can observe, in a form deepEqual can compare.
  async function observe(c) {
    const search = await c.search({ collection_name: name, data: queries, limit: 10, output_fields: ['id', 'tag'] });
    assertOk(search, 'search');
    const filtered = await c.search({ collection_name: name, data: [queries[0]], limit: 5, filter: 'id > 600', output_fields: ['tag'] });
    assertOk(filtered, 'filtered search');
    const rows = await queryByIds(c, name, 'id', ids.filter((_, i) => i % 37 === 0), ['id', 'tag', 'vec']);
    const ranged = await c.query({ collection_name: name, filter: 'id >= 100 and id < 130', output_fields: ['id', 'tag'] });
    assertOk(ranged, 'ranged query');
    const norm = (hits) => hits.map((h) => ({ id: String(h.id), score: Number(h.score), tag: h.tag }));
    const byId = (a, b) => Number(a.id) - Number(b.id);
    return {
      count: await countRows(c, name),
      search: search.results.map(norm),
      filtered: norm(filtered.results),
      rows: rows.map((r) => ({ id: String(r.id), tag: r.tag, vec: r.vec.map(Number) })).sort(byId),
      ranged: ranged.data.map((r) => ({ id: String(r.id), tag: r.tag })).sort(byId),
    };
  }

  function rowsFor(n) {
    const out = [];
    const vecs = randomVectors(n, DIM, rand);
    for (let i = 0; i < n; i++) {
      const id = ids.length + 1;
      ids.push(id);
      vectors.push(vecs[i]);
      tags.push(`t${id}`);
      out.push({ id, vec: vecs[i], tag: `t${id}` });
    }
    return out;
  }

  before(async () => {
    server = await startServer({ storage, name: 'bucketonly-1' });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop().catch(() => server.kill9());
  });

  test('create, insert, flush, index, load, insert more, search', async () => {
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'tag', data_type: DataType.VarChar, max_length: 32 },
      ],
    }), 'createCollection');
    const desc = await client.describeCollection({ collection_name: name });
    assertOk(desc, 'describeCollection');
    collectionID = String(desc.collectionID);
    for (let done = 0; done < FLUSHED; done += 400) {
      assertOk(await client.insert({ collection_name: name, data: rowsFor(400) }), 'insert');
    }
    await flushSync(client, name);
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'HNSW', metric_type: 'L2', params: { M: 16, efConstruction: 200 } }), 'createIndex');
    // Built before the kill, so the new server has an index to load rather than one to build.
    await waitIndexFinished(client, name, 'vec');
    await loadSync(client, name);
    // These stay in the WAL: the new server must replay them from the bucket.
    assertOk(await client.insert({ collection_name: name, data: rowsFor(UNFLUSHED) }), 'insert (unflushed)');
    before_ = await observe(client);
    assert.equal(before_.count, FLUSHED + UNFLUSHED);
    // Sanity: the answers are the right ones, not merely stable.
    for (let q = 0; q < queries.length; q++) {
      assertSameHits(before_.search[q], bruteForce('L2', ids, vectors, queries[q], 10), `query ${q}`);
    }
  });

  // Every index object of this test's prefix as the bucket lists it: a rebuild writes a new key
  // (index keys carry the build time), a rewrite changes the ETag and modification time.
  async function indexObjects() {
    const prefix = `${s3Prefix(storage)}index_files/`;
    return (await listObjects(s3FromEnv(), prefix)).map((o) => ({ ...o, key: o.key.slice(prefix.length) }));
  }

  test('SIGKILL, delete the local folder, new server on a new folder: identical answers, index loaded not rebuilt', async (t) => {
    const indexBefore = await indexObjects();
    assert.ok(indexBefore.length >= 1, 'the first server wrote its index to index_files/');
    for (const o of indexBefore) assert.ok(o.size > 0 && o.etag && o.lastModified, `listing of ${o.key}: ${JSON.stringify(o)}`);
    await closeAll([client]);
    client = null;
    await server.kill9();
    fs.rmSync(storage, { recursive: true, force: true });
    assert.equal(fs.existsSync(storage), false, 'local folder deleted');
    const fresh = tempDir('bucketonly-new');
    server = await startServer({ storage: fresh, name: 'bucketonly-2', s3Prefix: s3Prefix(storage) });
    client = await connect(server.address);
    // Load state lives in the catalog: the new server loads the collection by itself.
    await waitLoadState(client, name, 'LoadStateLoaded', 60000);
    // Asked once, at once: an index being rebuilt would show pending rows or fewer indexed ones.
    const index = await client.describeIndex({ collection_name: name, field_name: 'vec' });
    assertOk(index, 'describeIndex');
    const [info] = index.index_descriptions;
    assert.equal(info.state, 'Finished', `index state right after the load: ${JSON.stringify(info)}`);
    assert.equal(Number(info.indexed_rows), FLUSHED, 'every flushed row indexed right after the load');
    assert.equal(Number(info.pending_index_rows), 0, 'no rows waiting for an index build');
    t.diagnostic(`index Finished for ${info.indexed_rows} rows ${Math.round(performance.now() - server.spawnedAt)} ms after the new server was spawned`);
    const after_ = await observe(client);
    assert.deepEqual(after_, before_, 'every answer after the restart from the bucket alone');
    assert.deepEqual(await indexObjects(), indexBefore, 'index_files/ after the new server loaded and searched: the same objects, none rewritten, none added');
    // What the new server sent to the bucket in all: less than one copy of the index.
    const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    const sent = Number((metrics.match(/^strata_object_bytes_total\{op="PUT",direction="sent"\} (\d+)$/m) || [])[1]);
    const indexBytes = indexBefore.reduce((sum, o) => sum + o.size, 0);
    t.diagnostic(`new server: ${sent} bytes PUT in all; the index objects hold ${indexBytes}`);
    assert.ok(sent < indexBytes, `the new server PUT ${sent} bytes, at least the ${indexBytes} bytes of the index`);
    const desc = await client.describeCollection({ collection_name: name });
    assertOk(desc, 'describeCollection');
    assert.equal(String(desc.collectionID), collectionID, 'same collection id');
  });

  test('awscli: documented layout, every object a complete envelope of its kind', async (t) => {
    const prefix = s3Prefix(storage);
    const listing = JSON.parse(await aws(['s3api', 'list-objects-v2', '--bucket', process.env.S3_BUCKET, '--prefix', prefix]) || '{}');
    const objects = (listing.Contents || []).map((o) => ({ key: o.Key.slice(prefix.length), size: Number(o.Size) }));
    assert.ok(objects.length > 0, `no objects under s3://${process.env.S3_BUCKET}/${prefix}`);
    for (const o of objects) {
      assert.ok(kLayout.some((re) => re.test(o.key)), `object ${o.key} is outside the documented layout`);
    }
    const under = (folder) => objects.filter((o) => o.key.startsWith(`${folder}/`));
    t.diagnostic(`objects: ${Object.keys(kKinds).map((f) => `${f} ${under(f).length}`).join(', ')}`);
    assert.ok(under('catalog').length >= 1, 'a catalog manifest');
    const ours = (folder) => under(folder).filter((o) => o.key.split('/')[1] === collectionID);
    assert.ok(ours('wal').length >= 1, 'the unflushed rows are in a WAL object');
    const fields = new Set(ours('insert_log').map((o) => o.key.split('/')[4]));
    // Field 1 holds row timestamps; the user fields have ids from 100 on (id, vec, tag).
    for (const f of ['1', '100', '101', '102']) assert.ok(fields.has(f), `insert_log has field ${f}: ${[...fields]}`);
    assert.ok(ours('stats_log').length >= 1, 'a stats object for the sealed segment');

    // One awscli call downloads them all; then each object is checked on its own.
    const dir = tempDir('bucketonly-dl');
    await aws(['s3', 'cp', '--recursive', '--only-show-errors', `s3://${process.env.S3_BUCKET}/${prefix}`, dir], 180000);
    for (const o of objects) {
      const bytes = fs.readFileSync(path.join(dir, o.key));
      assert.equal(bytes.length, o.size, `${o.key}: downloaded size`);
      assert.ok(bytes.length >= 24, `${o.key}: shorter than an envelope`);
      assert.equal(bytes.subarray(0, 4).toString('latin1'), 'STRT', `${o.key}: magic`);
      assert.equal(bytes.readUInt16LE(4), kKinds[o.key.split('/')[0]], `${o.key}: envelope kind`);
      assert.ok(bytes.readUInt16LE(6) >= 1, `${o.key}: version`);
      assert.equal(bytes.readBigUInt64LE(8), BigInt(bytes.length - 24), `${o.key}: payload length`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
