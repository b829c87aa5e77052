// The REST API v2 on the HTTP port, through the Node SDK's own HttpClient: collections (quick
// setup and a custom schema with indexParams), entities (insert, upsert, delete, query, get,
// search) and indexes. Searches answer what the gRPC API answers for the same request, rows
// written over REST survive a restart, and bad requests get Milvus's codes and write nothing.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { startServer, tempDir } from './lib/server.mjs';
import { connect, closeAll, uniqueName, assertOk, rng, randomVectors } from './lib/milvus.mjs';

const DIM = 8;

// Asserts a REST answer succeeded and returns its data.
function ok(res, what) {
  assert.equal(res.code, 0, `${what}: ${JSON.stringify(res)}`);
  return res.data;
}

describe('REST API v2', { timeout: 300000 }, () => {
  const storage = tempDir('rest');
  const vectors = randomVectors(300, DIM, rng(11));
  let server;
  let rest;
  let grpc;
  const quick = uniqueName('rest_quick');
  const custom = uniqueName('rest_custom');

  before(async () => {
    server = await startServer({ storage, name: 'rest' });
    rest = new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}` });
    grpc = await connect(server.address);
  });

  after(async () => {
    await closeAll([grpc]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('quick setup creates, indexes and loads a collection', async () => {
    ok(await rest.createCollection({ collectionName: quick, dimension: DIM }), 'create');
    const desc = ok(await rest.describeCollection({ collectionName: quick }), 'describe');
    assert.equal(desc.collectionName, quick);
    assert.equal(desc.enableDynamicField, true);
    assert.equal(desc.load, 'LoadStateLoaded');
    assert.deepEqual(desc.fields.map((f) => [f.name, f.type, f.primaryKey]),
      [['id', 'Int64', true], ['vector', 'FloatVector', false]]);
    assert.deepEqual(desc.fields[1].params, [{ key: 'dim', value: String(DIM) }]);
    assert.deepEqual(desc.indexes, [{ fieldName: 'vector', indexName: 'vector', metricType: 'COSINE' }]);
    assert.deepEqual(ok(await rest.hasCollection({ collectionName: quick }), 'has'), { has: true });
    assert.ok(ok(await rest.listCollections(), 'list').includes(quick));
    const state = ok(await rest.getCollectionLoadState({ collectionName: quick }), 'load state');
    assert.equal(state.loadState, 'LoadStateLoaded');
    // The gRPC API sees the same collection.
    const viaGrpc = await grpc.describeCollection({ collection_name: quick });
    assertOk(viaGrpc, 'describe over gRPC');
    // A JSON number, as Milvus sends it (so JavaScript rounds ids beyond 2^53 alike).
    assert.equal(desc.collectionID, Number(viaGrpc.collectionID));
  });

  test('rows go in and come back, dynamic keys included', async () => {
    const data = vectors.slice(0, 200).map((vector, id) => ({ id, vector, tag: `t${id % 7}` }));
    const inserted = ok(await rest.insert({ collectionName: quick, data }), 'insert');
    assert.equal(inserted.insertCount, 200);
    // Int64 values are strings unless the client accepts them as numbers.
    assert.deepEqual(inserted.insertIds.slice(0, 3), ['0', '1', '2']);
    const rows = ok(await rest.query({
      collectionName: quick, filter: 'id < 5', outputFields: ['id', 'tag'], limit: 100,
    }), 'query');
    assert.deepEqual(rows.map((r) => [r.id, r.tag]).sort(),
      [['0', 't0'], ['1', 't1'], ['2', 't2'], ['3', 't3'], ['4', 't4']]);
    const got = ok(await rest.get({ collectionName: quick, id: [7, 8], outputFields: ['vector', 'tag'] }), 'get');
    assert.equal(got.length, 2);
    const seven = got.find((r) => r.id === '7');
    assert.equal(seven.tag, 't0');
    seven.vector.forEach((x, d) => assert.ok(Math.abs(x - vectors[7][d]) < 1e-6));

    const numbers = new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}`, acceptInt64: true });
    const more = ok(await numbers.insert({ collectionName: quick, data: [{ id: 200, vector: vectors[200] }] }), 'insert');
    assert.deepEqual(more.insertIds, [200]);
    const count = ok(await rest.query({ collectionName: quick, filter: '', outputFields: ['count(*)'] }), 'count');
    assert.equal(Number(count[0]['count(*)']), 201);
  });

  test('search answers what gRPC answers, query after query', async () => {
    const queries = [vectors[250], vectors[260]];
    const res = await rest.search({
      collectionName: quick, data: queries, limit: 5, outputFields: ['tag'], filter: 'id >= 10',
    });
    // The server sends one flat list and `topks`; the SDK splits it per query.
    assert.deepEqual(res.topks, [5, 5]);
    const perQuery = ok(res, 'search');
    assert.deepEqual(perQuery.map((q) => q.length), [5, 5]);
    const hits = perQuery.flat();
    const viaGrpc = await grpc.search({
      collection_name: quick, data: queries, limit: 5, output_fields: ['tag'], filter: 'id >= 10',
    });
    assertOk(viaGrpc, 'gRPC search');
    const expected = viaGrpc.results.flat();
    hits.forEach((h, i) => {
      assert.equal(h.id, String(expected[i].id), `hit ${i}`);
      assert.ok(Math.abs(h.distance - expected[i].score) < 1e-6, `hit ${i} distance`);
      assert.equal(h.tag, expected[i].tag);
      assert.ok(Number(h.id) >= 10, 'the filter holds');
    });
  });

  test('delete and upsert change what queries see', async () => {
    ok(await rest.delete({ collectionName: quick, filter: 'id in [3]' }), 'delete');
    assert.deepEqual(ok(await rest.get({ collectionName: quick, id: 3 }), 'get deleted'), []);
    const up = ok(await rest.upsert({ collectionName: quick, data: [{ id: 4, vector: vectors[4], tag: 'changed' }] }), 'upsert');
    assert.equal(up.upsertCount, 1);
    const rows = ok(await rest.get({ collectionName: quick, id: 4, outputFields: ['tag'] }), 'get upserted');
    assert.deepEqual(rows.map((r) => r.tag), ['changed']);
  });

  test('partitions, and a grouping search', async () => {
    const name = uniqueName('rest_parts');
    ok(await rest.createCollection({
      collectionName: name,
      schema: {
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'cat', dataType: 'Int64' },
          { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
        ],
      },
      indexParams: [{ fieldName: 'v', metricType: 'L2', indexType: 'FLAT' }],
    }), 'create');
    ok(await rest.createPartition({ collectionName: name, partitionName: 'p1' }), 'create partition');
    assert.deepEqual(ok(await rest.hasPartition({ collectionName: name, partitionName: 'p1' }), 'has'), { has: true });
    assert.deepEqual(ok(await rest.listPartitions({ collectionName: name }), 'list').sort(), ['_default', 'p1']);
    const row = (id) => ({ id, cat: id % 3, v: vectors[id] });
    ok(await rest.insert({ collectionName: name, data: [...Array(30).keys()].map(row) }), 'insert _default');
    ok(await rest.insert({ collectionName: name, partitionName: 'p1', data: [30, 31, 32, 33].map(row) }), 'insert p1');
    const inP1 = ok(await rest.query({ collectionName: name, filter: 'id >= 0', partitionNames: ['p1'], outputFields: ['id'] }), 'query p1');
    assert.deepEqual(inP1.map((r) => Number(r.id)).sort((a, b) => a - b), [30, 31, 32, 33]);
    assert.equal(ok(await rest.getPartitionStatistics({ collectionName: name, partitionName: 'p1' }), 'stats').rowCount, 4);

    const grouped = ok(await rest.search({
      collectionName: name, data: [vectors[0]], limit: 3, groupingField: 'cat', groupSize: 2, outputFields: ['cat'],
    }), 'grouping search');
    const perCat = {};
    for (const hit of grouped) perCat[hit.cat] = (perCat[hit.cat] ?? 0) + 1;
    assert.equal(Object.keys(perCat).length, 3, `three groups: ${JSON.stringify(grouped)}`);
    assert.ok(Object.values(perCat).every((n) => n <= 2), 'at most groupSize hits a group');
    assert.equal(Number(grouped[0].id), 0, 'the nearest first');

    ok(await rest.releasePartitions({ collectionName: name, partitionNames: ['p1'] }), 'release p1');
    const notLoaded = await rest.query({ collectionName: name, filter: 'id >= 0', partitionNames: ['p1'] });
    assert.equal(notLoaded.code, 201, JSON.stringify(notLoaded));
    ok(await rest.loadPartitions({ collectionName: name, partitionNames: ['p1'] }), 'load p1');
    assert.equal(ok(await rest.query({ collectionName: name, filter: 'id >= 0', partitionNames: ['p1'] }), 'query').length, 4);
    ok(await rest.releasePartitions({ collectionName: name, partitionNames: ['p1'] }), 'release p1');
    ok(await rest.dropPartition({ collectionName: name, partitionName: 'p1' }), 'drop partition');
    assert.deepEqual(ok(await rest.hasPartition({ collectionName: name, partitionName: 'p1' }), 'has'), { has: false });
    const missing = await rest.getPartitionStatistics({ collectionName: name, partitionName: 'p1' });
    assert.equal(missing.code, 200);
    ok(await rest.dropCollection({ collectionName: name }), 'drop');
  });

  test('a custom schema with indexParams, JSON and array fields', async () => {
    ok(await rest.createCollection({
      collectionName: custom,
      schema: {
        autoID: true,
        fields: [
          { fieldName: 'pk', dataType: 'Int64', isPrimary: true },
          { fieldName: 'title', dataType: 'VarChar', elementTypeParams: { max_length: 32 } },
          { fieldName: 'meta', dataType: 'JSON' },
          { fieldName: 'tags', dataType: 'Array', elementDataType: 'Int64', elementTypeParams: { max_capacity: 4 } },
          { fieldName: 'emb', dataType: 'FloatVector', elementTypeParams: { dim: DIM } },
        ],
      },
      indexParams: [{ fieldName: 'emb', indexName: 'emb_hnsw', metricType: 'L2', indexType: 'HNSW', params: { M: 8, efConstruction: 64 } }],
    }), 'create custom');
    assert.equal(ok(await rest.getCollectionLoadState({ collectionName: custom }), 'state').loadState, 'LoadStateLoaded');
    const data = vectors.slice(0, 20).map((emb, i) => ({ title: `doc ${i}`, meta: { n: i, even: i % 2 === 0 }, tags: [i, i + 1], emb }));
    const inserted = ok(await rest.insert({ collectionName: custom, data }), 'insert');
    assert.equal(inserted.insertIds.length, 20, 'generated keys');
    const rows = ok(await rest.query({
      collectionName: custom, filter: 'meta["n"] == 5', outputFields: ['title', 'meta', 'tags'],
    }), 'query');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].title, 'doc 5');
    assert.deepEqual(JSON.parse(rows[0].meta), { n: 5, even: false }, 'a JSON field comes back as its text');
    assert.deepEqual(rows[0].tags.map(Number), [5, 6]);
    const hits = ok(await rest.search({
      collectionName: custom, data: [vectors[5]], annsField: 'emb', limit: 1,
      searchParams: { metricType: 'L2', params: { ef: 32 } }, outputFields: ['title'],
    }), 'search');
    assert.equal(hits[0].title, 'doc 5');
    assert.ok(hits[0].distance < 1e-6);

    const indexes = ok(await rest.describeIndex({ collectionName: custom, indexName: 'emb_hnsw' }), 'describe index');
    assert.equal(indexes[0].indexType, 'HNSW');
    assert.equal(indexes[0].metricType, 'L2');
    assert.deepEqual(ok(await rest.listIndexes({ collectionName: custom }), 'list indexes'), ['emb_hnsw']);
    ok(await rest.releaseCollection({ collectionName: custom }), 'release');
    assert.equal(ok(await rest.getCollectionLoadState({ collectionName: custom }), 'state').loadState, 'LoadStateNotLoad');
    ok(await rest.dropIndex({ collectionName: custom, indexName: 'emb_hnsw' }), 'drop index');
    assert.deepEqual(ok(await rest.listIndexes({ collectionName: custom }), 'list indexes'), []);
    ok(await rest.createIndex({ collectionName: custom, indexParams: [{ fieldName: 'emb', indexName: 'emb_flat', metricType: 'L2', indexType: 'FLAT' }] }), 'create index');
    ok(await rest.loadCollection({ collectionName: custom }), 'load');
    const stats = ok(await rest.getCollectionStatistics({ collectionName: custom }), 'stats');
    assert.equal(stats.rowCount, 20);
  });

  test('bad requests get Milvus codes and write nothing', async () => {
    const missing = await rest.describeCollection({ collectionName: 'no_such_collection' });
    assert.equal(missing.code, 100);
    assert.match(missing.message, /collection not found/);
    assert.deepEqual(ok(await rest.hasCollection({ collectionName: 'no_such_collection' }), 'has'), { has: false });

    const before = Number(ok(await rest.query({ collectionName: quick, filter: '', outputFields: ['count(*)'] }), 'count')[0]['count(*)']);
    const wrongDim = await rest.insert({ collectionName: quick, data: [{ id: 900, vector: vectors[0] }, { id: 901, vector: [1, 2] }] });
    assert.equal(wrongDim.code, 1100, JSON.stringify(wrongDim));
    const noVector = await rest.insert({ collectionName: quick, data: [{ id: 902 }] });
    assert.equal(noVector.code, 1100);
    assert.match(noVector.message, /row 0 has no value for field 'vector'/);
    const after = Number(ok(await rest.query({ collectionName: quick, filter: '', outputFields: ['count(*)'] }), 'count')[0]['count(*)']);
    assert.equal(after, before, 'a rejected batch writes no row');

    const otherDb = await new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}`, database: 'other' })
      .describeCollection({ collectionName: quick });
    assert.equal(otherDb.code, 800, 'a database that does not exist');
    const noName = await rest.createCollection({ dimension: 4 });
    assert.equal(noName.code, 1100);
    const badIndex = await rest.createCollection({
      collectionName: 'rest_bad_index',
      schema: { fields: [{ fieldName: 'id', dataType: 'Int64', isPrimary: true }, { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 4 } }] },
      indexParams: [{ fieldName: 'nope', metricType: 'L2' }],
    });
    assert.equal(badIndex.code, 1100);
    assert.deepEqual(ok(await rest.hasCollection({ collectionName: 'rest_bad_index' }), 'has'), { has: false },
      'a rejected create leaves no collection');

    const raw = async (path, body) => (await fetch(`http://127.0.0.1:${server.httpPort}${path}`, { method: 'POST', body })).json();
    assert.equal((await raw('/v2/vectordb/collections/list', 'not json')).code, 1801);
    assert.equal((await raw('/v2/vectordb/collections/nothing', '{}')).code, 1800);
  });

  test('what REST wrote survives a restart', async () => {
    await server.stop('SIGTERM');
    await closeAll([grpc]);
    server = await startServer({ storage, name: 'rest-2' });
    rest = new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}` });
    grpc = await connect(server.address);
    const count = ok(await rest.query({ collectionName: quick, filter: '', outputFields: ['count(*)'] }), 'count');
    assert.equal(Number(count[0]['count(*)']), 200, '201 inserted, 1 deleted');
    const inserted = ok(await rest.query({ collectionName: custom, filter: '', outputFields: ['pk'], limit: 100 }), 'keys')
      .map((r) => r.pk);
    const rows = ok(await rest.get({ collectionName: custom, id: inserted, outputFields: ['title'] }), 'get');
    assert.equal(rows.length, 20);
    ok(await rest.dropCollection({ collectionName: custom }), 'drop');
    assert.deepEqual(ok(await rest.hasCollection({ collectionName: custom }), 'has'), { has: false });
  });
});
