// Grouping search (`group_by_field`, `group_size`, `strict_group_size`) through the Node SDK on
// FLAT and HNSW collections with an Int64 `category` and a VarChar `tag`. Each collection holds
// sealed rows (searched through the index) and growing rows (searched exactly), and one category
// crowds the top of the first query with near-copies of it, so a plain top-k followed by
// de-duplication would return too few groups. Answers are checked against grouping computed
// here by brute force: exactly (up to float ties) for FLAT, with ANN tolerance for HNSW.
// Also: a filter, offset (which counts groups), output_fields, the group values Milvus returns
// in SearchResultData.group_by_field_value, and bad requests (1100 naming the field).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, rng, randomVectors, score,
  Code, rawCall, placeholderBytes, f32Bytes, kv, createSealedAndGrowing,
} from './lib/milvus.mjs';

const DIM = 16;
const SEALED = 3000;
const GROWING = 400;
const NQ = 3;
const TOL = 1e-4;
const CROWD = 250; // rows of category 7 / tag "crowd" right next to query 0

const CASES = [
  { key: 'flat', index_type: 'FLAT', params: {}, search: {}, exact: true },
  { key: 'hnsw', index_type: 'HNSW', params: { M: 16, efConstruction: 100 }, search: { ef: 64 }, exact: false },
];

const close = (a, b) => Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b));

// Brute-force grouping: the rows passing `keep`, nearest first (ties to the lower id), grouped
// by `field`; returns every group in order as { value, hits: [{ id, score }] } with at most
// `groupSize` hits, plus the number of rows each group has.
function bruteGroups(rows, query, field, groupSize, keep = () => true) {
  const scored = rows.filter(keep).map((r) => ({ id: r.id, score: score('L2', query, r.vec), value: r[field] }));
  scored.sort((a, b) => a.score - b.score || a.id - b.id);
  const groups = new Map();
  for (const h of scored) {
    if (!groups.has(h.value)) groups.set(h.value, { value: h.value, hits: [], rows: 0 });
    const g = groups.get(h.value);
    g.rows += 1;
    if (g.hits.length < groupSize) g.hits.push(h);
  }
  return [...groups.values()];
}

/**
 * Checks one query's grouped hits. Always: every hit a real row passing `keep`, its score the
 * brute-force one, hits of a group contiguous, group values distinct, at most `groupSize` hits
 * per group, `limit` groups when that many exist past `offset`, and no hit nearer than the true
 * best of its group. Exact cases also: the groups are the brute-force groups offset+1 ..
 * offset+limit (compared by their best scores, so float ties cannot fail it) and each group's
 * hits are its best min(groupSize, rows) rows (again by score).
 */
function checkGroups(hits, { rows, query, field, limit, offset = 0, groupSize, keep = () => true, exact, what }) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const all = bruteGroups(rows, query, field, groupSize, keep);
  const best = new Map(all.map((g) => [g.value, g]));
  const order = [];
  const got = new Map();
  for (let i = 0; i < hits.length; i++) {
    const id = Number(hits[i].id);
    const row = byId.get(id);
    assert.ok(row, `${what}: hit ${i} id ${id} is not a row`);
    assert.ok(keep(row), `${what}: hit ${i} id ${id} is filtered out`);
    const raw = hits[i][field];
    const value = field === 'tag' || raw === null ? raw : Number(raw);
    assert.equal(value, row[field], `${what}: hit ${i} reports ${field} ${value}, row has ${row[field]}`);
    const s = score('L2', query, row.vec);
    assert.ok(close(Number(hits[i].score), s), `${what}: hit ${i} score ${hits[i].score}, brute force ${s}`);
    if (!got.has(value)) {
      got.set(value, []);
      order.push(value);
    } else {
      assert.equal(order[order.length - 1], value, `${what}: hits of group ${value} are not contiguous`);
    }
    got.get(value).push(s);
  }
  const want = Math.min(limit, Math.max(0, all.length - offset));
  assert.equal(order.length, want, `${what}: ${order.length} groups, expected ${want}`);
  for (const value of order) {
    const scores = got.get(value);
    const truth = best.get(value);
    assert.ok(scores.length <= groupSize, `${what}: group ${value} has ${scores.length} hits`);
    assert.ok(scores[0] >= truth.hits[0].score - TOL, `${what}: group ${value} hit nearer than its true best`);
    for (let j = 1; j < scores.length; j++) assert.ok(scores[j - 1] <= scores[j] + TOL, `${what}: group ${value} not best first`);
  }
  if (!exact) return;
  const expected = all.slice(offset, offset + limit);
  order.forEach((value, i) => {
    assert.ok(close(got.get(value)[0], expected[i].hits[0].score),
      `${what}: group ${i} is ${value} (best ${got.get(value)[0]}), expected ${expected[i].value} (best ${expected[i].hits[0].score})`);
    const truth = best.get(value);
    assert.equal(got.get(value).length, truth.hits.length, `${what}: group ${value} has ${got.get(value).length} hits of ${truth.rows} rows`);
    got.get(value).forEach((s, j) => assert.ok(close(s, truth.hits[j].score), `${what}: group ${value} hit ${j} score ${s}, expected ${truth.hits[j].score}`));
  });
}

describe('grouping search', { timeout: 600000 }, () => {
  let server;
  let client;
  const rand = rng(4242);
  const queries = randomVectors(NQ, DIM, rand);
  const TAGS = ['red', 'green', 'blue', 'cyan', 'pink', 'gold', 'gray', 'teal', 'navy', 'lime', 'plum'];
  const rows = randomVectors(SEALED + GROWING, DIM, rand).map((vec, i) => ({
    id: i, vec, category: Math.floor(rand() * 30), tag: TAGS[Math.floor(rand() * TAGS.length)],
    price: Math.fround(rand() * 100), shade: i % 5 === 0 ? null : i % 3,
  }));
  // Near-copies of query 0, spread over the sealed and the growing rows.
  for (let n = 0; n < CROWD; n++) {
    const row = rows[n * 13];
    row.vec = queries[0].map((x) => Math.fround(x + (rand() - 0.5) * 0.02));
    row.category = 7;
    row.tag = 'crowd';
    row.shade = null;
  }
  const names = {};

  before(async () => {
    server = await startServer({ storage: tempDir('group-by'), name: 'group-by' });
    client = await connect(server.address);
    for (const c of CASES) {
      const name = uniqueName(`group_${c.key}`);
      names[c.key] = name;
      await createSealedAndGrowing(client, {
        name,
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
          { name: 'category', data_type: DataType.Int64 },
          { name: 'tag', data_type: DataType.VarChar, max_length: 16 },
          { name: 'price', data_type: DataType.Float },
          { name: 'shade', data_type: DataType.Int64, nullable: true },
        ],
        index: { index_type: c.index_type, metric_type: 'L2', params: c.params },
        rows,
        sealed: SEALED,
      });
    }
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  async function groupSearch(c, { field, limit, offset = 0, groupSize, strict, filter = '' }) {
    const req = {
      collection_name: names[c.key], data: queries, limit, offset, filter, params: c.search,
      group_by_field: field, output_fields: [field],
    };
    if (groupSize !== undefined) req.group_size = groupSize;
    if (strict !== undefined) req.strict_group_size = strict;
    const res = await client.search(req);
    assertOk(res, `group search ${c.key} ${field}`);
    assert.equal(res.results.length, NQ);
    return res.results;
  }

  for (const c of CASES) {
    test(`${c.index_type}: one best hit per group, Int64 and VarChar fields`, async () => {
      for (const [field, limit] of [['category', 10], ['category', 40], ['tag', 5], ['tag', 20]]) {
        const results = await groupSearch(c, { field, limit });
        results.forEach((hits, q) => checkGroups(hits, {
          rows, query: queries[q], field, limit, groupSize: 1, exact: c.exact, what: `${c.key} ${field} limit ${limit} q${q}`,
        }));
      }
    });

    test(`${c.index_type}: group_size and strict_group_size fill each group`, async () => {
      for (const [field, groupSize, strict] of [['category', 3, undefined], ['tag', 4, true]]) {
        const results = await groupSearch(c, { field, limit: 6, groupSize, strict });
        results.forEach((hits, q) => checkGroups(hits, {
          rows, query: queries[q], field, limit: 6, groupSize, exact: c.exact, what: `${c.key} ${field} size ${groupSize} q${q}`,
        }));
      }
    });

    test(`${c.index_type}: offset skips groups; a filter keeps only matching rows`, async () => {
      let results = await groupSearch(c, { field: 'category', limit: 5, offset: 3, groupSize: 2 });
      results.forEach((hits, q) => checkGroups(hits, {
        rows, query: queries[q], field: 'category', limit: 5, offset: 3, groupSize: 2, exact: c.exact, what: `${c.key} offset q${q}`,
      }));
      const keep = (r) => r.price > 30 && r.category !== 4;
      results = await groupSearch(c, { field: 'tag', limit: 8, groupSize: 2, filter: 'price > 30 and category != 4' });
      results.forEach((hits, q) => checkGroups(hits, {
        rows, query: queries[q], field: 'tag', limit: 8, groupSize: 2, keep, exact: c.exact, what: `${c.key} filter q${q}`,
      }));
    });
  }

  test('the crowded category does not hide the others', async () => {
    const results = await groupSearch(CASES[0], { field: 'category', limit: 10 });
    const first = results[0];
    assert.equal(Number(first[0].category), 7, 'query 0 is nearest to the crowd');
    assert.equal(new Set(first.map((h) => Number(h.category))).size, 10);
  });

  test('null values of a nullable field form one group', async () => {
    const c = CASES[0];
    for (const [limit, groupSize] of [[3, 1], [4, 3]]) {
      const results = await groupSearch(c, { field: 'shade', limit, groupSize });
      results.forEach((hits, q) => checkGroups(hits, {
        rows, query: queries[q], field: 'shade', limit, groupSize, exact: true, what: `shade q${q}`,
      }));
      assert.equal(results[0][0].shade, null, 'query 0 is nearest to the crowd, whose shade is null');
    }
  });

  test('SearchResultData.group_by_field_value carries each hit\'s group value', async () => {
    const res = await rawCall(client, 'Search', {
      collection_name: names.flat, dsl: '', dsl_type: 'BoolExprV1', nq: 1, output_fields: ['tag'],
      placeholder_group: placeholderBytes(client, [f32Bytes(queries[1])]),
      search_params: kv({ anns_field: 'vec', topk: 6, params: '{}', metric_type: 'L2', group_by_field: 'tag', group_size: 2 }),
    });
    assertOk(res, 'raw grouped search');
    const data = res.results;
    const values = data.group_by_field_value.scalars.string_data.data;
    const tags = data.fields_data.find((f) => f.field_name === 'tag').scalars.string_data.data;
    assert.equal(data.group_by_field_value.field_name, 'tag');
    assert.ok(values.length > 6, `${values.length} hits for 6 groups of 2`);
    assert.deepEqual(values, tags);
  });

  test('bad group_by_field or group_size: 1100 naming the problem', async () => {
    const bad = [
      [{ group_by_field: 'price' }, 'price'],
      [{ group_by_field: 'vec' }, 'vec'],
      [{ group_by_field: 'nope' }, 'nope'],
      [{ group_by_field: 'category', group_size: 11 }, 'group_size'],
      [{ group_by_field: 'category', params: { radius: 5 } }, 'range-search'],
    ];
    for (const [extra, mention] of bad) {
      const res = await client.search({ collection_name: names.flat, data: [queries[0]], limit: 5, ...extra });
      assertMilvusError(res, { code: Code.InvalidParameter, errorCode: 'IllegalArgument', mentions: [mention] }, JSON.stringify(extra));
    }
  });
});
