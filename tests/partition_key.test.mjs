// The partition key through the Node SDK: collections with a VarChar key (8 partitions) and an
// Int64 key (the default 16) get partitions `_default_0` ...; rows spread over them by hash;
// queries, counts and searches filtered on the key (== and in, pruned to the partitions the
// values hash to) return exactly the rows computed here, before and after Flush and after a
// SIGKILL restart; an upsert that changes a row's key moves it; deletes by a key filter; and
// every partition-key misuse is a Milvus error that writes nothing.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, settle, loadSync,
  flushSync, rng, randomVectors, countRows, rawCall, bruteForce, assertSameHits, kv, Code,
} from './lib/milvus.mjs';

const DIM = 8;
const N = 2000;
const KEYS = 20;
const INVALID = { code: Code.InvalidParameter, errorCode: 'IllegalArgument' };
const NO_NAMES = { ...INVALID, mentions: ['partition key mode'] };

describe('partition key', { timeout: 300000 }, () => {
  const storage = tempDir('partition-key');
  let server;
  let client;
  const byColor = uniqueName('pkey_color');  // VarChar key, num_partitions 8
  const byYear = uniqueName('pkey_year');    // Int64 key, default partition count
  const rand = rng(2024);
  const colors = Array.from({ length: KEYS }, (_, i) => `color_${i}`);
  // The expected rows, kept beside the server's: id -> { color, year, vec }.
  const model = new Map();
  randomVectors(N, DIM, rand).forEach((vec, id) => {
    model.set(id, { color: colors[Math.floor(rand() * KEYS)], year: 2000 + Math.floor(rand() * KEYS), vec });
  });
  const row = (id) => ({ id, ...model.get(id) });
  const queryVec = randomVectors(1, DIM, rand)[0];

  const sortedIds = (rows) => rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  const expectedIds = (pred) => [...model.entries()].filter(([id, r]) => pred(r, id)).map(([id]) => id).sort((a, b) => a - b);

  // Filtered query, count(*) and search on one collection: exactly the model's rows passing
  // pred(row, id).
  async function expectFiltered(collection_name, filter, pred, what) {
    const want = expectedIds(pred);
    const res = await client.query({ collection_name, filter, output_fields: ['id', 'color', 'year'], limit: 16384 });
    assertOk(res, `${what}: query ${filter}`);
    assert.deepEqual(sortedIds(res.data), want, `${what}: query ${filter}`);
    for (const r of res.data) {
      assert.equal(r.color, model.get(Number(r.id)).color, `${what}: color of ${r.id}`);
      assert.equal(Number(r.year), model.get(Number(r.id)).year, `${what}: year of ${r.id}`);
    }
    const count = await client.query({ collection_name, filter, output_fields: ['count(*)'] });
    assertOk(count, `${what}: count ${filter}`);
    assert.equal(Number(count.data[0]['count(*)']), want.length, `${what}: count(*) where ${filter}`);
    const k = 20;
    const search = await client.search({ collection_name, data: [queryVec], filter, limit: k, output_fields: ['color'] });
    assertOk(search, `${what}: search ${filter}`);
    const expected = bruteForce('L2', want, want.map((id) => model.get(id).vec), queryVec, k);
    assertSameHits(search.results, expected, `${what}: search ${filter}`);
  }

  async function expectReads(what) {
    for (const c of [byColor, byYear]) assert.equal(await countRows(client, c), model.size, `${what}: count(*) of ${c}`);
    await expectFiltered(byColor, 'color == "color_3"', (r) => r.color === 'color_3', what);
    await expectFiltered(byColor, 'color in ["color_1", "color_7", "color_12", "nope"] and id < 1500',
      (r, id) => ['color_1', 'color_7', 'color_12'].includes(r.color) && id < 1500, what);
    await expectFiltered(byColor, 'color == "color_5" or color == "color_6"', (r) => r.color === 'color_5' || r.color === 'color_6', what);
    await expectFiltered(byYear, 'year == 2005', (r) => r.year === 2005, what);
    await expectFiltered(byYear, 'year in [2001, 2010, 2019] and color != "color_0"',
      (r) => [2001, 2010, 2019].includes(r.year) && r.color !== 'color_0', what);
  }

  // A CreateCollection whose schema the SDK would refuse to build (it checks some rules itself).
  function rawCreate(collection_name, fields, extra = {}) {
    const type = client.schemaProto.lookupType('milvus.proto.schema.CollectionSchema');
    const schema = type.encode(type.create({ name: collection_name, fields })).finish();
    return rawCall(client, 'CreateCollection', { collection_name, schema, shards_num: 1, ...extra });
  }

  before(async () => {
    // Without automatic compaction: it drops rows deletes hide, which changes the row_count
    // statistics the restart test compares, at a moment the test does not control.
    server = await startServer({ storage, name: 'partition-key-1', extraArgs: ['--auto-compaction', 'false'] });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('create: partitions _default_0 ..., num_partitions and is_partition_key described', async () => {
    const fields = (key) => [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'color', data_type: DataType.VarChar, max_length: 32, is_partition_key: key === 'color' },
      { name: 'year', data_type: DataType.Int64, is_partition_key: key === 'year' },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
    ];
    assertOk(await client.createCollection({ collection_name: byColor, fields: fields('color'), num_partitions: 8 }), 'create color');
    assertOk(await client.createCollection({ collection_name: byYear, fields: fields('year') }), 'create year');
    for (const [name, n, key] of [[byColor, 8, 'color'], [byYear, 16, 'year']]) {
      const show = await client.showPartitions({ collection_name: name });
      assertOk(show, `show ${name}`);
      assert.deepEqual(show.partition_names, Array.from({ length: n }, (_, i) => `_default_${i}`));
      const desc = await client.describeCollection({ collection_name: name });
      assertOk(desc, `describe ${name}`);
      assert.equal(Number(desc.num_partitions), n, `num_partitions of ${name}`);
      const keyFields = desc.schema.fields.filter((f) => f.is_partition_key).map((f) => f.name);
      assert.deepEqual(keyFields, [key]);
      assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), `index ${name}`);
      await loadSync(client, name);
    }
  });

  test('insert 2000 rows over 20 key values: partition statistics add up, rows spread', async () => {
    const ids = [...model.keys()];
    for (const name of [byColor, byYear])
      for (let i = 0; i < ids.length; i += 1000)
        assertOk(await client.insert({ collection_name: name, data: ids.slice(i, i + 1000).map(row) }), `insert into ${name}`);
    for (const name of [byColor, byYear]) {
      const show = await client.showPartitions({ collection_name: name });
      const counts = [];
      for (const p of show.partition_names) {
        const stats = await client.getPartitionStatistics({ collection_name: name, partition_name: p });
        assertOk(stats, `stats ${name}.${p}`);
        counts.push(Number(stats.data.row_count));
      }
      assert.equal(counts.reduce((a, b) => a + b, 0), N, `${name}: partition row counts sum to the rows`);
      assert.ok(counts.filter((c) => c > 0).length > 1, `${name}: rows in more than one partition: ${counts}`);
      // 20 key values, each in exactly one partition: at most 20 partitions hold rows.
      assert.ok(counts.filter((c) => c > 0).length <= KEYS, `${name}: ${counts}`);
    }
    await expectReads('growing');
  });

  test('after Flush: the same answers from sealed segments', async () => {
    await flushSync(client, [byColor, byYear]);
    await expectReads('flushed');
  });

  test('upsert that changes the key value moves the row; delete by a key filter', async () => {
    for (const id of [5, 6, 1999]) model.get(id).color = 'color_moved';
    model.get(5).year = 2042;
    model.set(3000, { color: 'color_moved', year: 2042, vec: queryVec });
    for (const name of [byColor, byYear])
      assertOk(await client.upsert({ collection_name: name, data: [5, 6, 1999, 3000].map(row) }), `upsert ${name}`);
    for (const name of [byColor, byYear]) {
      const res = await client.query({ collection_name: name, filter: 'id in [5, 6, 1999, 3000]', output_fields: ['color', 'year'] });
      assertOk(res, 'query moved');
      assert.deepEqual(res.data.map((r) => [Number(r.id), r.color, Number(r.year)]).sort((a, b) => a[0] - b[0]),
        [5, 6, 1999, 3000].map((id) => [id, model.get(id).color, model.get(id).year]), `${name}: each upserted row once`);
    }
    await expectFiltered(byColor, 'color == "color_moved"', (r) => r.color === 'color_moved', 'moved');
    await expectFiltered(byYear, 'year == 2042', (r) => r.year === 2042, 'moved');

    for (const name of [byColor, byYear]) {
      const res = await client.delete({ collection_name: name, filter: 'color in ["color_7", "color_moved"]' });
      assertOk(res, `delete ${name}`);
    }
    const gone = [...model.entries()].filter(([, r]) => r.color === 'color_7' || r.color === 'color_moved').map(([id]) => id);
    assert.ok(gone.length > 50);
    for (const id of gone) model.delete(id);
    await expectFiltered(byColor, 'color in ["color_7", "color_moved"]', () => false, 'deleted');
    await expectReads('after upsert and delete');
  });

  test('misuse is a Milvus error and writes nothing', async () => {
    const before = await countRows(client, byColor);
    assertMilvusError(await client.createPartition({ collection_name: byColor, partition_name: 'extra' }),
      { ...INVALID, mentions: ['disable create partition'] }, 'create partition');
    assertMilvusError(await client.dropPartition({ collection_name: byColor, partition_name: '_default_1' }),
      { ...INVALID, mentions: ['disable drop partition'] }, 'drop partition');
    assertMilvusError(await settle(() => client.insert({ collection_name: byColor, partition_name: '_default_0', data: [row(0)] })),
      NO_NAMES, 'insert with partition_name');
    assertMilvusError(await settle(() => client.upsert({ collection_name: byColor, partition_name: '_default_0', data: [row(0)] })),
      NO_NAMES, 'upsert with partition_name');
    assertMilvusError(await settle(() => client.delete({ collection_name: byColor, partition_name: '_default_0', filter: 'id in [0, 1]' })),
      NO_NAMES, 'delete with partition_name');
    assertMilvusError(await client.search({ collection_name: byColor, data: [queryVec], limit: 3, partition_names: ['_default_0'] }),
      NO_NAMES, 'search with partition_names');
    assertMilvusError(await client.query({ collection_name: byColor, filter: 'id >= 0', limit: 3, partition_names: ['_default_0'] }),
      NO_NAMES, 'query with partition_names');
    assert.equal(await countRows(client, byColor), before, 'count(*) unchanged');
    await expectFiltered(byColor, 'id in [0, 1]', (r, id) => id === 0 || id === 1, 'after refusals');

    const vec = { name: 'vec', dataType: DataType.FloatVector, typeParams: kv({ dim: DIM }) };
    const pk = { name: 'id', dataType: DataType.Int64, isPrimaryKey: true };
    const bad = uniqueName('pkey_bad');
    assertMilvusError(await rawCreate(bad, [pk, vec,
      { name: 'a', dataType: DataType.Int64, isPartitionKey: true },
      { name: 'b', dataType: DataType.VarChar, isPartitionKey: true, typeParams: kv({ max_length: 8 }) }]),
    { ...INVALID, mentions: ['more than one partition key'] }, 'two key fields');
    assertMilvusError(await rawCreate(bad, [pk, vec, { name: 'f', dataType: DataType.Float, isPartitionKey: true }]),
      { ...INVALID, mentions: ['partition key should be Int64 or VarChar'] }, 'key on a Float field');
    assertMilvusError(await rawCreate(bad, [{ ...pk, isPartitionKey: true }, vec]),
      { ...INVALID, mentions: ['must not be primary field'] }, 'key on the primary key');
    assertMilvusError(await rawCreate(bad, [pk, vec, { name: 'a', dataType: DataType.Int64, isPartitionKey: true }], { num_partitions: 2000 }),
      { ...INVALID, mentions: ['exceeds max configuration'] }, 'too many partitions');
    assertMilvusError(await settle(() => client.createCollection({ collection_name: bad, fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: DIM }], num_partitions: 4 })),
    { ...INVALID, mentions: ['num_partitions should only be specified with partition key field enabled'] }, 'num_partitions without a key');
    const has = await client.hasCollection({ collection_name: bad });
    assertOk(has, 'has');
    assert.equal(has.value, false, 'no collection was created by the refused calls');
  });

  test('SIGKILL restart: sealed segments plus WAL replay route every row to the same partition', async () => {
    const stats = async (name) => {
      const show = await client.showPartitions({ collection_name: name });
      const out = [];
      for (const p of show.partition_names)
        out.push(Number((await client.getPartitionStatistics({ collection_name: name, partition_name: p })).data.row_count));
      return out;
    };
    const beforeStats = [await stats(byColor), await stats(byYear)];
    await closeAll([client]);
    await server.stop('SIGKILL');
    server = await startServer({ storage, name: 'partition-key-2', readyTimeoutMs: 60000, extraArgs: ['--auto-compaction', 'false'] });
    client = await connect(server.address);
    await loadSync(client, byColor);
    await loadSync(client, byYear);
    assert.deepEqual([await stats(byColor), await stats(byYear)], beforeStats, 'partition statistics after restart');
    await expectReads('after restart');
    // Writes after the restart are routed the same way.
    model.set(4000, { color: 'color_3', year: 2005, vec: queryVec });
    for (const name of [byColor, byYear]) assertOk(await client.insert({ collection_name: name, data: [row(4000)] }), 'insert after restart');
    await expectReads('insert after restart');
  });
});
