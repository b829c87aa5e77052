// Range search (search params `radius` and `range_filter`) through the Node SDK, on FLAT, HNSW
// and IVF_FLAT indexes with L2, IP and COSINE. Each collection holds sealed rows (searched
// through the index) and growing rows (searched exactly); every answer is checked against a
// brute-force range search over the same rows computed here: every hit in range, best first,
// the reported scores, and completeness (exact for FLAT, a stated floor for HNSW and IVF_FLAT).
// Also: limit and offset, a filter expression, and wrong-side or non-numeric bounds (1100).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, rng, randomVectors, score,
  Code, createSealedAndGrowing,
} from './lib/milvus.mjs';

const DIM = 16;
const SEALED = 3000;
const GROWING = 300;
const NQ = 5;
const TOL = 1e-4;

const CASES = [
  { key: 'flat_l2', index_type: 'FLAT', metric: 'L2', params: {}, search: {}, floor: 1 },
  { key: 'flat_ip', index_type: 'FLAT', metric: 'IP', params: {}, search: {}, floor: 1 },
  { key: 'hnsw_l2', index_type: 'HNSW', metric: 'L2', params: { M: 16, efConstruction: 100 }, search: { ef: 64 }, floor: 0.9 },
  { key: 'hnsw_cos', index_type: 'HNSW', metric: 'COSINE', params: { M: 16, efConstruction: 100 }, search: { ef: 64 }, floor: 0.9 },
  { key: 'ivf_cos', index_type: 'IVF_FLAT', metric: 'COSINE', params: { nlist: 16 }, search: { nprobe: 8 }, floor: 0.8 },
];

const higher = (metric) => metric !== 'L2';

// Brute-force range search: rows with radius < s <= range_filter (similarities) or
// range_filter <= d < radius (distances), best first (ties to the lower id).
function bruteRange(metric, rows, query, radius, rangeFilter, keep = () => true) {
  const inRange = (s) => (higher(metric)
    ? s > radius && (rangeFilter === undefined || s <= rangeFilter)
    : s < radius && (rangeFilter === undefined || s >= rangeFilter));
  const hits = [];
  for (const row of rows) {
    if (!keep(row)) continue;
    const s = score(metric, query, row.vec);
    if (inRange(s)) hits.push({ id: row.id, score: s });
  }
  hits.sort((a, b) => (higher(metric) ? b.score - a.score : a.score - b.score) || a.id - b.id);
  return hits;
}

// The score of the k-th nearest row to `query` (k counted from 1).
function kthScore(metric, rows, query, k) {
  const scores = rows.map((r) => score(metric, query, r.vec));
  scores.sort((a, b) => (higher(metric) ? b - a : a - b));
  return scores[k - 1];
}

const near = (a, b) => Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b));

/**
 * Checks one query's hits against the brute-force list `expected` (already cut to what the
 * request asks for: offset and limit applied to the full in-range list `full`).
 * - every hit: a real row, its reported score equal to the brute-force one, inside the range
 *   (within TOL of a bound counts: float32 against float64), allowed by `keep`, best first;
 * - completeness: exact (`floor` 1) means the ids equal `expected` except rows within TOL of a
 *   bound; otherwise at least `floor` of `expected` is returned.
 */
function checkHits(hits, { metric, rows, query, radius, rangeFilter, expected, floor, keep = () => true, what }) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const onBound = (s) => near(s, radius) || (rangeFilter !== undefined && near(s, rangeFilter));
  for (let i = 0; i < hits.length; i++) {
    const id = Number(hits[i].id);
    const row = byId.get(id);
    assert.ok(row, `${what}: hit ${i} id ${id} is not a row`);
    assert.ok(keep(row), `${what}: hit ${i} id ${id} is filtered out (cat ${row.cat})`);
    const s = score(metric, query, row.vec);
    assert.ok(near(Number(hits[i].score), s), `${what}: hit ${i} id ${id} score ${hits[i].score}, brute force ${s}`);
    const inside = higher(metric)
      ? s > radius && (rangeFilter === undefined || s <= rangeFilter)
      : s < radius && (rangeFilter === undefined || s >= rangeFilter);
    assert.ok(inside || onBound(s), `${what}: hit ${i} id ${id} score ${s} outside radius ${radius} range_filter ${rangeFilter}`);
    if (i > 0) {
      const prev = Number(hits[i - 1].score);
      const cur = Number(hits[i].score);
      assert.ok(higher(metric) ? prev >= cur : prev <= cur, `${what}: hits not best first at ${i}: ${prev} then ${cur}`);
    }
  }
  const got = new Set(hits.map((h) => Number(h.id)));
  assert.equal(got.size, hits.length, `${what}: duplicate ids`);
  if (floor === 1) {
    const clear = expected.filter((e) => !onBound(e.score));
    for (const e of clear) assert.ok(got.has(e.id), `${what}: missing id ${e.id} score ${e.score}`);
    assert.ok(Math.abs(hits.length - expected.length) <= expected.length - clear.length,
      `${what}: ${hits.length} hits, expected ${expected.length}`);
  } else {
    const found = expected.filter((e) => got.has(e.id)).length;
    assert.ok(found >= floor * expected.length, `${what}: recall ${found}/${expected.length} below ${floor}`);
  }
}

describe('range search', { timeout: 600000 }, () => {
  let server;
  let client;
  const rand = rng(777);
  const rows = randomVectors(SEALED + GROWING, DIM, rand).map((vec, i) => ({ id: i, vec, cat: i % 5 }));
  const queries = randomVectors(NQ, DIM, rand);
  const names = {};

  before(async () => {
    server = await startServer({ storage: tempDir('range-search'), name: 'range-search' });
    client = await connect(server.address);
    for (const c of CASES) {
      const name = uniqueName(`range_${c.key}`);
      names[c.key] = name;
      // Unflushed rows stay in a growing segment: searched exactly, merged with the index's hits.
      await createSealedAndGrowing(client, {
        name,
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
          { name: 'cat', data_type: DataType.Int64 },
        ],
        index: { index_type: c.index_type, metric_type: c.metric, params: c.params },
        rows,
        sealed: SEALED,
      });
    }
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  // Bounds from the data: radius near the 60th nearest row of the first query, range_filter
  // near its 8th, so every query has tens of rows in range and some nearer than range_filter.
  const bounds = (metric) => ({
    radius: kthScore(metric, rows, queries[0], 60),
    rangeFilter: kthScore(metric, rows, queries[0], 8),
  });

  async function rangeSearch(c, { radius, rangeFilter, limit, offset = 0, filter = '' }) {
    const params = { ...c.search, radius };
    if (rangeFilter !== undefined) params.range_filter = rangeFilter;
    const res = await client.search({
      collection_name: names[c.key], data: queries, limit, offset, filter, params, output_fields: ['cat'],
    });
    assertOk(res, `range search ${c.key}`);
    assert.equal(res.results.length, NQ);
    return res.results;
  }

  for (const c of CASES) {
    test(`${c.index_type} ${c.metric}: radius only, then radius and range_filter`, async () => {
      const { radius, rangeFilter } = bounds(c.metric);
      for (const rf of [undefined, rangeFilter]) {
        const limit = 200;
        const results = await rangeSearch(c, { radius, rangeFilter: rf, limit });
        let total = 0;
        results.forEach((hits, q) => {
          const full = bruteRange(c.metric, rows, queries[q], radius, rf);
          total += full.length;
          checkHits(hits, {
            metric: c.metric, rows, query: queries[q], radius, rangeFilter: rf, expected: full.slice(0, limit),
            floor: c.floor, what: `${c.key} q${q} rf=${rf}`,
          });
        });
        assert.ok(total > 2 * NQ, `${c.key}: the ranges must not be (nearly) empty, got ${total} rows in range`);
      }
    });

    test(`${c.index_type} ${c.metric}: limit and offset cut the best-first list`, async () => {
      const { radius } = bounds(c.metric);
      const results = await rangeSearch(c, { radius, limit: 10, offset: 5 });
      results.forEach((hits, q) => {
        const full = bruteRange(c.metric, rows, queries[q], radius);
        assert.ok(hits.length <= 10, `${c.key} q${q}: ${hits.length} hits for limit 10`);
        if (full.length >= 15) assert.equal(hits.length, 10, `${c.key} q${q}: limit 10 of ${full.length} in range`);
        checkHits(hits, {
          metric: c.metric, rows, query: queries[q], radius, expected: full.slice(5, 15),
          floor: c.floor === 1 ? 1 : 0.5, what: `${c.key} q${q} offset 5 limit 10`,
        });
      });
    });

    test(`${c.index_type} ${c.metric}: a filter expression keeps only matching rows`, async () => {
      const { radius, rangeFilter } = bounds(c.metric);
      const keep = (row) => row.cat === 1 || row.cat === 3;
      const results = await rangeSearch(c, { radius, rangeFilter, limit: 200, filter: 'cat in [1, 3]' });
      results.forEach((hits, q) => {
        for (const h of hits) assert.ok(Number(h.cat) === 1 || Number(h.cat) === 3, `${c.key}: cat ${h.cat} returned`);
        const full = bruteRange(c.metric, rows, queries[q], radius, rangeFilter, keep);
        checkHits(hits, {
          metric: c.metric, rows, query: queries[q], radius, rangeFilter, expected: full, floor: c.floor, keep,
          what: `${c.key} q${q} filtered`,
        });
      });
    });
  }

  test('range_filter on the wrong side of radius, or not a number: 1100 IllegalArgument', async () => {
    const bad = [
      ['flat_l2', { radius: 5, range_filter: 8 }, 'less than radius'],
      ['flat_l2', { radius: 5, range_filter: 5 }, 'less than radius'],
      ['flat_ip', { radius: 0.5, range_filter: 0.1 }, 'greater than radius'],
      ['hnsw_cos', { radius: 0.5, range_filter: 0.2 }, 'greater than radius'],
      ['flat_l2', { radius: 'far' }, 'radius'],
      ['flat_l2', { radius: 5, range_filter: 'near' }, 'range_filter'],
    ];
    for (const [key, params, mention] of bad) {
      const res = await client.search({ collection_name: names[key], data: [queries[0]], limit: 10, params });
      assertMilvusError(res, { code: Code.InvalidParameter, errorCode: 'IllegalArgument', mentions: [mention] },
        `${key} ${JSON.stringify(params)}`);
    }
  });
});
