// Array fields through the Node SDK: Int64, VarChar, Float and a nullable Int32 array; rows
// inserted (sealed by Flush, and growing), array filters in query and search compared with
// row sets computed here, outputs read back as JS arrays, the same answers after a restart,
// and bad input (over capacity, wrong element type, VarChar element too long, schema errors,
// filter type errors) refused with nothing written.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, settle, loadSync, flushSync,
  rng, randomVectors, countRows, rawCall, Code, waitLoadState,
} from './lib/milvus.mjs';

const DIM = 8;
const INVALID = { code: Code.InvalidParameter, errorCode: 'IllegalArgument' };
const WORDS = ['red', 'green', 'blue', 'amber', 'teal', 're', 'x_y', ''];

// Row i: ints (Int64, up to 10), tags (VarChar up to 12 bytes, up to 6), reals (Float, up to 4,
// multiples of 0.25 so they are exact in float32), maybe (nullable Int32 array, up to 3).
function makeRow(i, vec) {
  const ints = Array.from({ length: i % 7 }, (_, k) => (i * 13 + k * 7) % 40 - 10);
  const tags = Array.from({ length: (i >> 1) % 5 }, (_, k) => WORDS[(i + 3 * k) % WORDS.length]);
  const reals = Array.from({ length: i % 5 }, (_, k) => ((i + k) % 9) * 0.25);
  const maybe = i % 6 === 0 ? null : Array.from({ length: i % 4 }, (_, k) => i + k);
  return { id: i, vec, ints, tags, reals, maybe };
}

const has = (a, v) => a.includes(v);
const eqArr = (a, b) => a.length === b.length && a.every((x, k) => x === b[k]);
const notNull = (r) => r.maybe !== null;

// [filter, predicate over a source row]
const CASES = [
  ['array_contains(ints, 5)', (r) => has(r.ints, 5)],
  ['not array_contains(ints, 5)', (r) => !has(r.ints, 5)],
  ['array_contains_all(ints, [3, 10])', (r) => has(r.ints, 3) && has(r.ints, 10)],
  ['array_contains_any(ints, [-10, 0, 29])', (r) => [-10, 0, 29].some((v) => has(r.ints, v))],
  ['array_contains_any(ints, [])', () => false],
  ['array_contains_all(ints, [])', () => true],
  ['array_length(ints) == 0', (r) => r.ints.length === 0],
  ['array_length(ints) > 4', (r) => r.ints.length > 4],
  ['array_length(ints) < array_length(tags)', (r) => r.ints.length < r.tags.length],
  ['ints[0] > 5', (r) => r.ints.length > 0 && r.ints[0] > 5],
  ['ints[0] >= 5 and ints[1] < 0', (r) => r.ints.length > 1 && r.ints[0] >= 5 && r.ints[1] < 0],
  ['ints[5] == 1', (r) => r.ints.length > 5 && r.ints[5] === 1],
  ['ints[9] > -100', () => false],
  ['ints[2] in [1, 2, 3, 4]', (r) => r.ints.length > 2 && [1, 2, 3, 4].includes(r.ints[2])],
  ['ints[0] + ints[1] == 7', (r) => r.ints.length > 1 && r.ints[0] + r.ints[1] === 7],
  ['ints == [26, -7]', (r) => eqArr(r.ints, [26, -7])],
  ['ints != []', (r) => r.ints.length > 0],
  ['array_contains(tags, "red")', (r) => has(r.tags, 'red')],
  ['array_contains(tags, "")', (r) => has(r.tags, '')],
  ['array_contains_all(tags, ["green", "teal"])', (r) => has(r.tags, 'green') && has(r.tags, 'teal')],
  ['array_contains_any(tags, ["amber", "x_y"])', (r) => has(r.tags, 'amber') || has(r.tags, 'x_y')],
  ['tags[0] like "re%"', (r) => r.tags.length > 0 && r.tags[0].startsWith('re')],
  ['tags[1] == "blue"', (r) => r.tags.length > 1 && r.tags[1] === 'blue'],
  ['tags == ["teal", "green"]', (r) => eqArr(r.tags, ['teal', 'green'])],
  ['array_length(tags) == 4 and id < 150', (r) => r.tags.length === 4 && r.id < 150],
  ['array_contains(reals, 0.5)', (r) => has(r.reals, 0.5)],
  ['array_contains_any(reals, [2, 1.75])', (r) => has(r.reals, 2) || has(r.reals, 1.75)],
  ['reals[1] > 1.5', (r) => r.reals.length > 1 && r.reals[1] > 1.5],
  ['reals == [0.25, 0.5]', (r) => eqArr(r.reals, [0.25, 0.5])],
  ['maybe is null', (r) => r.maybe === null],
  ['maybe is not null and array_length(maybe) == 2', (r) => notNull(r) && r.maybe.length === 2],
  ['array_contains(maybe, 31)', (r) => notNull(r) && has(r.maybe, 31)],
  ['not array_contains(maybe, 31)', (r) => notNull(r) && !has(r.maybe, 31)],
  ['maybe[0] % 2 == 1 or array_contains(tags, "blue")', (r) => (notNull(r) && r.maybe.length > 0 && r.maybe[0] % 2 === 1) || has(r.tags, 'blue')],
];

describe('array fields', { timeout: 300000 }, () => {
  const storage = tempDir('array-fields');
  let server;
  let client;
  const name = uniqueName('arrays');
  const rand = rng(2024);
  const rows = randomVectors(360, DIM, rand).map((vec, i) => makeRow(i, vec));
  const query = randomVectors(1, DIM, rand)[0];

  const ids = (data) => data.map((r) => Number(r.id)).sort((a, b) => a - b);
  const expectIds = (pred) => rows.filter(pred).map((r) => r.id);

  // Every filter through query and through search (limit above the row count, so search
  // returns every match).
  async function runCases() {
    for (const [filter, pred] of CASES) {
      const want = rows.filter(pred).map((r) => r.id).sort((a, b) => a - b);
      const q = await client.query({ collection_name: name, filter, output_fields: ['id'], limit: 16384 });
      assertOk(q, `query ${filter}`);
      assert.deepEqual(ids(q.data), want, `query ${filter}`);
      const s = await client.search({ collection_name: name, data: [query], filter, limit: 1000, output_fields: ['id'] });
      assertOk(s, `search ${filter}`);
      assert.deepEqual(ids(s.results), want, `search ${filter}`);
    }
  }

  // Outputs of the first rows, exact.
  async function checkOutputs(fields) {
    const q = await client.query({ collection_name: name, filter: 'id < 40', output_fields: fields, limit: 100 });
    assertOk(q, 'query outputs');
    assert.equal(q.data.length, 40);
    for (const got of q.data) {
      const want = rows[Number(got.id)];
      assert.deepEqual(got.ints.map(Number), want.ints, `ints of row ${want.id}`);
      assert.deepEqual(got.tags, want.tags, `tags of row ${want.id}`);
      assert.deepEqual(got.reals, want.reals, `reals of row ${want.id}`);
      assert.deepEqual(got.maybe, want.maybe, `maybe of row ${want.id}`);
    }
  }

  before(async () => {
    server = await startServer({ storage, name: 'arrays-1' });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('create with array fields; describe reports element_type and max_capacity', async () => {
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'ints', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 10 },
        { name: 'tags', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 6, max_length: 12 },
        { name: 'reals', data_type: DataType.Array, element_type: DataType.Float, max_capacity: 4 },
        { name: 'maybe', data_type: DataType.Array, element_type: DataType.Int32, max_capacity: 3, nullable: true },
      ],
    }), 'create');
    const desc = await client.describeCollection({ collection_name: name });
    assertOk(desc, 'describe');
    const f = Object.fromEntries(desc.schema.fields.map((x) => [x.name, x]));
    assert.equal(f.ints.data_type, 'Array');
    assert.equal(f.ints.element_type, 'Int64');
    assert.equal(String(f.ints.max_capacity), '10');
    assert.equal(f.tags.element_type, 'VarChar');
    assert.equal(String(f.tags.max_capacity), '6');
    assert.equal(String(f.tags.max_length), '12');
    assert.equal(f.reals.element_type, 'Float');
    assert.equal(f.maybe.nullable, true);
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
  });

  test('insert, flush part of the rows, query and search with array filters', async () => {
    for (let s = 0; s < 300; s += 150) assertOk(await client.insert({ collection_name: name, data: rows.slice(s, s + 150) }), 'insert');
    await flushSync(client, name);
    assertOk(await client.insert({ collection_name: name, data: rows.slice(300) }), 'insert growing rows');
    await loadSync(client, name);
    assert.equal(await countRows(client, name), rows.length);
    // The data makes most filters select some rows but not all, so a wrong answer shows.
    const partial = CASES.filter(([, pred]) => {
      const n = expectIds(pred).length;
      return n > 0 && n < rows.length;
    });
    assert.ok(partial.length >= 30, `${partial.length} of ${CASES.length} filters select a proper subset`);
    await runCases();
  });

  test('outputs: arrays come back as JS arrays, with * too, nulls as null', async () => {
    await checkOutputs(['id', 'ints', 'tags', 'reals', 'maybe']);
    await checkOutputs(['*']);
    const s = await client.search({ collection_name: name, data: [query], filter: 'id in [7, 8]', limit: 5, output_fields: ['tags', 'maybe'] });
    assertOk(s, 'search outputs');
    const got = Object.fromEntries(s.results.map((h) => [Number(h.id), [h.tags, h.maybe]]));
    assert.deepEqual(got, { 7: [rows[7].tags, rows[7].maybe], 8: [rows[8].tags, rows[8].maybe] });
  });

  test('bad input: over capacity, wrong element type, VarChar element too long; nothing written', async () => {
    const before = await countRows(client, name);
    const base = (id) => ({ ...makeRow(id, randomVectors(1, DIM, rand)[0]), id: 10000 + id });
    const over = [base(1), { ...base(2), ints: Array.from({ length: 11 }, (_, k) => k) }];
    assertMilvusError(await settle(() => client.insert({ collection_name: name, data: over })),
      { ...INVALID, mentions: ['ints', 'row 1', 'max_capacity 10'] }, 'array over capacity');
    const long = [{ ...base(3), tags: ['ok', 'x'.repeat(13)] }];
    assertMilvusError(await settle(() => client.insert({ collection_name: name, data: long })),
      { ...INVALID, mentions: ['tags', 'row 0', 'max_length 12'] }, 'VarChar element too long');
    const tooManyNullable = [{ ...base(4), maybe: [1, 2, 3, 4] }];
    assertMilvusError(await settle(() => client.insert({ collection_name: name, data: tooManyNullable })),
      { ...INVALID, mentions: ['maybe', 'max_capacity 3'] }, 'nullable array over capacity');

    // Hand-built requests: elements of another type than the schema's.
    const arrayOf = (data) => ({ type: 'Array', field_name: 'ints', scalars: { array_data: data } });
    const raw = (ints) => ({
      collection_name: name,
      num_rows: 1,
      fields_data: [
        { type: 'Int64', field_name: 'id', scalars: { long_data: { data: [20000] } } },
        { type: 'FloatVector', field_name: 'vec', vectors: { dim: DIM, float_vector: { data: new Array(DIM).fill(0.5) } } },
        ints,
        { type: 'Array', field_name: 'tags', scalars: { array_data: { element_type: 'VarChar', data: [{ string_data: { data: ['a'] } }] } } },
        { type: 'Array', field_name: 'reals', scalars: { array_data: { element_type: 'Float', data: [{ float_data: { data: [1] } }] } } },
      ],
    });
    assertMilvusError(await rawCall(client, 'Insert', raw(arrayOf({ element_type: 'Int64', data: [{ string_data: { data: ['x'] } }] }))),
      { ...INVALID, mentions: ['ints', 'row 0', 'string'] }, 'strings in an Int64 array');
    assertMilvusError(await rawCall(client, 'Insert', raw(arrayOf({ element_type: 'VarChar', data: [{ string_data: { data: ['x'] } }] }))),
      { ...INVALID, mentions: ['ints', 'Int64', 'VarChar'] }, 'declared element type VarChar');
    assertMilvusError(await rawCall(client, 'Insert', raw({ type: 'Int64', field_name: 'ints', scalars: { long_data: { data: [1] } } })),
      { ...INVALID, mentions: ['ints', 'Array'] }, 'plain scalars for an array field');
    assertOk(await rawCall(client, 'Insert', raw(arrayOf({ element_type: 'Int64', data: [{ long_data: { data: [1, 2] } }] }))), 'a well-formed raw insert');
    rows.push({ ...makeRow(0, []), id: 20000, ints: [1, 2], tags: ['a'], reals: [1], maybe: null });
    assert.equal(await countRows(client, name), before + 1, 'only the well-formed insert was written');
  });

  test('bad schemas and filter type errors', async () => {
    const create = (field) => settle(() => client.createCollection({
      collection_name: uniqueName('bad_array'),
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        field,
      ],
    }));
    assertMilvusError(await create({ name: 'a', data_type: DataType.Array, element_type: DataType.Int64 }),
      { ...INVALID, mentions: ['max_capacity', "'a'"] }, 'no max_capacity');
    assertMilvusError(await create({ name: 'a', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 5000 }),
      { ...INVALID, mentions: ['max_capacity', '4096'] }, 'max_capacity too large');
    assertMilvusError(await create({ name: 'a', data_type: DataType.Array, element_type: DataType.JSON, max_capacity: 5 }),
      { ...INVALID, mentions: ["'a'", 'element type JSON'] }, 'JSON elements');
    assertMilvusError(await create({ name: 'a', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 5 }),
      { ...INVALID, mentions: ["'a'", 'max_length'] }, 'VarChar elements without max_length');
    for (const [filter, mentions] of [
      ['array_contains(ints, "x")', ['ints', 'Int64', 'position 21']],
      ['array_contains(tags, 3)', ['tags', 'VarChar']],
      ['ints > 3', ['ints', 'Array']],
      ['ints[0] == "a"', ['ints[0]', 'string']],
      ['ints == [1, 2.5]', ['ints', '2.5']],
    ]) {
      const q = await client.query({ collection_name: name, filter, output_fields: ['id'] });
      assertMilvusError(q, { ...INVALID, mentions }, `filter ${filter}`);
    }
  });

  test('after a restart: the same answers from column files and the WAL', async () => {
    const expectedCount = rows.length;
    await closeAll([client]);
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null }, 'clean exit');
    server = await startServer({ storage, name: 'arrays-2' });
    client = await connect(server.address);
    await waitLoadState(client, name, 'LoadStateLoaded', 60000);
    assert.equal(await countRows(client, name), expectedCount);
    await runCases();
    await checkOutputs(['*']);
  });
});
