// Compaction: ManualCompaction + GetCompactionState + GetCompactionStateWithPlans merge a
// collection's flushed segments into one (GetPersistentSegmentInfo, GetQuerySegmentInfo),
// without the deleted rows,
// with its index built before the swap; the merged segment and its index survive a restart
// (loaded, not rebuilt); a segment with a fifth of its rows deleted is rewritten without them;
// automatic compaction merges flushed segments without a request.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir, sleep } from './lib/server.mjs';
import { collectionFiles, storageObjects } from './lib/storage.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, loadSync, flushSync, rng,
  randomVectors, waitIndexFinished, waitLoadState, countRows, rawCall, Code,
} from './lib/milvus.mjs';

const DIM = 16;
const BATCH = 300;
const BATCHES = 3;
const DELETED = [1, 2, 3, 400, 899];

describe('compaction', { timeout: 300000 }, () => {
  const storage = tempDir('compaction');
  const rand = rng(77);
  const vectors = randomVectors(BATCH * BATCHES, DIM, rand);
  let server;
  let client;
  let name;
  let desc;
  let target;
  let indexStamps;

  const segments = async (collection) => {
    const res = await client.getPersistentSegmentInfo({ collectionName: collection });
    assertOk(res, 'getPersistentSegmentInfo');
    return res.infos.map((s) => ({ id: String(s.segmentID), rows: Number(s.num_rows), state: s.state }));
  };
  const fields = [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
  ];
  // Searches each row's own vector: the row itself must come first, unless it was deleted.
  const assertRowsFindThemselves = async (collection, ids) => {
    const res = await client.search({ collection_name: collection, data: ids.map((i) => vectors[i]), limit: 3, params: { ef: 200 } });
    assertOk(res, 'search');
    res.results.forEach((hits, q) => {
      const got = hits.map((h) => Number(h.id));
      if (DELETED.includes(ids[q])) assert.ok(!got.includes(ids[q]), `deleted row ${ids[q]} found: ${got}`);
      else assert.equal(got[0], ids[q], `row ${ids[q]} finds itself first: ${got}`);
    });
  };

  before(async () => {
    server = await startServer({ storage, name: 'compaction-1', extraArgs: ['--auto-compaction', 'false'] });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('without auto-compaction, each flush leaves its own segment', async () => {
    name = uniqueName('compact');
    assertOk(await client.createCollection({ collection_name: name, fields }), 'create');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'HNSW', metric_type: 'L2', params: { M: 16, efConstruction: 100 } }), 'createIndex');
    for (let b = 0; b < BATCHES; b += 1) {
      const data = [];
      for (let i = b * BATCH; i < (b + 1) * BATCH; i += 1) data.push({ id: i, vec: vectors[i] });
      assertOk(await client.insert({ collection_name: name, data }), 'insert');
      await flushSync(client, name);
    }
    await waitIndexFinished(client, name, 'vec');
    await loadSync(client, name);
    const segs = await segments(name);
    assert.equal(segs.length, BATCHES, JSON.stringify(segs));
    assert.deepEqual(segs.map((s) => s.rows), Array(BATCHES).fill(BATCH));
    assert.ok(segs.every((s) => s.state === 'Flushed'), JSON.stringify(segs));
    assertOk(await client.delete({ collection_name: name, filter: `id in [${DELETED.join(',')}]` }), 'delete');
    desc = await client.describeCollection({ collection_name: name });
  });

  test('ManualCompaction merges them into one segment, deleted rows left out', async () => {
    const before = (await segments(name)).map((s) => s.id).sort();
    const res = await client.compact({ collection_name: name });
    assertOk(res, 'compact');
    assert.ok(Number(res.compactionID) > 0, `compactionID ${res.compactionID}`);
    assert.equal(Number(res.compactionPlanCount), 1, 'one merge planned');
    let state;
    for (let i = 0; i < 300; i += 1) {
      state = await client.getCompactionState({ compactionID: res.compactionID });
      assertOk(state, 'getCompactionState');
      if (state.state === 'Completed') break;
      assert.equal(state.state, 'Executing');
      await sleep(100);
    }
    assert.equal(state.state, 'Completed');
    assert.equal(Number(state.completedPlanNo), 1);
    assert.equal(Number(state.failedPlanNo), 0);
    const plans = await client.getCompactionStateWithPlans({ compactionID: res.compactionID });
    assertOk(plans, 'getCompactionStateWithPlans');
    assert.equal(plans.mergeInfos.length, 1);
    assert.deepEqual(plans.mergeInfos[0].sources.map(String).sort(), before);
    target = String(plans.mergeInfos[0].target);

    const after = await segments(name);
    assert.deepEqual(after, [{ id: target, rows: BATCH * BATCHES - DELETED.length, state: 'Flushed' }]);
    assert.equal(await countRows(client, name), BATCH * BATCHES - DELETED.length);
    const stats = await client.getCollectionStatistics({ collection_name: name });
    assert.equal(Number(stats.data.row_count), BATCH * BATCHES - DELETED.length, 'deleted rows are gone from the statistics too');
    const index = await client.describeIndex({ collection_name: name });
    assertOk(index, 'describeIndex');
    assert.equal(Number(index.index_descriptions[0].indexed_rows), BATCH * BATCHES - DELETED.length);
    assert.equal(Number(index.index_descriptions[0].pending_index_rows), 0, 'indexed before the swap');
    await assertRowsFindThemselves(name, [0, 1, 5, 299, 300, 400, 650, 898, 899]);
    const query = await client.getQuerySegmentInfo({ collectionName: name });
    assertOk(query, 'getQuerySegmentInfo');
    assert.deepEqual(query.infos.map((s) => [String(s.segmentID), Number(s.num_rows), s.index_name, s.state]),
      [[target, BATCH * BATCHES - DELETED.length, index.index_descriptions[0].index_name, 'Sealed']], 'the loaded segment, searched through its index');

    // Only the merged segment's objects are left.
    for (const kind of ['insert_log', 'stats_log']) {
      const files = await collectionFiles(storage, kind, desc);
      assert.ok(files.length > 0, kind);
      for (const f of files) assert.equal(f.split('/')[2], target, `${kind}/${f}`);
    }
    const indexFiles = (await storageObjects(storage, 'index_files')).filter((o) => o.path.split('/')[3] === target);
    assert.equal(indexFiles.length, 1, 'one index file, for the merged segment');
    assert.equal((await storageObjects(storage, 'index_files')).length, 1, 'the sources\' index files are deleted');
    indexStamps = indexFiles;
  });

  test('a second request finds nothing to merge; unknown ids read as completed', async () => {
    const res = await client.compact({ collection_name: name });
    assertOk(res, 'compact again');
    assert.equal(Number(res.compactionPlanCount), 0, 'nothing planned');
    let state;
    for (let i = 0; i < 100; i += 1) {
      state = await client.getCompactionState({ compactionID: res.compactionID });
      if (state.state === 'Completed') break;
      await sleep(100);
    }
    assert.equal(state.state, 'Completed');
    assert.equal(Number(state.completedPlanNo), 0);
    assert.equal((await segments(name)).length, 1);
    const unknown = await client.getCompactionState({ compactionID: 12345 });
    assertOk(unknown, 'getCompactionState of an unknown id');
    assert.equal(unknown.state, 'Completed');
  });

  test('ManualCompaction of a collection that does not exist: 100', async () => {
    const res = await rawCall(client, 'ManualCompaction', { collectionID: 987654321 });
    assertMilvusError(res, { code: Code.CollectionNotFound }, 'ManualCompaction of a missing collection');
  });

  test('restart: the merged segment and its index are loaded, not rebuilt', async () => {
    await closeAll([client]);
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null }, 'clean exit');
    server = await startServer({ storage, name: 'compaction-2' });
    client = await connect(server.address);
    await waitLoadState(client, name, 'LoadStateLoaded', 60000);
    assert.deepEqual(await segments(name), [{ id: target, rows: BATCH * BATCHES - DELETED.length, state: 'Flushed' }]);
    assert.equal(await countRows(client, name), BATCH * BATCHES - DELETED.length);
    await assertRowsFindThemselves(name, [0, 2, 299, 400, 777]);
    const again = (await storageObjects(storage, 'index_files')).filter((o) => o.path.split('/')[3] === target);
    assert.deepEqual(again, indexStamps, 'the same index file, not rewritten');
  });

  test('a loaded segment with a fifth of its rows deleted is rewritten without them', async () => {
    const live = BATCH * BATCHES - DELETED.length;
    // Rows 600..899 are a third of the segment; one of them (899) was deleted before.
    assertOk(await client.delete({ collection_name: name, filter: 'id >= 600' }), 'delete');
    await flushSync(client, name);
    let segs;
    for (let i = 0; i < 300; i += 1) {
      segs = await segments(name);
      if (segs.length === 1 && segs[0].id !== target) break;
      await sleep(100);
    }
    assert.equal(segs.length, 1, JSON.stringify(segs));
    assert.notEqual(segs[0].id, target, 'rewritten');
    assert.equal(segs[0].rows, live - (BATCH - 1));
    assert.equal(await countRows(client, name), live - (BATCH - 1));
    await assertRowsFindThemselves(name, [0, 2, 299, 400, 599]);
  });

  test('automatic compaction (the default) merges flushed segments without a request', async () => {
    const auto = uniqueName('autocompact');
    assertOk(await client.createCollection({ collection_name: auto, fields }), 'create');
    for (let b = 0; b < BATCHES; b += 1) {
      const data = [];
      for (let i = b * BATCH; i < (b + 1) * BATCH; i += 1) data.push({ id: i, vec: vectors[i] });
      assertOk(await client.insert({ collection_name: auto, data }), 'insert');
      await flushSync(client, auto);
    }
    let segs;
    for (let i = 0; i < 300; i += 1) {
      segs = await segments(auto);
      if (segs.length === 1) break;
      await sleep(100);
    }
    assert.equal(segs.length, 1, JSON.stringify(segs));
    assert.equal(segs[0].rows, BATCH * BATCHES);
    assertMilvusError(await client.getQuerySegmentInfo({ collectionName: auto }), { code: Code.CollectionNotLoaded }, 'getQuerySegmentInfo before load');
    await loadSync(client, auto);
    assert.equal(await countRows(client, auto), BATCH * BATCHES);
  });
});
