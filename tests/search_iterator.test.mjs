// The Node SDK's searchIterator (Milvus's search iterator v2) over sealed and growing rows: pages
// of `batchSize` hits, best first, that together are exactly the brute-force ranking — no row
// twice, none skipped — for L2 and IP; `limit` ends it; the server's token and last bound come
// back on every page. Malformed iterator parameters get 1100 with Milvus's words.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, loadSync, flushSync, rng,
  randomVectors, bruteForce, Code,
} from './lib/milvus.mjs';

const DIM = 8;
const ROWS = 300;

describe('search iterator', { timeout: 300000 }, () => {
  const vectors = randomVectors(ROWS, DIM, rng(41));
  const query = randomVectors(1, DIM, rng(43))[0];
  let server;
  let client;
  const names = {};

  before(async () => {
    server = await startServer({ storage: tempDir('search_iterator'), name: 'search_iterator' });
    client = await connect(server.address);
    for (const metric of ['L2', 'IP']) {
      const name = uniqueName(`iter_${metric}`);
      names[metric] = name;
      assertOk(await client.createCollection({
        collection_name: name,
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        ],
      }), 'create');
      assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: metric }), 'index');
      const rows = vectors.map((vec, id) => ({ id, vec }));
      assertOk(await client.insert({ collection_name: name, data: rows.slice(0, 200) }), 'insert');
      await flushSync(client, name);
      assertOk(await client.insert({ collection_name: name, data: rows.slice(200) }), 'insert growing');
      await loadSync(client, name);
    }
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  for (const metric of ['L2', 'IP']) {
    test(`${metric}: the pages together are the exact ranking, without repeats or gaps`, async () => {
      const iterator = await client.searchIterator({
        collection_name: names[metric], data: query, batchSize: 40, limit: 250, output_fields: ['id'],
      });
      const pages = [];
      for await (const page of iterator) {
        if (!page || page.length === 0) break;
        pages.push(page);
      }
      assert.deepEqual(pages.map((p) => p.length), [40, 40, 40, 40, 40, 40, 10], 'pages of batchSize up to limit');
      const got = pages.flat();
      const want = bruteForce(metric, vectors.map((_, i) => i), vectors, query, 250);
      assert.deepEqual(got.map((h) => String(h.id)), want.map((h) => h.id), 'the exact ranking');
      got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i].score) < 1e-4, `hit ${i} score`));
    });
  }

  test('each page carries the token and the bound the next page starts after', async () => {
    const res = assertOk(await client.search({
      collection_name: names.L2, data: [query], limit: 5,
      params: { iterator: true, search_iter_v2: true, search_iter_batch_size: 5 },
    }), 'first page');
    const page = res.search_iterator_v2_results;
    assert.match(page.token, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(Math.abs(page.last_bound - res.results[4].score) < 1e-6, 'the last score of the page');
    assert.ok(Number(res.session_ts) > 0, 'session_ts');
    const next = assertOk(await client.search({
      collection_name: names.L2, data: [query], limit: 5,
      params: { iterator: true, search_iter_v2: true, search_iter_batch_size: 5, search_iter_id: page.token, search_iter_last_bound: page.last_bound },
    }), 'second page');
    assert.equal(next.search_iterator_v2_results.token, page.token, 'the token is echoed');
    assert.ok(next.results.every((h) => h.score > page.last_bound), 'every hit past the bound');
  });

  test('malformed iterator parameters are 1100 with the reason', async () => {
    const cases = [
      [{ search_iter_v2: true, search_iter_batch_size: 5 }, 'both iterator and search_iter_v2 must be set'],
      [{ iterator: true, search_iter_v2: true }, 'batch size is required'],
      [{ iterator: true, search_iter_v2: true, search_iter_batch_size: 5, search_iter_id: 'nope' }, 'invalid token format'],
    ];
    for (const [params, reason] of cases) {
      const res = await client.search({ collection_name: names.L2, data: [query], limit: 5, params });
      assertMilvusError(res, { code: Code.InvalidParameter, mentions: [reason] }, reason);
    }
    const two = await client.search({
      collection_name: names.L2, data: [query, query], limit: 5,
      params: { iterator: true, search_iter_v2: true, search_iter_batch_size: 5 },
    });
    assertMilvusError(two, { code: Code.InvalidParameter, mentions: ['cannot initialize iterator'] }, 'nq 2');
  });
});
