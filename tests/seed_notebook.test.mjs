// The seed notebook's flow (image search on 2048-d embeddings), step by step as a user runs it:
// create the collection (auto Int64 id, path VarChar, embedding FloatVector(2048)), create an
// IVF_SQ8 index (nlist 2048, L2), insert three batches, flush, load, search with nprobe 32 (each
// query image finds itself first), query, release, drop.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, loadSync, flushSync, rng,
  countRows, queryByIds, waitIndexFinished, indexParams, Code,
} from './lib/milvus.mjs';

const DIM = 2048;
const BATCHES = 3;
const PER_BATCH = 100;

// Non-negative, L2-normalised vectors, like pooled CNN features.
function imageEmbeddings(n, rand) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const v = new Array(DIM);
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      const x = rand() < 0.6 ? 0 : rand();
      v[j] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    out.push(v.map((x) => Math.fround(x / norm)));
  }
  return out;
}

describe('seed notebook flow', { timeout: 300000 }, () => {
  let server;
  let client;
  const name = uniqueName('image_embeddings');
  const rand = rng(2048);
  const embeddings = imageEmbeddings(BATCHES * PER_BATCH, rand);
  const paths = embeddings.map((_, i) => `images/class_${i % 10}/img_${String(i).padStart(5, '0')}.jpg`);
  const ids = [];

  before(async () => {
    server = await startServer({ storage: tempDir('seed'), name: 'seed' });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('create collection and IVF_SQ8 index', async () => {
    assertOk(await client.createCollection({
      collection_name: name,
      description: 'image embeddings',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: true },
        { name: 'path', data_type: DataType.VarChar, max_length: 512 },
        { name: 'embedding', data_type: DataType.FloatVector, dim: DIM },
      ],
    }), 'createCollection');
    assertOk(await client.createIndex({
      collection_name: name, field_name: 'embedding', index_type: 'IVF_SQ8', metric_type: 'L2', params: { nlist: 2048 },
    }), 'createIndex');
    const d = await client.describeIndex({ collection_name: name });
    assertOk(d, 'describeIndex');
    const p = indexParams(d.index_descriptions[0]);
    assert.deepEqual([p.index_type, p.metric_type, String(p.nlist)], ['IVF_SQ8', 'L2', '2048']);
  });

  test('insert three batches, flush', async () => {
    for (let b = 0; b < BATCHES; b++) {
      const rows = [];
      for (let i = b * PER_BATCH; i < (b + 1) * PER_BATCH; i++) rows.push({ path: paths[i], embedding: embeddings[i] });
      const res = await client.insert({ collection_name: name, data: rows, timeout: 60000 });
      assertOk(res, `insert batch ${b}`);
      assert.equal(Number(res.insert_cnt), PER_BATCH);
      ids.push(...res.IDs.int_id.data.map(String));
    }
    assert.equal(new Set(ids).size, BATCHES * PER_BATCH, 'distinct auto ids');
    await flushSync(client, name);
    await waitIndexFinished(client, name, 'embedding', 120000);
  });

  test('load, search with nprobe 32: each query image finds itself first', async () => {
    await loadSync(client, name, 120000);
    assert.equal(await countRows(client, name), BATCHES * PER_BATCH);
    const picks = [0, 57, 150, 299];
    const res = await client.search({
      collection_name: name,
      data: picks.map((i) => embeddings[i]),
      limit: 5,
      params: { nprobe: 32 },
      output_fields: ['path'],
    });
    assertOk(res, 'search');
    assert.equal(res.results.length, picks.length);
    picks.forEach((i, q) => {
      const hits = res.results[q];
      assert.equal(hits.length, 5, `query ${i}: 5 hits`);
      assert.equal(String(hits[0].id), ids[i], `query ${i}: itself first`);
      assert.equal(hits[0].path, paths[i]);
      assert.ok(hits[0].score < 0.05, `query ${i}: self distance ${hits[0].score}`);
      for (let k = 1; k < 5; k++) assert.ok(hits[k].score >= hits[k - 1].score, 'ascending L2');
    });
  });

  test('query by id', async () => {
    const want = [ids[1], ids[100], ids[299]];
    const rows = await queryByIds(client, name, 'id', want, ['path']);
    assert.deepEqual(rows.map((r) => [String(r.id), r.path]).sort(), [[ids[1], paths[1]], [ids[100], paths[100]], [ids[299], paths[299]]].sort());
    const withVec = await queryByIds(client, name, 'id', [ids[7]], ['embedding']);
    assert.equal(withVec[0].embedding.length, DIM);
  });

  test('release and drop', async () => {
    assertOk(await client.releaseCollection({ collection_name: name }), 'release');
    const st = await client.getLoadState({ collection_name: name });
    assert.equal(st.state, 'LoadStateNotLoad');
    const s = await client.search({ collection_name: name, data: [embeddings[0]], limit: 5, params: { nprobe: 32 } });
    assertMilvusError(s, { code: Code.CollectionNotLoaded }, 'search after release');
    assertOk(await client.dropCollection({ collection_name: name }), 'drop');
    assert.equal((await client.hasCollection({ collection_name: name })).value, false);
  });
});
