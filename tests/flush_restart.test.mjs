// Flush and restart: Flush + GetFlushState, column files under insert_log/, the WAL emptied,
// and after a clean restart on the same folder the same catalog, index, load state, rows and
// search results, read from the column files (which are not rewritten).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, tempDir, sleep } from './lib/server.mjs';
import { collectionFiles, columnFileStamps, storageFiles, waitWalEmpty } from './lib/storage.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, rng, randomVectors,
  countRows, queryByIds, listFiles, waitLoadState,
} from './lib/milvus.mjs';

const DIM = 16;

describe('flush and restart', { timeout: 300000 }, () => {
  const storage = tempDir('flush-restart');
  let server;
  let client;
  const name = uniqueName('flushed');
  const rand = rng(77);
  const vectors = randomVectors(600, DIM, rand);
  const rows = vectors.map((vec, i) => ({ id: 10 + i, vec, word: `word-${i}` }));
  const queries = randomVectors(3, DIM, rand);
  let snapshot;
  let stamps;

  // Everything a client can observe, for comparing across restarts.
  async function observe(c, ids) {
    const desc = await c.describeCollection({ collection_name: name });
    assertOk(desc, 'describe');
    const idx = await c.describeIndex({ collection_name: name });
    assertOk(idx, 'describeIndex');
    const found = await queryByIds(c, name, 'id', ids, ['word', 'vec']);
    found.sort((a, b) => Number(a.id) - Number(b.id));
    const search = await c.search({ collection_name: name, data: queries, limit: 10, output_fields: ['word'] });
    assertOk(search, 'search');
    return {
      collectionID: String(desc.collectionID),
      fields: desc.schema.fields.map((f) => [f.name, f.data_type, f.is_primary_key, String(f.dim ?? ''), String(f.max_length ?? '')]),
      index: idx.index_descriptions.map((d) => [d.index_name, d.field_name, JSON.stringify(d.params)]),
      count: await countRows(c, name),
      rows: found.map((r) => [String(r.id), r.word, r.vec.map((x) => Math.fround(x))]),
      search: search.results.map((hits) => hits.map((h) => [String(h.id), h.word, Math.fround(h.score)])),
    };
  }

  before(async () => {
    server = await startServer({ storage, name: 'flush-restart-1' });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('insert, Flush, GetFlushState until flushed', async () => {
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'word', data_type: DataType.VarChar, max_length: 32 },
      ],
    }), 'create');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 8 } }), 'index');
    for (let s = 0; s < 600; s += 200) assertOk(await client.insert({ collection_name: name, data: rows.slice(s, s + 200) }), 'insert');

    // The SDK's flush(): Flush returns segment ids and a flush timestamp per collection; the
    // client polls GetFlushState with them (pymilvus passes all three, Node's flushSync only ids).
    const f = await client.flush({ collection_names: [name] });
    assertOk(f, 'flush');
    assert.ok(f.coll_segIDs[name], `coll_segIDs has ${name}: ${JSON.stringify(f.coll_segIDs)}`);
    const segmentIDs = f.coll_segIDs[name].data;
    assert.ok(segmentIDs.length >= 1, 'at least one segment flushed');
    const flush_ts = f.coll_flush_ts[name];
    assert.ok(BigInt(flush_ts) > 0n, `coll_flush_ts ${flush_ts}`);
    const deadline = Date.now() + 60000;
    for (;;) {
      const st = await client.getFlushState({ segmentIDs, flush_ts, collection_name: name });
      assertOk(st, 'getFlushState');
      if (st.flushed) break;
      assert.ok(Date.now() < deadline, 'GetFlushState did not report flushed within 60 s');
      await sleep(200);
    }
    // Node's flushSync: Flush, then GetFlushState({segmentIDs}) until flushed.
    await flushSync(client, name);
    const stats = await client.getCollectionStatistics({ collection_name: name });
    assert.equal(Number(stats.data.row_count), 600, 'row_count after flush');
  });

  test('after flush: column files in insert_log/, nothing left in wal/', async () => {
    const desc = await client.describeCollection({ collection_name: name });
    const cols = await collectionFiles(storage, 'insert_log', desc);
    assert.ok(cols.length > 0, `insert_log/<${desc.collectionID}|${name}>/ holds column files; insert_log/ has: ${(await storageFiles(storage, 'insert_log')).slice(0, 10)}`);
    assert.ok((await storageFiles(storage, 'catalog')).length > 0, 'catalog/ holds a manifest');
    await waitWalEmpty(storage);
  });

  test('clean restart on the same folder: same everything, read from the column files', async () => {
    await loadSync(client, name);
    const ids = rows.map((r) => r.id);
    snapshot = await observe(client, ids);
    assert.equal(snapshot.count, 600);
    assert.equal(snapshot.rows.length, 600);
    stamps = await columnFileStamps(storage);

    await closeAll([client]);
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null }, 'clean exit');
    await waitWalEmpty(storage, 1000);
    server = await startServer({ storage, name: 'flush-restart-2' });
    client = await connect(server.address);

    // Load state is part of the catalog: a loaded collection comes back loaded.
    await waitLoadState(client, name, 'LoadStateLoaded', 60000);
    const again = await observe(client, ids);
    assert.deepEqual(again, snapshot, 'identical observations after restart');
    assert.deepEqual(await storageFiles(storage, 'wal'), [], 'restart wrote nothing to the WAL');
    assert.deepEqual(await columnFileStamps(storage), stamps, 'column files were read, not rewritten');
  });

  test('more rows after restart, SIGKILL: flushed files plus WAL replay give every row', async () => {
    const more = randomVectors(100, DIM, rand).map((vec, i) => ({ id: 5000 + i, vec, word: `late-${i}` }));
    assertOk(await client.insert({ collection_name: name, data: more }), 'insert after restart');
    assert.equal(await countRows(client, name), 700);
    await closeAll([client]);
    await server.kill9();
    server = await startServer({ storage, name: 'flush-restart-3', readyTimeoutMs: 60000 });
    client = await connect(server.address);
    await waitLoadState(client, name, 'LoadStateLoaded', 60000);
    assert.equal(await countRows(client, name), 700, 'flushed + replayed rows');
    const late = await queryByIds(client, name, 'id', more.map((r) => r.id), ['word']);
    assert.deepEqual(late.map((r) => r.word).sort(), more.map((r) => r.word).sort());
    const early = await queryByIds(client, name, 'id', rows.map((r) => r.id), ['word']);
    assert.equal(early.length, 600, 'flushed rows once each');
    await flushSync(client, name);
    await waitWalEmpty(storage);
  });
});
