// Consistency levels through the Node SDK: Strong, Session, Bounded and Eventually reads all see
// every write acknowledged before they were sent (Strata applies a write before acknowledging
// it — doc/design.md, "Consistency levels"); a guarantee_timestamp from the client is honoured:
// one slightly ahead of the server clock is waited for, one far ahead is refused at once.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, loadSync, rng,
  randomVectors, rawCall, Code, placeholderBytes, f32Bytes, kv,
} from './lib/milvus.mjs';

const DIM = 4;
const LEVELS = ['Strong', 'Session', 'Bounded', 'Eventually'];
const kLogicalBits = 18n;

describe('consistency levels', { timeout: 180000 }, () => {
  const storage = tempDir('consistency');
  let server;
  let writer;
  let reader;
  const name = uniqueName('cons');
  const rand = rng(99);

  before(async () => {
    server = await startServer({ storage, name: 'consistency' });
    writer = await connect(server.address);
    reader = await connect(server.address);
    assertOk(await writer.createCollection({
      collection_name: name,
      consistency_level: 'Bounded',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      ],
    }), 'create');
    await loadSync(writer, name);
  });

  after(async () => {
    await closeAll([writer, reader]);
    await server?.stop();
  });

  const rowsFrom = (first, n) => randomVectors(n, DIM, rand).map((vec, i) => ({ id: first + i, vec }));

  test('every level sees each acknowledged insert from another connection at once', async () => {
    let next = 0;
    for (let round = 0; round < 12; round += 1) {
      const n = 1 + Math.floor(rand() * 50);
      const ids = Array.from({ length: n }, (_, i) => next + i);
      assertOk(await writer.insert({ collection_name: name, data: rowsFrom(next, n) }), `insert ${round}`);
      next += n;
      const level = LEVELS[round % LEVELS.length];
      // The read goes out on the other connection only after the ack arrived.
      const res = await reader.query({ collection_name: name, filter: `id in [${ids.join(',')}]`, output_fields: ['id'], consistency_level: level });
      assertOk(res, `query ${level}`);
      assert.deepEqual(res.data.map((r) => Number(r.id)).sort((a, b) => a - b), ids, `${level} read after ack ${round}`);
      const count = await reader.query({ collection_name: name, filter: '', output_fields: ['count(*)'], consistency_level: level });
      assertOk(count, `count ${level}`);
      assert.equal(Number(count.data[0]['count(*)']), next, `${level} count(*) after ack ${round}`);
      const search = await reader.search({ collection_name: name, data: [rowsFrom(0, 1)[0].vec], limit: next, consistency_level: level });
      assertOk(search, `search ${level}`);
      assert.equal(search.results.length, Math.min(next, 16384), `${level} search sees every row after ack ${round}`);
    }
  });

  test('Session: the timestamp an insert returned, sent as guarantee_timestamp, covers that insert', async () => {
    const res = await writer.insert({ collection_name: name, data: rowsFrom(100000, 5) });
    assertOk(res, 'insert');
    const ts = BigInt(res.timestamp);
    assert.ok(ts > 0n, 'insert returns its timestamp');
    const q = await rawCall(reader, 'Query', {
      collection_name: name, expr: 'id >= 100000', output_fields: ['id'], guarantee_timestamp: ts.toString(), consistency_level: 1,
    });
    assertOk(q, 'query with guarantee_timestamp');
    const ids = q.fields_data.find((f) => f.field_name === 'id').scalars.long_data.data.map(Number).sort((a, b) => a - b);
    assert.deepEqual(ids, [100000, 100001, 100002, 100003, 100004]);
  });

  test('a guarantee_timestamp slightly ahead of the server clock is waited for', async () => {
    const ahead = (BigInt(Date.now() + 400) << kLogicalBits) + 3n;
    const q = await rawCall(reader, 'Query', { collection_name: name, expr: 'id >= 0', output_fields: ['count(*)'], guarantee_timestamp: ahead.toString() });
    assertOk(q, 'query ahead');
    const s = await rawCall(reader, 'Search', {
      collection_name: name, dsl: '', dsl_type: 'BoolExprV1', nq: 1, output_fields: [],
      placeholder_group: placeholderBytes(reader, [f32Bytes(rowsFrom(0, 1)[0].vec)]),
      search_params: kv({ anns_field: 'vec', topk: 3, params: '{}', metric_type: 'L2' }),
      guarantee_timestamp: (ahead + 1n).toString(),
    });
    assertOk(s, 'search ahead');
    assert.equal(s.results.ids.int_id.data.length, 3, 'search ahead returns its hits');
    const alloc = await rawCall(reader, 'AllocTimestamp', { count: 1 });
    assertOk(alloc, 'AllocTimestamp');
    assert.ok(BigInt(alloc.timestamp) > ahead, `served at ${alloc.timestamp}, before the guarantee ${ahead}`);
  });

  test('a guarantee_timestamp an hour ahead is refused with a clear error, not held', async () => {
    const far = BigInt(Date.now() + 3600 * 1000) << kLogicalBits;
    const q = await rawCall(reader, 'Query', { collection_name: name, expr: 'id >= 0', output_fields: ['id'], guarantee_timestamp: far.toString() });
    assertMilvusError(q, { code: Code.InvalidParameter, mentions: ['guarantee_timestamp', 'ahead of the server clock'] }, 'query far ahead');
    const alloc = await rawCall(reader, 'AllocTimestamp', { count: 1 });
    assert.ok(BigInt(alloc.timestamp) < far, 'the clock did not jump to the refused timestamp');
  });
});
