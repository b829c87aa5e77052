// Hybrid search (Milvus's HybridSearch: several vector searches of the same queries merged by
// RRFRanker or WeightedRanker) through the Node SDK's search() with one entry per vector field,
// and through REST's entities/hybrid_search. A collection with two vector fields (`text` L2
// under FLAT, `image` IP under IVF_FLAT probing every list, so both searches are exact) holds
// sealed and growing rows. Each hybrid answer is checked against the fusion, computed here, of
// the same searches run one by one through the ordinary Search; each of those is checked against
// brute force first. Also: per-search filters, limit and offset of the merged list, output
// fields, and the requests Milvus refuses (1100 with its reason).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HttpClient, RRFRanker, WeightedRanker } from '@zilliz/milvus2-sdk-node';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, rng, randomVectors,
  bruteForce, assertSameHits, flushSync, loadSync, waitIndexFinished, Code,
} from './lib/milvus.mjs';

const DIM_TEXT = 8;
const DIM_IMAGE = 12;
const SEALED = 1500;
const GROWING = 300;
const NQ = 3;

// The score of hit `rank` (0-based) of search `s` (scored `score` by `metric`), as each ranker
// counts it.
function contribution(ranker, s, rank, metric, score) {
  if (ranker.strategy === 'rrf') return 1 / (ranker.params.k + rank + 1);
  const w = ranker.params.weights[s];
  if (metric === 'L2') return w * (1 - (2 * Math.atan(score)) / Math.PI);
  if (metric === 'IP') return w * (0.5 + Math.atan(score) / Math.PI);
  return w * (1 + score) * 0.5;
}

// The merged hits of one query: every row any search found, by fused score (best first, ties to
// the lower id), then offset and limit.
function fuse(ranker, lists, metrics, limit, offset) {
  const fused = new Map();
  lists.forEach((hits, s) => hits.forEach((h, rank) => {
    fused.set(h.id, (fused.get(h.id) ?? 0) + contribution(ranker, s, rank, metrics[s], h.score));
  }));
  const order = [...fused.entries()].map(([id, score]) => ({ id, score }));
  order.sort((a, b) => b.score - a.score || Number(a.id) - Number(b.id));
  return order.slice(offset, offset + limit);
}

describe('hybrid search', { timeout: 300000 }, () => {
  const storage = tempDir('hybrid');
  const rand = rng(29);
  const text = randomVectors(SEALED + GROWING, DIM_TEXT, rand);
  const image = randomVectors(SEALED + GROWING, DIM_IMAGE, rand);
  const rows = text.map((t, id) => ({ id, kind: id % 4, text: t, image: image[id] }));
  const queriesText = randomVectors(NQ, DIM_TEXT, rand);
  const queriesImage = randomVectors(NQ, DIM_IMAGE, rand);
  const name = uniqueName('hybrid');
  let server;
  let client;

  // The searches every test merges: `text` limited to kinds 0 and 1, `image` to kinds 1 to 3.
  const searches = [
    { anns_field: 'text', data: queriesText, params: {}, limit: 60, expr: 'kind < 2', metric: 'L2', keep: (r) => r.kind < 2 },
    { anns_field: 'image', data: queriesImage, params: { nprobe: 8 }, limit: 80, expr: 'kind > 0', metric: 'IP', keep: (r) => r.kind > 0 },
  ];
  const subRequests = () => searches.map(({ anns_field, data, params, limit, expr }) => ({ anns_field, data, params, limit, expr }));

  // Each search alone, through the ordinary Search, checked against brute force.
  async function singleSearches() {
    const lists = [];
    for (const s of searches) {
      const res = await client.search({
        collection_name: name, anns_field: s.anns_field, data: s.data, params: s.params,
        limit: s.limit, filter: s.expr, output_fields: [],
      });
      assertOk(res, `search ${s.anns_field}`);
      const kept = rows.filter(s.keep);
      res.results.forEach((hits, q) => {
        const want = bruteForce(s.metric, kept.map((r) => r.id), kept.map((r) => r[s.anns_field]), s.data[q], s.limit);
        assertSameHits(hits, want, `${s.anns_field} query ${q}`);
      });
      lists.push(res.results);
    }
    return lists;
  }

  function assertFused(results, lists, ranker, limit, offset, what) {
    assert.equal(results.length, NQ, `${what}: one list per query`);
    results.forEach((hits, q) => {
      const want = fuse(ranker, lists.map((l) => l[q]), searches.map((s) => s.metric), limit, offset);
      assert.deepEqual(hits.map((h) => String(h.id)), want.map((h) => String(h.id)), `${what}: query ${q} ids`);
      hits.forEach((h, i) => assert.ok(Math.abs(h.score - want[i].score) < 1e-5, `${what}: query ${q} hit ${i} score ${h.score}, expected ${want[i].score}`));
      hits.forEach((h) => assert.equal(Number(h.kind), rows[Number(h.id)].kind, `${what}: output field kind of ${h.id}`));
    });
  }

  before(async () => {
    server = await startServer({ storage, name: 'hybrid' });
    client = await connect(server.address);
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'kind', data_type: DataType.Int64 },
        { name: 'text', data_type: DataType.FloatVector, dim: DIM_TEXT },
        { name: 'image', data_type: DataType.FloatVector, dim: DIM_IMAGE },
      ],
    }), 'create');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'text', index_type: 'FLAT', metric_type: 'L2' }), 'index text');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'image', index_type: 'IVF_FLAT', metric_type: 'IP', params: { nlist: 8 } }), 'index image');
    assertOk(await client.insert({ collection_name: name, data: rows.slice(0, SEALED) }), 'insert sealed');
    await flushSync(client, name);
    await waitIndexFinished(client, name, 'text');
    await waitIndexFinished(client, name, 'image');
    assertOk(await client.insert({ collection_name: name, data: rows.slice(SEALED) }), 'insert growing');
    await loadSync(client, name);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('RRF merges the searches by rank, with limit and offset', async () => {
    const lists = await singleSearches();
    const ranker = RRFRanker(20);
    const res = await client.search({
      collection_name: name, data: subRequests(), rerank: ranker, limit: 7, offset: 3, output_fields: ['kind'],
    });
    assertOk(res, 'hybrid rrf');
    assertFused(res.results, lists, ranker, 7, 3, 'rrf');
    // The merge sums: rows of kind 1 can be found by both searches, and some were.
    const overlap = lists[0].some((hits, q) => hits.some((h) => lists[1][q].some((o) => o.id === h.id)));
    assert.ok(overlap, 'some row was found by both searches');
  });

  test('WeightedRanker merges normalised scores', async () => {
    const lists = await singleSearches();
    const ranker = WeightedRanker([0.3, 0.8]);
    const res = await client.search({
      collection_name: name, data: subRequests(), rerank: ranker, limit: 10, output_fields: ['kind'],
    });
    assertOk(res, 'hybrid weighted');
    assertFused(res.results, lists, ranker, 10, 0, 'weighted');
  });

  test('REST entities/hybrid_search answers what gRPC answers', async () => {
    const lists = await singleSearches();
    const rest = new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}` });
    const res = await rest.hybridSearch({
      collectionName: name,
      search: searches.map((s) => ({ data: s.data, annsField: s.anns_field, filter: s.expr, limit: s.limit, params: s.params })),
      rerank: { strategy: 'rrf', params: { k: 30 } },
      limit: 6,
      outputFields: ['kind'],
    });
    assert.equal(res.code, 0, JSON.stringify(res));
    assert.deepEqual(res.topks, [6, 6, 6]);
    const flat = res.data;
    const perQuery = [0, 1, 2].map((q) => flat.slice(q * 6, (q + 1) * 6).map((h) => ({ ...h, score: h.distance })));
    assertFused(perQuery, lists, { strategy: 'rrf', params: { k: 30 } }, 6, 0, 'rest');
  });

  test('bad rankers and mismatched searches get 1100 with the reason', async () => {
    const cases = [
      [{ rerank: WeightedRanker([0.5]) }, 'the length of weights param mismatch'],
      [{ rerank: WeightedRanker([0.5, 1.5]) }, 'rank param weight should be in range [0, 1]'],
      [{ rerank: RRFRanker(0) }, 'The rank params k should be in range (0, 16384)'],
      [{ rerank: { strategy: 'max', params: {} } }, 'unsupported rank type max'],
      [{ limit: 16384, offset: 1 }, 'invalid max query result window'],
    ];
    for (const [extra, reason] of cases) {
      const res = await client.search({ collection_name: name, data: subRequests(), limit: 5, ...extra });
      assertMilvusError(res, { code: Code.InvalidParameter, mentions: [reason] }, reason);
    }
    const uneven = subRequests();
    uneven[1].data = queriesImage.slice(0, 2);
    assertMilvusError(await client.search({ collection_name: name, data: uneven, limit: 5 }),
      { code: Code.InvalidParameter, mentions: ['nq should be the same'] }, 'uneven nq');
  });
});
