// Nullable fields, default values and the dynamic field ($meta) through the Node SDK: insert
// with nulls, missing values and extra keys; filters on null and on dynamic keys; outputs
// checked exactly before and after flush + restart; bad input rejected with nothing written.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, settle, loadSync,
  flushSync, countRows, rawCall, waitLoadState, Code,
} from './lib/milvus.mjs';

const DIM = 4;
const INVALID = { code: Code.InvalidParameter, errorCode: 'IllegalArgument' };
const vec = (i) => [i, 1, 0, -i].map((x) => x / 8);

// age: nullable Int32; city: VarChar with default "none"; score: nullable Double with default
// 1.5; tags: nullable JSON; label: plain VarChar. Extra keys go to $meta.
const ROWS = [
  { id: 0, vec: vec(0), label: 'a', age: 30, city: 'paris', score: 2, tags: { k: 1 }, color: 'red', price: 5 },
  { id: 1, vec: vec(1), label: 'b', age: null, city: null, score: null, tags: null, color: 'blue', price: 20, nested: { a: { b: 1 } } },
  { id: 2, vec: vec(2), label: 'c', age: 41 },
  { id: 3, vec: vec(3), label: 'd', age: 25, city: 'rome', tags: { k: 3 }, color: 'red', price: 15 },
  { id: 4, vec: vec(4), label: 'e', score: 7.25, price: 11.5 },
  { id: 5, vec: vec(5), label: 'f', age: 52, city: 'oslo', tags: { k: 3, t: ['x'] }, color: 'green' },
];

// What a query with output_fields ['*'] returns for a row (without the vector): nulls as null,
// defaults filled in, the extra keys inside $meta.
function expectedRow(r) {
  const meta = {};
  for (const [k, v] of Object.entries(r)) {
    if (!['id', 'vec', 'label', 'age', 'city', 'score', 'tags'].includes(k)) meta[k] = v;
  }
  return {
    id: String(r.id),
    label: r.label,
    age: r.age ?? null,
    city: r.city ?? 'none',
    score: r.score ?? 1.5,
    tags: r.tags ?? null,
    $meta: meta,
  };
}

// filter -> ids, computed from ROWS with Milvus's null semantics.
const FILTERS = [
  ['age is null', [1, 4]],
  ['age is not null', [0, 2, 3, 5]],
  ['age > 26', [0, 2, 5]],
  ['not (age > 26)', [3]],
  ['age != 30', [2, 3, 5]],
  ['age in [25, 30]', [0, 3]],
  ['age > 26 or id == 1', [0, 1, 2, 5]],
  ['city == "none"', [1, 2, 4]],
  ['score == 1.5', [1, 2, 3, 5]],
  ['tags is null', [1, 2, 4]],
  ['tags["k"] == 3', [3, 5]],
  ['color == "red"', [0, 3]],
  ['price > 10', [1, 3, 4]],
  ['nested["a"]["b"] == 1', [1]],
  ['$meta["color"] in ["blue", "green"]', [1, 5]],
  ['exists price', [0, 1, 3, 4]],
  ['color == "red" and age is not null and age < 30', [3]],
  ['not (color == "red")', [1, 2, 4, 5]],
  // On a JSON path or dynamic key, null means no value: a null row or a missing key.
  ['color is null', [2, 4]],
  ['price is not null', [0, 1, 3, 4]],
  ['tags["k"] is null', [1, 2, 4]],
  ['nested["a"]["b"] is not null', [1]],
];

describe('nullable, default and dynamic fields', { timeout: 300000 }, () => {
  const storage = tempDir('nullable-dynamic');
  let server;
  let client;
  const name = uniqueName('nulls');
  const fixed = uniqueName('fixed');

  async function queryAll(output_fields, filter = 'id >= 0') {
    const res = await client.query({ collection_name: name, filter, output_fields, limit: 100 });
    assertOk(res, `query ${filter} ${output_fields}`);
    return res.data.sort((a, b) => Number(a.id) - Number(b.id));
  }

  // Everything the tests compare before and after the restart.
  async function observe() {
    const all = (await queryAll(['*'])).map(({ vec: _v, ...rest }) => rest);
    const filters = {};
    for (const [filter] of FILTERS) filters[filter] = (await queryAll(['id'], filter)).map((r) => Number(r.id));
    const picked = await queryAll(['age', 'color', 'price'], 'id in [0, 1, 2]');
    const search = await client.search({
      collection_name: name, data: [vec(3)], limit: 3, filter: 'color == "red" or age is null',
      output_fields: ['age', 'color'],
    });
    assertOk(search, 'search');
    return {
      all, filters, picked, search: search.results.map((h) => ({ id: String(h.id), age: h.age, color: h.color })),  // nq = 1: a flat list
    };
  }

  before(async () => {
    server = await startServer({ storage, name: 'nullable-1' });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('create with nullable and default fields and a dynamic field; describe reports them', async () => {
    assertOk(await client.createCollection({
      collection_name: name,
      enable_dynamic_field: true,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'label', data_type: DataType.VarChar, max_length: 8 },
        { name: 'age', data_type: DataType.Int32, nullable: true },
        { name: 'city', data_type: DataType.VarChar, max_length: 16, default_value: 'none' },
        { name: 'score', data_type: DataType.Double, nullable: true, default_value: 1.5 },
        { name: 'tags', data_type: DataType.JSON, nullable: true },
      ],
    }), 'create');
    const desc = await client.describeCollection({ collection_name: name });
    assertOk(desc, 'describe');
    assert.equal(desc.schema.enable_dynamic_field, true);
    const fields = Object.fromEntries(desc.schema.fields.map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(fields), ['id', 'vec', 'label', 'age', 'city', 'score', 'tags'], 'no $meta in describe');
    assert.equal(fields.age.nullable, true);
    assert.equal(fields.label.nullable, false);
    assert.equal(fields.city.default_value, 'none');
    assert.equal(fields.score.default_value, 1.5);
    assert.equal(fields.score.nullable, true);

    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    await loadSync(client, name);
    assertOk(await client.insert({ collection_name: name, data: ROWS }), 'insert');
    assert.equal(await countRows(client, name), ROWS.length);
  });

  test('query returns nulls, defaults and $meta exactly; filters follow null semantics', async () => {
    const seen = await observe();
    assert.deepEqual(seen.all, ROWS.map(expectedRow));
    for (const [filter, ids] of FILTERS) assert.deepEqual(seen.filters[filter], ids, filter);
    // Dynamic keys asked by name come back inside $meta, cut down to those keys.
    assert.deepEqual(seen.picked, [
      { id: '0', age: 30, $meta: { color: 'red', price: 5 } },
      { id: '1', age: null, $meta: { color: 'blue', price: 20 } },
      { id: '2', age: 41, $meta: {} },
    ]);
    // Search rows name dynamic keys directly (the SDK reads them out of $meta).
    // Matches: 0 and 3 (red), 1 and 4 (age null); the 3 nearest to vec(3) are 3, 4 and 1.
    assert.deepEqual(seen.search.map((h) => h.id), ['3', '4', '1']);
    assert.deepEqual(seen.search.find((h) => h.id === '1'), { id: '1', age: null, color: 'blue' });
    assert.deepEqual(seen.search.find((h) => h.id === '3'), { id: '3', age: 25, color: 'red' });
  });

  test('bad input: null into a field that is not nullable, unknown keys, nullable vectors', async () => {
    const before = await countRows(client, name);
    // The SDK drops the null of a plain field, so the column comes up one value short.
    assertMilvusError(await settle(() => client.insert({ collection_name: name, data: [{ id: 90, vec: vec(1), label: null }, { id: 91, vec: vec(1), label: 'z' }] })),
      { ...INVALID, mentions: ['label'] }, 'SDK insert with a null label');
    // A client that sends valid_data for it gets the null named.
    const raw = await rawCall(client, 'Insert', {
      collection_name: name,
      num_rows: 2,
      fields_data: [
        { type: 'Int64', field_name: 'id', scalars: { long_data: { data: [92, 93] } } },
        { type: 'FloatVector', field_name: 'vec', vectors: { dim: DIM, float_vector: { data: [...vec(1), ...vec(2)] } } },
        { type: 'VarChar', field_name: 'label', scalars: { string_data: { data: ['x'] } }, valid_data: [true, false] },
      ],
    });
    assertMilvusError(raw, { ...INVALID, mentions: ['label', 'row 1', 'null', 'not nullable'] }, 'raw insert with a null label');
    // Dynamic keys may not repeat a schema field.
    const clash = await rawCall(client, 'Insert', {
      collection_name: name,
      num_rows: 1,
      fields_data: [
        { type: 'Int64', field_name: 'id', scalars: { long_data: { data: [94] } } },
        { type: 'FloatVector', field_name: 'vec', vectors: { dim: DIM, float_vector: { data: vec(1) } } },
        { type: 'VarChar', field_name: 'label', scalars: { string_data: { data: ['x'] } } },
        { type: 'JSON', field_name: '$meta', is_dynamic: true, scalars: { json_data: { data: [Buffer.from('{"age":3}')] } } },
      ],
    });
    assertMilvusError(clash, { ...INVALID, mentions: ['age'] }, 'dynamic key naming a field');

    assertOk(await client.createCollection({
      collection_name: fixed,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      ],
    }), 'create fixed');
    const unknown = await rawCall(client, 'Insert', {
      collection_name: fixed,
      num_rows: 1,
      fields_data: [
        { type: 'Int64', field_name: 'id', scalars: { long_data: { data: [1] } } },
        { type: 'FloatVector', field_name: 'vec', vectors: { dim: DIM, float_vector: { data: vec(1) } } },
        { type: 'VarChar', field_name: 'colour', scalars: { string_data: { data: ['red'] } } },
      ],
    });
    assertMilvusError(unknown, { ...INVALID, mentions: ['colour', 'dynamic field'] }, 'unknown field without a dynamic field');
    const dynamicData = await rawCall(client, 'Insert', {
      collection_name: fixed,
      num_rows: 1,
      fields_data: [
        { type: 'Int64', field_name: 'id', scalars: { long_data: { data: [1] } } },
        { type: 'FloatVector', field_name: 'vec', vectors: { dim: DIM, float_vector: { data: vec(1) } } },
        { type: 'JSON', field_name: '$meta', is_dynamic: true, scalars: { json_data: { data: [Buffer.from('{"colour":"red"}')] } } },
      ],
    });
    assertMilvusError(dynamicData, { ...INVALID, mentions: ['enable_dynamic_field'] }, '$meta without a dynamic field');
    const filter = await client.query({ collection_name: fixed, filter: 'colour == "red"', output_fields: ['id'] });
    assertMilvusError(filter, { ...INVALID, mentions: ['colour'] }, 'filter on an unknown name without a dynamic field');

    const nullableVector = await settle(() => client.createCollection({
      collection_name: uniqueName('nullvec'),
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM, nullable: true },
      ],
    }));
    assertMilvusError(nullableVector, { ...INVALID, mentions: ['vec', 'nullable'] }, 'nullable vector field');
    const badDefault = await settle(() => client.createCollection({
      collection_name: uniqueName('baddefault'),
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'code', data_type: DataType.VarChar, max_length: 2, default_value: 'toolong' },
      ],
    }));
    assertMilvusError(badDefault, { ...INVALID, mentions: ['code', 'default value'] }, 'default longer than max_length');

    assert.equal(await countRows(client, name), before, 'nothing written by the rejected inserts');
  });

  test('flush and restart: the same rows, nulls, defaults and dynamic keys', async () => {
    const snapshot = await observe();
    await flushSync(client, name);
    await closeAll([client]);
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null }, 'clean exit');
    server = await startServer({ storage, name: 'nullable-2' });
    client = await connect(server.address);
    await waitLoadState(client, name, 'LoadStateLoaded', 60000);
    assert.deepEqual(await observe(), snapshot, 'identical after flush + restart');

    // Rows that only the WAL holds (no flush) come back the same way after a SIGKILL.
    const late = [{ id: 20, vec: vec(6), label: 'g', age: null, color: 'red' }];
    assertOk(await client.insert({ collection_name: name, data: late }), 'late insert');
    await closeAll([client]);
    await server.kill9();
    server = await startServer({ storage, name: 'nullable-3', readyTimeoutMs: 60000 });
    client = await connect(server.address);
    await waitLoadState(client, name, 'LoadStateLoaded', 60000);
    const [row] = (await queryAll(['*'], 'id == 20')).map(({ vec: _v, ...rest }) => rest);
    assert.deepEqual(row, expectedRow(late[0]));
    assert.deepEqual((await queryAll(['id'], 'age is null and color == "red"')).map((r) => Number(r.id)), [20]);
  });
});
