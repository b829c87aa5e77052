// Query: `pk in [...]`, `pk == x`, empty filter with limit/offset, count(*), output fields,
// Int64 primary keys beyond 2^53; results in primary key order, so the SDK's queryIterator
// (which pages by "keys above the last one") sees every row once, Int64 and VarChar keys alike.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, rng, randomVectors,
  countRows, assertSameVector,
} from './lib/milvus.mjs';

const DIM = 8;
const N = 120;

describe('query', { timeout: 180000 }, () => {
  let server;
  let client;
  let name;
  const rand = rng(314);
  const vectors = randomVectors(N, DIM, rand);
  // Primary keys near 2^62, sent and compared as strings so no precision is lost.
  const ids = vectors.map((_, i) => (4611686018427387904n + BigInt(i) * 7919n).toString());
  const rows = vectors.map((vec, i) => ({ id: ids[i], vec, n: i, word: `w${i}`, ok: i % 2 === 0, x: i / 4 }));
  const byId = new Map(rows.map((r) => [r.id, r]));

  const q = (args) => client.query({ collection_name: name, ...args });

  before(async () => {
    server = await startServer({ storage: tempDir('query'), name: 'query' });
    client = await connect(server.address);
    name = uniqueName('query');
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'n', data_type: DataType.Int32 },
        { name: 'word', data_type: DataType.VarChar, max_length: 16 },
        { name: 'ok', data_type: DataType.Bool },
        { name: 'x', data_type: DataType.Double },
      ],
    }), 'create');
    const ins = await client.insert({ collection_name: name, data: rows });
    assertOk(ins, 'insert');
    assert.deepEqual(ins.IDs.int_id.data.map(String), ids, 'int64 ids beyond 2^53 come back exactly');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    await loadSync(client, name);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('pk in [...] returns exactly those rows with the requested fields and the pk', async () => {
    const want = [ids[0], ids[17], ids[N - 1]];
    const res = await q({ filter: `id in [${want.join(', ')}]`, output_fields: ['n', 'word'] });
    assertOk(res, 'query in');
    assert.equal(res.data.length, 3);
    for (const row of res.data) {
      assert.deepEqual(Object.keys(row).sort(), ['id', 'n', 'word'], `keys ${Object.keys(row)}`);
      const src = byId.get(String(row.id));
      assert.ok(src, `unexpected id ${row.id}`);
      assert.equal(Number(row.n), src.n);
      assert.equal(row.word, src.word);
    }
    assert.deepEqual(res.data.map((r) => String(r.id)).sort(), [...want].sort());
  });

  test('pk == x returns one row; unknown ids return nothing', async () => {
    const one = await q({ filter: `id == ${ids[5]}`, output_fields: ['word'] });
    assertOk(one, 'query ==');
    assert.deepEqual(one.data.map((r) => [String(r.id), r.word]), [[ids[5], 'w5']]);
    const none = await q({ filter: 'id in [1, 2, 3]', output_fields: ['word'] });
    assertOk(none, 'query unknown ids');
    assert.deepEqual(none.data, []);
    const none2 = await q({ filter: 'id == 42', output_fields: ['word'] });
    assertOk(none2, 'query == unknown');
    assert.deepEqual(none2.data, []);
  });

  test('SDK ids shortcut (builds `id in [...]`)', async () => {
    const res = await client.query({ collection_name: name, ids: [ids[9], ids[10]], output_fields: ['n'] });
    assertOk(res, 'query ids');
    assert.deepEqual(res.data.map((r) => Number(r.n)).sort((a, b) => a - b), [9, 10]);
  });

  test('count(*) through query and through client.count', async () => {
    assert.equal(await countRows(client, name), N);
    const c = await client.count({ collection_name: name });
    assertOk(c, 'count');
    assert.equal(c.data, N);
    const res = await q({ filter: '', output_fields: ['count(*)'] });
    assert.deepEqual(Object.keys(res.data[0]), ['count(*)'], 'one column named count(*)');
  });

  test('empty filter with limit and offset pages through every row once', async () => {
    const first = await q({ filter: '', limit: 10, output_fields: ['n'] });
    assertOk(first, 'limit 10');
    assert.equal(first.data.length, 10);
    const tail = await q({ filter: '', limit: 10, offset: N - 5, output_fields: ['n'] });
    assertOk(tail, 'offset near the end');
    assert.equal(tail.data.length, 5, 'offset N-5 leaves 5 rows');
    const seen = [];
    for (let offset = 0; offset < N; offset += 50) {
      const page = await q({ filter: '', limit: 50, offset, output_fields: ['n'] });
      assertOk(page, `page at ${offset}`);
      assert.equal(page.data.length, Math.min(50, N - offset), `page size at offset ${offset}`);
      seen.push(...page.data.map((r) => String(r.id)));
    }
    assert.equal(new Set(seen).size, N, 'pages do not overlap');
    assert.deepEqual([...seen].sort(), [...ids].sort(), 'pages cover every row');
  });

  test('pk in [...] with limit and offset', async () => {
    const want = ids.slice(0, 20);
    const all = await q({ filter: `id in [${want.join(',')}]`, output_fields: ['n'] });
    assert.equal(all.data.length, 20);
    const lim = await q({ filter: `id in [${want.join(',')}]`, output_fields: ['n'], limit: 5 });
    assertOk(lim, 'in + limit');
    assert.equal(lim.data.length, 5);
    const off = await q({ filter: `id in [${want.join(',')}]`, output_fields: ['n'], limit: 50, offset: 15 });
    assertOk(off, 'in + offset');
    assert.equal(off.data.length, 5);
  });

  test('output_fields "*" and the default return all scalars; the vector when asked for', async () => {
    for (const output_fields of [['*'], undefined]) {
      const res = await q({ filter: `id in [${ids[3]}]`, output_fields });
      assertOk(res, `output ${output_fields}`);
      const row = res.data[0];
      for (const f of ['id', 'n', 'word', 'ok', 'x']) assert.ok(f in row, `${f} in ${Object.keys(row)}`);
      assert.equal(row.ok, false);
      assert.equal(Number(row.x), 0.75);
      if ('vec' in row) assertSameVector(row.vec, vectors[3], 'vec');
    }
    const withVec = await q({ filter: `id in [${ids[4]}]`, output_fields: ['vec'] });
    assertOk(withVec, 'output vec');
    assertSameVector(withVec.data[0].vec, vectors[4], 'vec');
    assert.equal(String(withVec.data[0].id), ids[4], 'pk is always returned');
  });

  // Keys written out of order over two sealed segments and a growing one.
  for (const [label, dataType, keyOf] of [
    ['Int64', DataType.Int64, (i) => i],
    ['VarChar', DataType.VarChar, (i) => `k${String(i).padStart(4, '0')}`],
  ]) {
    test(`results come in ${label} primary key order and queryIterator sees every row once`, async () => {
      const coll = uniqueName(`iter_${label}`);
      const pk = { name: 'pk', data_type: dataType, is_primary_key: true };
      if (dataType === DataType.VarChar) pk.max_length = 16;
      assertOk(await client.createCollection({
        collection_name: coll,
        fields: [pk, { name: 'vec', data_type: DataType.FloatVector, dim: DIM }, { name: 'n', data_type: DataType.Int32 }],
      }), 'create');
      const order = Array.from({ length: 90 }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i -= 1) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const [part, last] of [[order.slice(0, 30), false], [order.slice(30, 60), false], [order.slice(60), true]]) {
        const data = part.map((i) => ({ pk: keyOf(i), vec: vectors[i % N], n: i }));
        assertOk(await client.insert({ collection_name: coll, data }), 'insert');
        if (!last) await flushSync(client, coll);
      }
      await loadSync(client, coll);
      const first = assertOk(await client.query({ collection_name: coll, filter: 'n >= 0', output_fields: ['n'], limit: 5, offset: 3 }), 'query');
      assert.deepEqual(first.data.map((r) => Number(r.n)), [3, 4, 5, 6, 7], 'offset and limit page through key order');
      const seen = [];
      const iterator = await client.queryIterator({ collection_name: coll, batchSize: 7, output_fields: ['n'], expr: 'n % 3 != 1' });
      for await (const page of iterator) {
        if (!page || page.length === 0) break;
        seen.push(...page.map((r) => Number(r.n)));
      }
      const want = order.filter((i) => i % 3 !== 1).sort((a, b) => a - b);
      assert.deepEqual(seen, want, 'every matching row once, in key order');
      assertOk(await client.dropCollection({ collection_name: coll }), 'drop');
    });
  }
});
