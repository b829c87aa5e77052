// Indexes and loading: CreateIndex (params JSON and flattened pairs), DescribeIndex, GetIndexState,
// GetIndexBuildProgress, DropIndex, LoadCollection, ReleaseCollection, GetLoadState,
// GetLoadingProgress, and Search/Query on a released collection (code 101).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, loadSync, flushSync, rng,
  randomVectors, indexParams, waitIndexFinished, Code,
} from './lib/milvus.mjs';

const DIM = 32;
const N = 500;

describe('index and load', { timeout: 300000 }, () => {
  let server;
  let client;
  let name;
  const rand = rng(4242);
  const vectors = randomVectors(N, DIM, rand);

  before(async () => {
    server = await startServer({ storage: tempDir('index-load'), name: 'index-load' });
    client = await connect(server.address);
    name = uniqueName('idx');
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'tag', data_type: DataType.VarChar, max_length: 16 },
      ],
    }), 'create');
    assertOk(await client.insert({ collection_name: name, data: vectors.map((vec, i) => ({ id: i, vec, tag: `t${i}` })) }), 'insert');
    await flushSync(client, name);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('DescribeIndex on a collection without an index: 700 IndexNotExist', async () => {
    const res = await client.describeIndex({ collection_name: name });
    assertMilvusError(res, { code: Code.IndexNotFound, errorCode: 'IndexNotExist' }, 'describeIndex without index');
  });

  test('load state before any load is NotLoad', async () => {
    const res = await client.getLoadState({ collection_name: name });
    assertOk(res, 'getLoadState');
    assert.equal(res.state, 'LoadStateNotLoad');
  });

  test('every index type is recorded and described honestly', async () => {
    const specs = [
      { index_type: 'FLAT', metric_type: 'L2', params: {} },
      { index_type: 'IVF_FLAT', metric_type: 'IP', params: { nlist: 64 } },
      { index_type: 'IVF_PQ', metric_type: 'L2', params: { nlist: 32, m: 8, nbits: 8 } },
      { index_type: 'IVF_SQ8', metric_type: 'COSINE', params: { nlist: 16 } },
      { index_type: 'HNSW', metric_type: 'COSINE', params: { M: 8, efConstruction: 64 } },
      { index_type: 'AUTOINDEX', metric_type: 'L2', params: {} },
    ];
    for (const spec of specs) {
      const what = `${spec.index_type}/${spec.metric_type}`;
      assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', ...spec }), `createIndex ${what}`);
      const d = await client.describeIndex({ collection_name: name, field_name: 'vec' });
      assertOk(d, `describeIndex ${what}`);
      assert.equal(d.index_descriptions.length, 1, `${what}: one index`);
      const desc = d.index_descriptions[0];
      assert.equal(desc.field_name, 'vec');
      assert.ok(desc.index_name, `${what}: index_name set`);
      const p = indexParams(desc);
      assert.equal(p.index_type, spec.index_type, `${what}: index_type in ${JSON.stringify(desc.params)}`);
      assert.equal(p.metric_type, spec.metric_type, `${what}: metric_type in ${JSON.stringify(desc.params)}`);
      for (const [k, v] of Object.entries(spec.params)) assert.equal(String(p[k]), String(v), `${what}: ${k} in ${JSON.stringify(desc.params)}`);
      assertOk(await client.dropIndex({ collection_name: name, field_name: 'vec' }), `dropIndex ${what}`);
      const gone = await client.describeIndex({ collection_name: name, field_name: 'vec' });
      assertMilvusError(gone, { code: Code.IndexNotFound, errorCode: 'IndexNotExist' }, `${what}: describe after drop`);
    }
  });

  test('IVF_SQ8 (params JSON): state, progress, load, search, release, 101 after release', async () => {
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_name: 'vec_sq8', index_type: 'IVF_SQ8', metric_type: 'L2', params: { nlist: 128 } }), 'createIndex');
    const d = await client.describeIndex({ collection_name: name, index_name: 'vec_sq8' });
    assertOk(d, 'describeIndex by name');
    const desc = d.index_descriptions[0];
    assert.equal(desc.index_name, 'vec_sq8');
    assert.equal(desc.field_name, 'vec');
    assert.deepEqual((({ index_type, metric_type, nlist }) => ({ index_type, metric_type, nlist: String(nlist) }))(indexParams(desc)),
      { index_type: 'IVF_SQ8', metric_type: 'L2', nlist: '128' });

    await waitIndexFinished(client, name, 'vec');
    const st = await client.getIndexState({ collection_name: name, index_name: 'vec_sq8' });
    assertOk(st, 'getIndexState by name');
    assert.equal(st.state, 'Finished');
    const prog = await client.getIndexBuildProgress({ collection_name: name, field_name: 'vec' });
    assertOk(prog, 'getIndexBuildProgress');
    assert.equal(Number(prog.total_rows), N, 'total_rows');
    // The rows were flushed before the index was created, so once Finished every row is in a
    // segment whose index file is built.
    assert.equal(Number(prog.indexed_rows), N, 'indexed_rows once Finished');
    const d2 = await client.describeIndex({ collection_name: name, field_name: 'vec' });
    assert.equal(d2.index_descriptions[0].state, 'Finished', 'DescribeIndex state');
    assert.equal(Number(d2.index_descriptions[0].total_rows), N, 'DescribeIndex total_rows');

    const bogus = await client.describeIndex({ collection_name: name, index_name: 'no_such_index' });
    assertMilvusError(bogus, { code: Code.IndexNotFound, errorCode: 'IndexNotExist' }, 'describeIndex unknown name');

    await loadSync(client, name);
    const ls = await client.getLoadState({ collection_name: name });
    assertOk(ls, 'getLoadState');
    assert.equal(ls.state, 'LoadStateLoaded');
    const lp = await client.getLoadingProgress({ collection_name: name });
    assertOk(lp, 'getLoadingProgress');
    assert.equal(Number(lp.progress), 100);

    // Each stored vector finds itself first (holds for exact and for a real IVF_SQ8 with nprobe = nlist).
    const probe = [3, 77, 401];
    const res = await client.search({ collection_name: name, data: probe.map((i) => vectors[i]), limit: 5, params: { nprobe: 128 }, output_fields: ['tag'] });
    assertOk(res, 'search');
    probe.forEach((i, q) => {
      const hits = res.results[q];
      assert.equal(hits.length, 5);
      assert.equal(String(hits[0].id), String(i), `query ${i} finds itself first`);
      assert.equal(hits[0].tag, `t${i}`);
      for (let k = 1; k < hits.length; k++) assert.ok(hits[k].score >= hits[k - 1].score, 'L2 scores ascending');
    });

    // Milvus refuses to drop the index of a loaded collection; release first.
    assertOk(await client.releaseCollection({ collection_name: name }), 'release');
    const ls2 = await client.getLoadState({ collection_name: name });
    assert.equal(ls2.state, 'LoadStateNotLoad', 'state after release');
    const s = await client.search({ collection_name: name, data: [vectors[0]], limit: 3 });
    assertMilvusError(s, { code: Code.CollectionNotLoaded }, 'search after release');
    const qr = await client.query({ collection_name: name, filter: 'id in [1]', output_fields: ['tag'] });
    assertMilvusError(qr, { code: Code.CollectionNotLoaded }, 'query after release');
    assertOk(await client.dropIndex({ collection_name: name, index_name: 'vec_sq8' }), 'dropIndex by name');
  });

  test('HNSW with flattened params (MilvusClient style), IP search, load twice is fine', async () => {
    const res = await client.createIndex({
      collection_name: name,
      field_name: 'vec',
      extra_params: { index_type: 'HNSW', metric_type: 'IP', M: 16, efConstruction: 200 },
    });
    assertOk(res, 'createIndex flattened');
    const d = await client.describeIndex({ collection_name: name });
    assertOk(d, 'describeIndex');
    const p = indexParams(d.index_descriptions[0]);
    assert.equal(p.index_type, 'HNSW');
    assert.equal(p.metric_type, 'IP');
    assert.equal(String(p.M), '16');
    assert.equal(String(p.efConstruction), '200');
    await waitIndexFinished(client, name, 'vec');
    await loadSync(client, name);
    await loadSync(client, name);
    const q = randomVectors(1, DIM, rand)[0];
    const r = await client.search({ collection_name: name, data: [q], limit: 10, params: { ef: 64 }, output_fields: [] });
    assertOk(r, 'search');
    assert.equal(r.results.length, 10);
    for (let k = 1; k < r.results.length; k++) assert.ok(r.results[k].score <= r.results[k - 1].score, 'IP scores descending');
    assertOk(await client.releaseCollection({ collection_name: name }), 'release');
    assertOk(await client.releaseCollection({ collection_name: name }), 'release twice');
  });

  test('a collection that was never loaded: search and query answer 101', async () => {
    const other = uniqueName('never_loaded');
    assertOk(await client.createCollection({
      collection_name: other,
      fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'vec', data_type: DataType.FloatVector, dim: 4 }],
    }), 'create');
    assertOk(await client.insert({ collection_name: other, data: [{ id: 1, vec: [1, 2, 3, 4] }] }), 'insert');
    const s = await client.search({ collection_name: other, data: [[1, 2, 3, 4]], limit: 1 });
    assertMilvusError(s, { code: Code.CollectionNotLoaded }, 'search never loaded');
    const q = await client.query({ collection_name: other, filter: 'id in [1]' });
    assertMilvusError(q, { code: Code.CollectionNotLoaded }, 'query never loaded');
    assertOk(await client.dropCollection({ collection_name: other }), 'drop');
  });
});
