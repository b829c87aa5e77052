// Insert rows with every scalar type, then Search (L2, IP, COSINE; FLAT index so results are exact
// forever) checked against a brute-force computation on the same data: ids, scores, nq > 1,
// limit, offset, output_fields (named, "*", vector), anns_field given or absent, VarChar and
// auto_id primary keys.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, rng, randomVectors, bruteForce,
  assertSameHits, assertSameVector, rawCall, placeholderBytes, f32Bytes, kv, countRows, queryByIds,
} from './lib/milvus.mjs';

const DIM = 32;
const N = 600;
const SCALARS = ['flag', 'tiny', 'small', 'medium', 'big', 'ratio', 'precise', 'title'];

function fields() {
  return [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
    { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
    { name: 'flag', data_type: DataType.Bool },
    { name: 'tiny', data_type: DataType.Int8 },
    { name: 'small', data_type: DataType.Int16 },
    { name: 'medium', data_type: DataType.Int32 },
    { name: 'big', data_type: DataType.Int64 },
    { name: 'ratio', data_type: DataType.Float },
    { name: 'precise', data_type: DataType.Double },
    { name: 'title', data_type: DataType.VarChar, max_length: 64 },
  ];
}

// Values that exercise each type's range; Int64 beyond 2^53 travels as a string.
function makeRows(vectors) {
  return vectors.map((vec, i) => ({
    id: 1_000_000_000_000 + i,
    vec,
    flag: i % 3 === 0,
    tiny: (i % 256) - 128,
    small: (i * 97) % 65536 - 32768,
    medium: i % 2 ? 2147483647 - i : -2147483648 + i,
    big: (BigInt(i) * 1000000007n + 9007199254740993n * (i % 2 ? 1n : -1n)).toString(),
    ratio: Math.fround(i * 0.37 - 50),
    precise: i * Math.PI - 1e6,
    title: `row-${i}-héllo-✓`,
  }));
}

function assertRowMatches(hit, row, what) {
  assert.equal(String(hit.id), String(row.id), `${what}: id`);
  assert.equal(hit.flag, row.flag, `${what}: flag`);
  assert.equal(Number(hit.tiny), row.tiny, `${what}: tiny`);
  assert.equal(Number(hit.small), row.small, `${what}: small`);
  assert.equal(Number(hit.medium), row.medium, `${what}: medium`);
  assert.equal(String(hit.big), row.big, `${what}: big (int64 must be exact)`);
  assert.equal(Math.fround(Number(hit.ratio)), row.ratio, `${what}: ratio`);
  assert.equal(Number(hit.precise), row.precise, `${what}: precise`);
  assert.equal(hit.title, row.title, `${what}: title`);
}

const toHits = (results, pk = 'id') => results.map((h) => ({ id: String(h[pk]), score: h.score }));

describe('insert and search', { timeout: 300000 }, () => {
  let server;
  let client;
  const rand = rng(20240601);
  const vectors = randomVectors(N, DIM, rand);
  const rows = makeRows(vectors);
  const ids = rows.map((r) => String(r.id));
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const queries = randomVectors(3, DIM, rand);
  const colls = {};

  before(async () => {
    server = await startServer({ storage: tempDir('insert-search'), name: 'insert-search' });
    client = await connect(server.address);
    for (const metric of ['L2', 'IP', 'COSINE']) {
      const name = uniqueName(`search_${metric.toLowerCase()}`);
      assertOk(await client.createCollection({ collection_name: name, fields: fields() }), `create ${name}`);
      for (let start = 0; start < N; start += 300) {
        const batch = rows.slice(start, start + 300);
        const res = await client.insert({ collection_name: name, data: batch, timeout: 30000 });
        assertOk(res, `insert into ${name}`);
        assert.equal(Number(res.insert_cnt), batch.length, 'insert_cnt');
        assert.deepEqual(res.IDs.int_id.data.map(String), batch.map((r) => String(r.id)), 'MutationResult.IDs echo the given primary keys');
      }
      assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: metric, params: {} }), `createIndex FLAT ${metric}`);
      await loadSync(client, name);
      colls[metric] = name;
    }
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  for (const metric of ['L2', 'IP', 'COSINE']) {
    test(`${metric}: nq=3, limit 10, matches brute force`, async () => {
      const res = await client.search({ collection_name: colls[metric], data: queries, limit: 10, output_fields: ['id'] });
      assertOk(res, 'search');
      assert.equal(res.results.length, 3, 'one result list per query');
      for (let q = 0; q < 3; q++) {
        assertSameHits(toHits(res.results[q]), bruteForce(metric, ids, vectors, queries[q], 10), `${metric} query ${q}`);
      }
    });

    test(`${metric}: offset 5 limit 5 gives ranks 5..9`, async () => {
      const res = await client.search({ collection_name: colls[metric], data: queries[1], limit: 5, offset: 5, output_fields: [] });
      assertOk(res, 'search with offset');
      assertSameHits(toHits(res.results), bruteForce(metric, ids, vectors, queries[1], 5, 5), `${metric} offset`);
    });

    test(`${metric}: explicit metric_type and anns_field give the same answer`, async () => {
      const res = await client.search({ collection_name: colls[metric], anns_field: 'vec', metric_type: metric, data: [queries[2]], limit: 7, output_fields: [] });
      assertOk(res, 'search with metric_type');
      assertSameHits(toHits(res.results), bruteForce(metric, ids, vectors, queries[2], 7), `${metric} explicit`);
    });
  }

  test('output_fields "*" returns every scalar with its exact value, and the pk', async () => {
    const res = await client.search({ collection_name: colls.L2, data: [vectors[42]], limit: 3, output_fields: ['*'] });
    assertOk(res, 'search *');
    assert.equal(res.results.length, 3);
    assert.equal(String(res.results[0].id), ids[42], 'a stored vector finds itself first');
    assert.ok(Math.abs(res.results[0].score) < 1e-4, `self distance ${res.results[0].score}`);
    for (const hit of res.results) {
      for (const f of SCALARS) assert.ok(f in hit, `field ${f} in "*" output: ${Object.keys(hit)}`);
      assertRowMatches(hit, byId.get(String(hit.id)), `hit ${hit.id}`);
      if ('vec' in hit) assertSameVector(hit.vec, byId.get(String(hit.id)).vec, `vec of ${hit.id}`);
    }
  });

  test('named output_fields return only those fields plus pk and score', async () => {
    const res = await client.search({ collection_name: colls.IP, data: [queries[0]], limit: 4, output_fields: ['title', 'medium'] });
    assertOk(res, 'search named fields');
    for (const hit of res.results) {
      assert.deepEqual(Object.keys(hit).sort(), ['id', 'medium', 'score', 'title'], `keys of ${JSON.stringify(hit)}`);
      const row = byId.get(String(hit.id));
      assert.equal(hit.title, row.title);
      assert.equal(Number(hit.medium), row.medium);
    }
  });

  test('the vector field can be an output field', async () => {
    const res = await client.search({ collection_name: colls.COSINE, data: [queries[1]], limit: 3, output_fields: ['vec'] });
    assertOk(res, 'search vec output');
    for (const hit of res.results) assertSameVector(hit.vec, byId.get(String(hit.id)).vec, `vec of ${hit.id}`);
  });

  test('limit larger than the row count returns every row once', async () => {
    const res = await client.search({ collection_name: colls.L2, data: [queries[0]], limit: N + 50, output_fields: [] });
    assertOk(res, 'search large limit');
    assertSameHits(toHits(res.results), bruteForce('L2', ids, vectors, queries[0], N), 'all rows');
  });

  test('raw Search without anns_field and metric_type: pk in ids and in fields_data', async () => {
    const req = {
      collection_name: colls.L2,
      dsl: '',
      dsl_type: 'BoolExprV1',
      placeholder_group: placeholderBytes(client, [f32Bytes(queries[0]), f32Bytes(queries[2])]),
      nq: 2,
      output_fields: [],
      search_params: kv({ topk: 5, params: '{}', round_decimal: -1 }),
    };
    const res = await rawCall(client, 'Search', req);
    assertOk(res, 'raw search');
    const r = res.results;
    assert.equal(Number(r.num_queries), 2, 'num_queries');
    assert.equal(Number(r.top_k), 5, 'top_k');
    assert.deepEqual(r.topks.map(Number), [5, 5], 'topks');
    const got = r.ids.int_id.data.map(String);
    const expected = [...bruteForce('L2', ids, vectors, queries[0], 5), ...bruteForce('L2', ids, vectors, queries[2], 5)];
    assertSameHits(got.map((id, i) => ({ id, score: r.scores[i] })).slice(0, 5), expected.slice(0, 5), 'raw q0');
    assertSameHits(got.map((id, i) => ({ id, score: r.scores[i] })).slice(5), expected.slice(5), 'raw q1');
    const pkColumn = r.fields_data.find((f) => f.field_name === 'id');
    assert.ok(pkColumn, `pk column in fields_data: ${r.fields_data.map((f) => f.field_name)}`);
    assert.deepEqual(pkColumn.scalars.long_data.data.map(String), got, 'fields_data pk column equals ids');
  });

  test('VarChar primary key: insert, search, query', async () => {
    const name = uniqueName('varchar_pk');
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'doc', data_type: DataType.VarChar, is_primary_key: true, max_length: 64 },
        { name: 'vec', data_type: DataType.FloatVector, dim: 16 },
        { name: 'n', data_type: DataType.Int32 },
      ],
    }), 'create');
    const r2 = rng(99);
    const vecs = randomVectors(200, 16, r2);
    const docs = vecs.map((_, i) => `doc-${String(i).padStart(4, '0')}-é`);
    const ins = await client.insert({ collection_name: name, data: vecs.map((vec, i) => ({ doc: docs[i], vec, n: i })) });
    assertOk(ins, 'insert');
    assert.deepEqual(ins.IDs.str_id.data, docs, 'MutationResult string ids');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    await loadSync(client, name);
    const q = randomVectors(2, 16, r2);
    const res = await client.search({ collection_name: name, data: q, limit: 8, output_fields: ['n'] });
    assertOk(res, 'search');
    for (let i = 0; i < 2; i++) {
      assertSameHits(toHits(res.results[i], 'doc'), bruteForce('L2', docs, vecs, q[i], 8), `varchar q${i}`);
      for (const hit of res.results[i]) assert.equal(docs[Number(hit.n)], hit.doc, 'payload belongs to the pk');
    }
    const got = await queryByIds(client, name, 'doc', [docs[3], docs[150], 'missing'], ['n'], { isString: true });
    assert.deepEqual(got.map((r) => [r.doc, Number(r.n)]).sort(), [[docs[3], 3], [docs[150], 150]]);
    assert.equal(await countRows(client, name), 200);
    assertOk(await client.releaseCollection({ collection_name: name }), 'release');
    assertOk(await client.dropCollection({ collection_name: name }), 'drop');
  });

  test('auto_id primary key: ids returned by Insert are searchable and queryable', async () => {
    const name = uniqueName('auto_id');
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'pk', data_type: DataType.Int64, is_primary_key: true, autoID: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: 8 },
        { name: 'label', data_type: DataType.VarChar, max_length: 32 },
      ],
    }), 'create');
    const r3 = rng(5);
    const vecs = randomVectors(150, 8, r3);
    const autoIds = [];
    for (let start = 0; start < 150; start += 50) {
      const res = await client.insert({ collection_name: name, data: vecs.slice(start, start + 50).map((vec, i) => ({ vec, label: `L${start + i}` })) });
      assertOk(res, 'insert');
      const got = res.IDs.int_id.data.map(String);
      assert.equal(got.length, 50, 'one id per row');
      autoIds.push(...got);
    }
    assert.equal(new Set(autoIds).size, 150, 'auto ids are distinct');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'IP' }), 'index');
    await loadSync(client, name);
    const q = randomVectors(1, 8, r3)[0];
    const res = await client.search({ collection_name: name, data: [q], limit: 10, output_fields: ['label'] });
    assertOk(res, 'search');
    assertSameHits(toHits(res.results, 'pk'), bruteForce('IP', autoIds, vecs, q, 10), 'auto id search');
    for (const hit of res.results) assert.equal(hit.label, `L${autoIds.indexOf(String(hit.pk))}`, 'label belongs to the returned id');
    const rows = await queryByIds(client, name, 'pk', autoIds, ['label']);
    assert.equal(rows.length, 150, 'every returned id is stored');
    for (const row of rows) assert.equal(row.label, `L${autoIds.indexOf(String(row.pk))}`);
    assertOk(await client.dropCollection({ collection_name: name }), 'drop');
  });
});
