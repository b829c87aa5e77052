// Partitions through the Node SDK: create / has / show / stats, insert into and search or query
// with partition names, load and release single partitions (persisted across restarts), drop
// (released first; `_default` never), and the errors for unknown or unloaded partitions.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, settle, flushSync, rng,
  randomVectors, countRows, Code,
} from './lib/milvus.mjs';

const DIM = 8;

describe('partitions', { timeout: 300000 }, () => {
  const storage = tempDir('partitions');
  let server;
  let client;
  const name = uniqueName('parts');
  const rand = rng(99);
  const vectors = randomVectors(300, DIM, rand);
  // ids 0..99 in _default, 100..199 in p_a, 200..299 in p_b.
  const partitionOf = (id) => (id < 100 ? '_default' : id < 200 ? 'p_a' : 'p_b');
  const rowsOf = (lo, hi) => vectors.slice(lo, hi).map((vec, i) => ({ id: lo + i, vec, n: lo + i }));

  async function ids(args) {
    const res = await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id'], limit: 16384, ...args });
    assertOk(res, `query ${JSON.stringify(args)}`);
    return res.data.map((r) => Number(r.id)).sort((a, b) => a - b);
  }
  const range = (lo, hi) => Array.from({ length: hi - lo }, (_, i) => lo + i);

  before(async () => {
    server = await startServer({ storage, name: 'partitions-1' });
    client = await connect(server.address);
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'n', data_type: DataType.Int64 },
      ],
    }), 'create');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('create, has, show', async () => {
    for (const p of ['p_a', 'p_b']) assertOk(await client.createPartition({ collection_name: name, partition_name: p }), `create ${p}`);
    assertOk(await client.createPartition({ collection_name: name, partition_name: 'p_a' }), 'creating again succeeds');
    const has = await client.hasPartition({ collection_name: name, partition_name: 'p_a' });
    assertOk(has, 'has');
    assert.equal(has.value, true);
    const hasNot = await client.hasPartition({ collection_name: name, partition_name: 'zzz' });
    assert.equal(hasNot.value, false);
    const show = await client.showPartitions({ collection_name: name });
    assertOk(show, 'show');
    assert.deepEqual(show.partition_names, ['_default', 'p_a', 'p_b']);
    assert.equal(new Set(show.partitionIDs.map(String)).size, 3, 'distinct ids');
    for (const ts of show.created_timestamps) assert.ok(BigInt(ts) > 0n);
  });

  test('insert into partitions; statistics per partition', async () => {
    assertOk(await client.insert({ collection_name: name, data: rowsOf(0, 100) }), 'insert _default');
    assertOk(await client.insert({ collection_name: name, partition_name: 'p_a', data: rowsOf(100, 200) }), 'insert p_a');
    assertOk(await client.insert({ collection_name: name, partition_name: 'p_b', data: rowsOf(200, 300) }), 'insert p_b');
    const stats = await client.getPartitionStatistics({ collection_name: name, partition_name: 'p_a' });
    assertOk(stats, 'stats');
    assert.equal(Number(stats.data.row_count), 100);
    const bad = await settle(() => client.insert({ collection_name: name, partition_name: 'nope', data: rowsOf(0, 1) }));
    assertMilvusError(bad, { code: 200, mentions: ['partition'] }, 'insert into unknown partition');
  });

  test('load one partition: reads cover it only; unloaded partitions are refused', async () => {
    assertOk(await client.loadPartitions({ collection_name: name, partition_names: ['p_a'] }), 'load p_a');
    assert.deepEqual(await ids({}), range(100, 200));
    assert.equal(await countRows(client, name), 100);
    const res = await client.search({ collection_name: name, data: [vectors[150]], limit: 5, partition_names: ['p_a'] });
    assertOk(res, 'search p_a');
    assert.equal(Number(res.results[0].id), 150, 'nq = 1: the SDK returns a flat list of hits');
    const unloaded = await client.query({ collection_name: name, filter: 'id >= 0', partition_names: ['p_b'], limit: 10 });
    assertMilvusError(unloaded, { code: 201, mentions: ['not loaded'] }, 'query unloaded partition');
    const unknown = await client.search({ collection_name: name, data: [vectors[0]], limit: 5, partition_names: ['nope'] });
    assertMilvusError(unknown, { code: 200, mentions: ['partition'] }, 'search unknown partition');
    const show = await client.showPartitions({ collection_name: name });
    assert.deepEqual(show.inMemory_percentages?.map(Number) ?? [], [0, 100, 0]);
  });

  test('load more partitions; search with several partition names', async () => {
    assertOk(await client.loadPartitions({ collection_name: name, partition_names: ['p_b'] }), 'load p_b');
    assert.deepEqual(await ids({}), range(100, 300));
    const res = await client.search({ collection_name: name, data: [vectors[5], vectors[250]], limit: 3, partition_names: ['p_a', 'p_b'] });
    assertOk(res, 'search two partitions');
    for (const hits of res.results) for (const h of hits) assert.notEqual(partitionOf(Number(h.id)), '_default');
    assert.equal(Number(res.results[1][0].id), 250);
  });

  test('delete scoped to a partition; state survives flush and restart', async () => {
    assertOk(await client.delete({ collection_name: name, partition_name: 'p_b', filter: 'id in [250, 251, 150]' }), 'delete in p_b');
    assert.deepEqual(await ids({ partition_names: ['p_a'] }), range(100, 200), 'p_a untouched (150 lives in p_a)');
    await flushSync(client, [name]);
    await closeAll([client]);
    await server.stop('SIGTERM');
    server = await startServer({ storage, name: 'partitions-2' });
    client = await connect(server.address);
    const want = range(100, 300).filter((id) => id !== 250 && id !== 251);
    assert.deepEqual(await ids({}), want, 'loaded partitions and deletes survive restart');
    const loadState = await client.getLoadState({ collection_name: name, partition_names: ['_default'] });
    assertOk(loadState, 'load state _default');
    assert.equal(loadState.state, 'LoadStateNotLoad');
  });

  test('drop: _default never, loaded partitions only after release', async () => {
    const dflt = await client.dropPartition({ collection_name: name, partition_name: '_default' });
    assertMilvusError(dflt, { code: Code.InvalidParameter, mentions: ['default'] }, 'drop _default');
    const loaded = await client.dropPartition({ collection_name: name, partition_name: 'p_a' });
    assertMilvusError(loaded, { code: Code.InvalidParameter, mentions: ['release'] }, 'drop loaded');
    assertOk(await client.releasePartitions({ collection_name: name, partition_names: ['p_a'] }), 'release p_a');
    assertOk(await client.dropPartition({ collection_name: name, partition_name: 'p_a' }), 'drop p_a');
    const show = await client.showPartitions({ collection_name: name });
    assert.deepEqual(show.partition_names, ['_default', 'p_b']);
    assertOk(await client.loadCollection({ collection_name: name }), 'load all');
    const want = [...range(0, 100), ...range(200, 300).filter((id) => id !== 250 && id !== 251)];
    assert.deepEqual(await ids({}), want);
    await closeAll([client]);
    await server.stop('SIGKILL');
    server = await startServer({ storage, name: 'partitions-3' });
    client = await connect(server.address);
    assert.deepEqual(await ids({}), want, 'after SIGKILL');
    const stats = await client.getCollectionStatistics({ collection_name: name });
    assert.equal(Number(stats.data.row_count), 200);
  });
});
