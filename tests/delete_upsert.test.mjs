// Delete (by ids and by filter) and upsert through the Node SDK: count(*), query and search never
// show a deleted or replaced row, and a key inserted again after its delete is visible — before
// and after Flush, after a clean restart and after SIGKILL. Bad input writes nothing.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, settle, loadSync,
  flushSync, rng, randomVectors, countRows, Code,
} from './lib/milvus.mjs';

const DIM = 8;
const N = 200;

describe('delete and upsert', { timeout: 300000 }, () => {
  const storage = tempDir('delete-upsert');
  let server;
  let client;
  const name = uniqueName('del');
  const rand = rng(4242);
  const vectors = randomVectors(N, DIM, rand);
  // The expected state, kept beside the server's: id -> { vec, tag }.
  const model = new Map();
  vectors.forEach((vec, i) => model.set(i, { vec, tag: `t${i % 10}` }));

  const row = (id) => ({ id, vec: model.get(id).vec, tag: model.get(id).tag });

  async function allIds(c = client) {
    const res = await c.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id', 'tag'], limit: 16384 });
    assertOk(res, 'query all');
    return res.data.map((r) => [Number(r.id), r.tag]).sort((a, b) => a[0] - b[0]);
  }

  async function expectModel(what, c = client) {
    const want = [...model.entries()].map(([id, r]) => [id, r.tag]).sort((a, b) => a[0] - b[0]);
    assert.deepEqual(await allIds(c), want, `${what}: query`);
    assert.equal(await countRows(c, name), model.size, `${what}: count(*)`);
    // Searching for each of a few deleted ids' own vectors never returns them.
    const res = await c.search({ collection_name: name, data: [vectors[0], vectors[1], vectors[150]], limit: 20, output_fields: ['tag'] });
    assertOk(res, `${what}: search`);
    for (const hits of res.results)
      for (const h of hits) {
        assert.ok(model.has(Number(h.id)), `${what}: search returned deleted id ${h.id}`);
        assert.equal(h.tag, model.get(Number(h.id)).tag, `${what}: search returned a replaced row of ${h.id}`);
      }
  }

  before(async () => {
    server = await startServer({ storage, name: 'delete-upsert-1' });
    client = await connect(server.address);
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'tag', data_type: DataType.VarChar, max_length: 32 },
      ],
    }), 'create');
    assertOk(await client.insert({ collection_name: name, data: [...model.keys()].map(row) }), 'insert');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    await loadSync(client, name);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGKILL').catch(() => {});
  });

  test('delete by ids reports the keys and hides the rows', async () => {
    const res = await client.delete({ collection_name: name, ids: [0, 1, 2, 5000] });
    assertOk(res, 'delete ids');
    assert.equal(Number(res.delete_cnt), 4, 'delete_cnt counts the keys listed, as in Milvus');
    assert.deepEqual(res.IDs.int_id.data.map(Number), [0, 1, 2, 5000]);
    for (const id of [0, 1, 2]) model.delete(id);
    await expectModel('after delete by ids');
  });

  test('delete by filter reports the matched keys', async () => {
    const res = await client.delete({ collection_name: name, filter: 'tag == "t3" and id < 100' });
    assertOk(res, 'delete filter');
    const matched = [...model.entries()].filter(([id, r]) => r.tag === 't3' && id < 100).map(([id]) => id);
    assert.equal(Number(res.delete_cnt), matched.length);
    assert.deepEqual(res.IDs.int_id.data.map(Number).sort((a, b) => a - b), matched);
    for (const id of matched) model.delete(id);
    await expectModel('after delete by filter');
    const again = await client.delete({ collection_name: name, filter: 'tag == "t3" and id < 100' });
    assertOk(again, 'delete filter again');
    assert.equal(Number(again.delete_cnt), 0, 'deleted rows match no filter');
  });

  test('delete with template values', async () => {
    const res = await client.delete({ collection_name: name, filter: 'id in {ids}', exprValues: { ids: [10, 11] } });
    assertOk(res, 'delete template');
    model.delete(10);
    model.delete(11);
    await expectModel('after delete with template values');
  });

  test('a key inserted again after its delete is visible', async () => {
    model.set(1, { vec: vectors[1], tag: 'back' });
    assertOk(await client.insert({ collection_name: name, data: [row(1)] }), 'reinsert');
    await expectModel('after re-insert');
  });

  test('upsert replaces existing keys and inserts new ones', async () => {
    const data = [];
    for (const id of [20, 21, 250]) {
      model.set(id, { vec: vectors[id % N], tag: `up${id}` });
      data.push(row(id));
    }
    const res = await client.upsert({ collection_name: name, data });
    assertOk(res, 'upsert');
    assert.equal(Number(res.upsert_cnt), 3);
    assert.deepEqual(res.IDs.int_id.data.map(Number), [20, 21, 250]);
    await expectModel('after upsert');
  });

  test('flush persists the deletes; more deletes and upserts stay in the WAL', async () => {
    await flushSync(client, [name]);
    await expectModel('after flush');
    assertOk(await client.delete({ collection_name: name, filter: 'id in [30, 31]' }), 'delete after flush');
    model.delete(30);
    model.delete(31);
    model.set(40, { vec: vectors[40], tag: 'up40' });
    assertOk(await client.upsert({ collection_name: name, data: [row(40)] }), 'upsert after flush');
    await expectModel('after flush + WAL mutations');
  });

  test('bad input: bad expression names the position, wrong-dim upsert writes nothing', async () => {
    const bad = await settle(() => client.delete({ collection_name: name, filter: 'id in [1, 2' }));
    assertMilvusError(bad, { code: Code.InvalidParameter, mentions: ['position'] }, 'bad expr');
    // The SDK may refuse it itself or send it; either way it must fail and change nothing.
    const wrong = await client.upsert({ collection_name: name, data: [{ id: 50, vec: [1, 2, 3], tag: 'bad' }] }).catch((e) => e);
    assert.ok(wrong instanceof Error || (wrong.status ?? wrong).error_code !== 'Success', 'wrong dim upsert must fail');
    const missing = await settle(() => client.delete({ collection_name: name, filter: 'id in [3]', partition_name: 'nope' }));
    assertMilvusError(missing, { code: 200, mentions: ['partition'] }, 'unknown partition');
    await expectModel('after rejected mutations');
  });

  test('clean restart keeps every delete and upsert', async () => {
    await closeAll([client]);
    await server.stop('SIGTERM');
    server = await startServer({ storage, name: 'delete-upsert-2' });
    client = await connect(server.address);
    await expectModel('after clean restart');
  });

  test('SIGKILL right after acknowledged deletes and upserts loses none', async () => {
    assertOk(await client.delete({ collection_name: name, ids: [60, 61, 62] }), 'delete before kill');
    for (const id of [60, 61, 62]) model.delete(id);
    model.set(70, { vec: vectors[70], tag: 'killed' });
    assertOk(await client.upsert({ collection_name: name, data: [row(70)] }), 'upsert before kill');
    model.set(60, { vec: vectors[60], tag: 'again' });
    assertOk(await client.insert({ collection_name: name, data: [row(60)] }), 'reinsert before kill');
    await closeAll([client]);
    await server.stop('SIGKILL');
    server = await startServer({ storage, name: 'delete-upsert-3' });
    client = await connect(server.address);
    await expectModel('after SIGKILL');
    await flushSync(client, [name]);
    await closeAll([client]);
    await server.stop('SIGKILL');
    server = await startServer({ storage, name: 'delete-upsert-4' });
    client = await connect(server.address);
    await expectModel('after flush and SIGKILL');
  });
});
