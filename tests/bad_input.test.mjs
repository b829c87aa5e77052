// Bad input gets a clear Milvus error (status.code + status.error_code + a reason naming the
// problem) and writes nothing: the row count is unchanged after every rejected call, and still
// unchanged after a crash and restart (nothing reached the WAL).

import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, settle, loadSync, rng,
  randomVectors, countRows, queryByIds, rawCall, placeholderBytes, f32Bytes, kv, Code, waitLoadState,
} from './lib/milvus.mjs';

const DIM = 8;
const INVALID = { code: Code.InvalidParameter, errorCode: 'IllegalArgument' };
const NOT_FOUND = { code: Code.CollectionNotFound, errorCode: 'CollectionNotExists' };

describe('bad input', { timeout: 300000 }, () => {
  const storage = tempDir('bad-input');
  let server;
  let client;
  const name = uniqueName('bad');
  const missing = uniqueName('does_not_exist');
  const rand = rng(1234);
  let nextId = 1;
  let expected = 0;

  const good = (n) => randomVectors(n, DIM, rand).map((embedding) => {
    const id = nextId++;
    return { id, embedding, title: `t${id}`, year: 2000 + (id % 20), rating: Math.fround(id / 10) };
  });

  // A hand-built Insert request for `name` with columns for `rows` (fields_data overridable).
  const rawInsert = (rows, overrides = {}) => ({
    collection_name: name,
    num_rows: rows.length,
    fields_data: [
      { type: 'Int64', field_name: 'id', scalars: { long_data: { data: rows.map((r) => r.id) } } },
      { type: 'FloatVector', field_name: 'embedding', vectors: { dim: DIM, float_vector: { data: rows.flatMap((r) => r.embedding) } } },
      { type: 'VarChar', field_name: 'title', scalars: { string_data: { data: rows.map((r) => r.title) } } },
      { type: 'Int32', field_name: 'year', scalars: { int_data: { data: rows.map((r) => r.year) } } },
      { type: 'Float', field_name: 'rating', scalars: { float_data: { data: rows.map((r) => r.rating) } } },
    ].map((f) => overrides[f.field_name] === undefined ? f : overrides[f.field_name]).filter(Boolean),
    ...(overrides.request || {}),
  });

  const rawSearch = (overrides) => ({
    collection_name: name,
    dsl: '',
    dsl_type: 'BoolExprV1',
    placeholder_group: placeholderBytes(client, [f32Bytes(randomVectors(1, DIM, rand)[0])]),
    nq: 1,
    output_fields: [],
    search_params: kv({ anns_field: 'embedding', topk: 3, params: '{}', metric_type: 'L2' }),
    ...overrides,
  });

  // Inserting `rows` must fail with `want`; none of the batch's ids may become visible.
  async function rejectInsert(rows, want, what) {
    const res = await settle(() => client.insert({ collection_name: name, data: rows, timeout: 30000 }));
    assertMilvusError(res, want, what);
    const ids = rows.map((r) => r.id).filter((x) => typeof x === 'number');
    if (ids.length) assert.deepEqual(await queryByIds(client, name, 'id', ids, ['title']), [], `${what}: no row of the batch is stored`);
  }

  before(async () => {
    server = await startServer({ storage, name: 'bad-input' });
    client = await connect(server.address);
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'embedding', data_type: DataType.FloatVector, dim: DIM },
        { name: 'title', data_type: DataType.VarChar, max_length: 16 },
        { name: 'year', data_type: DataType.Int32 },
        { name: 'rating', data_type: DataType.Float },
      ],
    }), 'create');
    assertOk(await client.insert({ collection_name: name, data: good(20) }), 'seed rows');
    expected = 20;
    assertOk(await client.createIndex({ collection_name: name, field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    await loadSync(client, name);
  });

  afterEach(async () => {
    assert.equal(await countRows(client, name), expected, 'row count unchanged by rejected calls');
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('unknown collection: 100 CollectionNotExists from every call', async () => {
    const c = { collection_name: missing };
    assert.equal((await client.hasCollection(c)).value, false, 'hasCollection');
    assertMilvusError(await client.describeCollection(c), NOT_FOUND, 'describeCollection');
    assertMilvusError(await client.getCollectionStatistics(c), NOT_FOUND, 'getCollectionStatistics');
    // The SDK describes the collection before Insert and throws that response.
    assertMilvusError(await settle(() => client.insert({ ...c, data: good(1) })), NOT_FOUND, 'insert (SDK)');
    assertMilvusError(await rawCall(client, 'Insert', { ...rawInsert(good(2)), collection_name: missing }), NOT_FOUND, 'Insert (raw)');
    assertMilvusError(await rawCall(client, 'Search', rawSearch({ collection_name: missing })), NOT_FOUND, 'Search (raw)');
    assertMilvusError(await client.query({ ...c, filter: 'id in [1]' }), NOT_FOUND, 'query');
    assertMilvusError(await client.createIndex({ ...c, field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' }), NOT_FOUND, 'createIndex');
    assertMilvusError(await client.describeIndex(c), NOT_FOUND, 'describeIndex');
    assertMilvusError(await client.loadCollectionAsync(c), NOT_FOUND, 'loadCollection');
    assertMilvusError(await client.getLoadState(c), NOT_FOUND, 'getLoadState');
    assertMilvusError(await client.flush({ collection_names: [missing] }), NOT_FOUND, 'flush');
    // Milvus makes drop and release idempotent; an error must still be the right one.
    for (const [what, res] of [['dropCollection', await client.dropCollection(c)], ['releaseCollection', await client.releaseCollection(c)]]) {
      if (res.error_code !== 'Success') assertMilvusError(res, NOT_FOUND, what);
    }
    assert.equal((await client.hasCollection(c)).value, false, 'still absent: nothing was created');
    const shown = await client.showCollections();
    assert.ok(!shown.collection_names.includes(missing), 'not listed');
  });

  test('wrong dimension: insert and search', async () => {
    const one = good(3);
    one[1].embedding = one[1].embedding.slice(0, DIM - 1);
    await rejectInsert(one, { ...INVALID, mentions: ['embedding'] }, 'one row with dim-1');
    const all = good(4).map((r) => ({ ...r, embedding: r.embedding.slice(0, DIM / 2) }));
    await rejectInsert(all, { ...INVALID, mentions: ['embedding'] }, 'every row with dim/2 (total divisible by dim)');
    const wide = good(2).map((r) => ({ ...r, embedding: [...r.embedding, 0.5] }));
    await rejectInsert(wide, { ...INVALID, mentions: ['embedding'] }, 'every row with dim+1');
    const s = await client.search({ collection_name: name, data: [new Array(DIM + 1).fill(0.1)], limit: 3 });
    assertMilvusError(s, INVALID, 'search with dim+1 vector');
    const raw = await rawCall(client, 'Insert', rawInsert(good(2), { embedding: { type: 'FloatVector', field_name: 'embedding', vectors: { dim: DIM * 2, float_vector: { data: new Array(DIM * 2).fill(0.1) } } } }));
    assertMilvusError(raw, { ...INVALID, mentions: ['embedding'] }, 'raw insert declaring another dim');
  });

  test('wrong type (raw Insert): column type differs from the schema', async () => {
    const rows = good(2);
    const asString = await rawCall(client, 'Insert', rawInsert(rows, { year: { type: 'VarChar', field_name: 'year', scalars: { string_data: { data: ['a', 'b'] } } } }));
    assertMilvusError(asString, { ...INVALID, mentions: ['year'] }, 'Int32 field sent as VarChar');
    const payload = await rawCall(client, 'Insert', rawInsert(rows, { year: { type: 'Int32', field_name: 'year', scalars: { string_data: { data: ['a', 'b'] } } } }));
    assertMilvusError(payload, { ...INVALID, mentions: ['year'] }, 'Int32 field carrying string_data');
    const asDouble = await rawCall(client, 'Insert', rawInsert(rows, { rating: { type: 'Double', field_name: 'rating', scalars: { double_data: { data: [1, 2] } } } }));
    assertMilvusError(asDouble, { ...INVALID, mentions: ['rating'] }, 'Float field sent as Double');
    const binVec = await rawCall(client, 'Insert', rawInsert(rows, { embedding: { type: 'BinaryVector', field_name: 'embedding', vectors: { dim: DIM, binary_vector: Buffer.alloc(2) } } }));
    assertMilvusError(binVec, { ...INVALID, mentions: ['embedding'] }, 'FloatVector field sent as BinaryVector');
    assert.deepEqual(await queryByIds(client, name, 'id', rows.map((r) => r.id), ['title']), [], 'nothing stored');
  });

  test('missing field', async () => {
    const some = good(3);
    delete some[2].title;
    await rejectInsert(some, { ...INVALID, mentions: ['title'] }, 'one row without title');
    const none = good(3).map(({ year, ...rest }) => rest);
    await rejectInsert(none, { ...INVALID, mentions: ['year'] }, 'no row has year');
    const noVec = good(2).map(({ embedding, ...rest }) => rest);
    await rejectInsert(noVec, { ...INVALID, mentions: ['embedding'] }, 'no row has the vector');
    const rows = good(2);
    const noColumn = await rawCall(client, 'Insert', rawInsert(rows, { rating: null }));
    assertMilvusError(noColumn, { ...INVALID, mentions: ['rating'] }, 'raw insert without the rating column');
    const rowCount = await rawCall(client, 'Insert', rawInsert(rows, { request: { num_rows: 3 } }));
    assertMilvusError(rowCount, INVALID, 'num_rows larger than the columns');
    const noPk = await rawCall(client, 'Insert', rawInsert(rows, { id: null }));
    assertMilvusError(noPk, { ...INVALID, mentions: ['id'] }, 'no primary key column on a non-auto_id collection');
  });

  test('unknown field (raw Insert)', async () => {
    const rows = good(2);
    const res = await rawCall(client, 'Insert', rawInsert(rows, { request: { fields_data: [...rawInsert(rows).fields_data, { type: 'Int32', field_name: 'bogus', scalars: { int_data: { data: [1, 2] } } }] } }));
    assertMilvusError(res, { ...INVALID, mentions: ['bogus'] }, 'column not in the schema');
  });

  test('VarChar over max_length; a failed batch writes no row', async () => {
    const long = good(1);
    long[0].title = 'x'.repeat(17);
    await rejectInsert(long, { ...INVALID, mentions: ['title'] }, '17 chars into max_length 16');
    // The last row of a batch of 10 is bad: the 9 good rows must not be stored either.
    const batch = good(10);
    batch[9].title = 'y'.repeat(40);
    await rejectInsert(batch, { ...INVALID, mentions: ['title'] }, 'bad last row');
    const ok = good(1);
    ok[0].title = 'z'.repeat(16);
    assertOk(await client.insert({ collection_name: name, data: ok }), 'exactly max_length is accepted');
    expected += 1;
  });

  test('duplicate collection is rejected and leaves the data alone', async () => {
    const res = await settle(() => client.createCollection({
      collection_name: name,
      fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'embedding', data_type: DataType.FloatVector, dim: DIM * 2 }],
    }));
    assertMilvusError(res, { ...INVALID, mentions: [name] }, 'duplicate collection');
    const desc = await client.describeCollection({ collection_name: name });
    assert.equal(String(desc.schema.fields.find((f) => f.name === 'embedding').dim), String(DIM));
  });

  test('non-existent output field: query and search', async () => {
    const fieldNotFound = { code: [Code.InvalidParameter, 1700], errorCode: ['IllegalArgument', 'UnexpectedError'], mentions: ['nope'] };
    assertMilvusError(await client.query({ collection_name: name, filter: 'id in [1]', output_fields: ['nope'] }), fieldNotFound, 'query output nope');
    assertMilvusError(await client.query({ collection_name: name, filter: '', limit: 3, output_fields: ['title', 'nope'] }), fieldNotFound, 'query output title,nope');
    const s = await client.search({ collection_name: name, data: [randomVectors(1, DIM, rand)[0]], limit: 3, output_fields: ['nope'] });
    assertMilvusError(s, fieldNotFound, 'search output nope');
  });

  test('malformed placeholder group (raw Search)', async () => {
    const cases = [
      ['garbage bytes', { placeholder_group: Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01]) }],
      ['empty placeholder group', { placeholder_group: Buffer.alloc(0) }],
      ['vector of dim*4-4 bytes', { placeholder_group: placeholderBytes(client, [Buffer.alloc((DIM - 1) * 4)]) }],
      ['vector bytes not a multiple of 4', { placeholder_group: placeholderBytes(client, [Buffer.alloc(DIM * 4 - 2)]) }],
      ['BinaryVector placeholder for a float field', { placeholder_group: placeholderBytes(client, [Buffer.alloc(DIM / 8)], 100) }],
      ['no values', { placeholder_group: placeholderBytes(client, []) }],
      ['two placeholders', { placeholder_group: Buffer.concat([0, 1].map(() => placeholderBytes(client, [Buffer.alloc(DIM * 4)]))) }],
      // placeholders (1) of 3 bytes: values (3) says 16 bytes, 1 follows.
      ['a vector that runs past its placeholder', { placeholder_group: Buffer.from([0x0a, 0x03, 0x1a, 0x10, 0x00]) }],
      ['a placeholder that runs past the group', { placeholder_group: Buffer.from([0x0a, 0x09, 0x1a, 0x01, 0x00]) }],
    ];
    for (const [what, over] of cases) {
      assertMilvusError(await rawCall(client, 'Search', rawSearch(over)), INVALID, what);
    }
  });

  test('placeholder fields Strata does not read are skipped, as protobuf does (raw Search)', async () => {
    const vec = f32Bytes(randomVectors(1, DIM, rand)[0]);
    // PlaceholderValue: type (2) = 101, values (3) = the vector, then field 4 (varint) and
    // field 9 (bytes), which a newer client might send; then field 2 (varint) in the group.
    const value = Buffer.concat([Buffer.from([0x10, 0x65, 0x1a, vec.length]), vec, Buffer.from([0x20, 0x01, 0x4a, 0x02, 0x61, 0x62])]);
    const group = Buffer.concat([Buffer.from([0x0a, value.length]), value, Buffer.from([0x10, 0x07])]);
    const withExtras = assertOk(await rawCall(client, 'Search', rawSearch({ placeholder_group: group })), 'extra fields');
    const plain = assertOk(await rawCall(client, 'Search', rawSearch({ placeholder_group: placeholderBytes(client, [vec]) })), 'plain');
    assert.ok(plain.results.ids.int_id.data.length > 0, 'the plain search finds rows');
    assert.deepEqual(withExtras.results.ids.int_id.data.map(String), plain.results.ids.int_id.data.map(String));
  });

  test('nq mismatch', async () => {
    const vecs = randomVectors(2, DIM, rand);
    const s = await client.search({ collection_name: name, data: vecs, nq: 3, limit: 3 });
    assertMilvusError(s, INVALID, 'nq 3 with 2 vectors (SDK)');
    const raw = await rawCall(client, 'Search', rawSearch({ nq: 1, placeholder_group: placeholderBytes(client, vecs.map(f32Bytes)) }));
    assertMilvusError(raw, INVALID, 'nq 1 with 2 vectors (raw)');
  });

  test('collection not loaded: 101', async () => {
    const other = uniqueName('unloaded');
    assertOk(await client.createCollection({
      collection_name: other,
      fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'embedding', data_type: DataType.FloatVector, dim: DIM }],
    }), 'create');
    assertOk(await client.createIndex({ collection_name: other, field_name: 'embedding', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    const s = await client.search({ collection_name: other, data: [randomVectors(1, DIM, rand)[0]], limit: 3 });
    assertMilvusError(s, { code: Code.CollectionNotLoaded, errorCode: 'UnexpectedError' }, 'search not loaded');
    const q = await client.query({ collection_name: other, filter: '', output_fields: ['count(*)'] });
    assertMilvusError(q, { code: Code.CollectionNotLoaded, errorCode: 'UnexpectedError' }, 'count not loaded');
    assertOk(await client.dropCollection({ collection_name: other }), 'drop');
  });

  test('after a crash and restart nothing rejected shows up', async () => {
    await closeAll([client]);
    await server.kill9();
    server = await startServer({ storage, name: 'bad-input-2', readyTimeoutMs: 60000 });
    client = await connect(server.address);
    await waitLoadState(client, name, 'LoadStateLoaded', 60000);
    const all = await client.query({ collection_name: name, filter: '', limit: 1000, output_fields: ['title'] });
    assertOk(all, 'scan');
    assert.equal(all.data.length, expected, 'only accepted rows');
    const ids = all.data.map((r) => Number(r.id)).sort((a, b) => a - b);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
  });
});
