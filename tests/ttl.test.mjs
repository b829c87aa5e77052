// Collection properties and the collection TTL through the Node SDK and REST:
// alterCollectionProperties / dropCollectionProperties (AlterCollection) and
// collections/alter_properties / drop_properties. With `collection.ttl.seconds` set, rows older
// than the TTL vanish from query, count(*) and search at once, sealed and growing alike; removed
// again before a compaction, the TTL gives them back; ManualCompaction drops them from the bucket.
// The TTL is 2 s, so the checks after each wait finish well within the newer rows' 2 s.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, loadSync, flushSync,
  countRows, rng, randomVectors, Code,
} from './lib/milvus.mjs';

const DIM = 4;
const TTL = 'collection.ttl.seconds';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('collection TTL', { timeout: 300000 }, () => {
  const storage = tempDir('ttl');
  const vectors = randomVectors(40, DIM, rng(17));
  const name = uniqueName('ttl');
  let server;
  let client;
  let rest;
  const rows = (first, n) => vectors.slice(first, first + n).map((vec, i) => ({ id: first + i, vec }));
  const restOk = (res, what) => assert.equal(res.code, 0, `${what}: ${JSON.stringify(res)}`);

  before(async () => {
    server = await startServer({ storage, name: 'ttl' });
    client = await connect(server.address);
    rest = new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}` });
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      ],
    }), 'create');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    assertOk(await client.insert({ collection_name: name, data: rows(0, 20) }), 'insert sealed');
    await flushSync(client, name);
    assertOk(await client.insert({ collection_name: name, data: rows(20, 10) }), 'insert growing');
    await loadSync(client, name);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('properties are set, described and refused when the TTL is not a number', async () => {
    assertMilvusError(await client.alterCollectionProperties({ collection_name: name, properties: { [TTL]: 'soon' } }),
      { code: Code.InvalidParameter, mentions: [TTL] }, 'bad ttl');
    assertOk(await client.alterCollectionProperties({ collection_name: name, properties: { [TTL]: 2, 'mmap.enabled': false } }), 'alter');
    const desc = assertOk(await client.describeCollection({ collection_name: name }), 'describe');
    assert.deepEqual(desc.properties, [{ key: TTL, value: '2' }, { key: 'mmap.enabled', value: 'false' }]);
    assertOk(await client.dropCollectionProperties({ collection_name: name, properties: ['mmap.enabled'] }), 'drop property');
    const after = assertOk(await client.describeCollection({ collection_name: name }), 'describe');
    assert.deepEqual(after.properties, [{ key: TTL, value: '2' }]);
  });

  test('rows past the TTL are not read; without it they are back until a compaction', async () => {
    await sleep(2200);
    assertOk(await client.insert({ collection_name: name, data: rows(30, 3) }), 'insert fresh');
    assert.equal(await countRows(client, name), 3, 'only the fresh rows count');
    const res = assertOk(await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id'] }), 'query');
    assert.deepEqual(res.data.map((r) => Number(r.id)).sort((a, b) => a - b), [30, 31, 32]);
    const hits = assertOk(await client.search({ collection_name: name, data: [vectors[5]], limit: 10 }), 'search');
    assert.deepEqual(hits.results.map((h) => Number(h.id)).sort((a, b) => a - b), [30, 31, 32]);

    restOk(await rest.dropCollectionProperties({ collectionName: name, propertyKeys: [TTL] }), 'REST drop_properties');
    assert.equal(await countRows(client, name), 33, 'nothing was compacted away yet');
    restOk(await rest.alterCollectionProperties({ collectionName: name, properties: { [TTL]: 2 } }), 'REST alter_properties');
    assert.equal(await countRows(client, name), 3);

    await flushSync(client, name);
    const info = await client.describeCollection({ collection_name: name });
    const compaction = assertOk(await client.compact({ collection_name: name }), 'compact');
    for (let i = 0; i < 100; i += 1) {
      const state = await client.getCompactionState({ compactionID: compaction.compactionID });
      if (state.state === 'Completed') break;
      await sleep(50);
    }
    const segments = assertOk(await client.getPersistentSegmentInfo({ collectionName: name }), 'segments');
    const stored = segments.infos.reduce((n, s) => n + Number(s.num_rows), 0);
    assert.equal(stored, 3, `the expired rows are gone from the bucket (collection ${info.collectionID})`);
  });
});
