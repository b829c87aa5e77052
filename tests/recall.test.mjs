// Recall floors through the Node SDK on a fixed real dataset: the first 6,000 Fashion-MNIST
// training images (Debian dataset-fashion-mnist, 784-d, raw pixels) as the base and the first 100
// test images as queries. For every index type the collection is flushed, indexed in the
// background, loaded and searched; recall@10 is measured against brute force computed here.
// The index is changed the Milvus way (release, drop_index, create_index, load) between types.
// Also: a filter that removes the true neighbours, and binary vectors (pixels > 127) for
// BIN_FLAT / BIN_IVF_FLAT with HAMMING.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, waitIndexFinished,
} from './lib/milvus.mjs';

const DIR = '/usr/share/datasets/fashion-mnist';
const N = 6000;
const NQ = 100;
const K = 10;

function readImages(file, count) {
  const b = zlib.gunzipSync(fs.readFileSync(`${DIR}/${file}`));
  assert.equal(b.readUInt32BE(0), 0x803, `${file}: IDX image magic`);
  const dim = b.readUInt32BE(8) * b.readUInt32BE(12);
  return Array.from({ length: count }, (_, i) => Array.from(b.subarray(16 + i * dim, 16 + (i + 1) * dim)));
}

const l2 = (a, b) => { let s = 0; for (let i = 0; i < a.length; i += 1) { const d = a[i] - b[i]; s += d * d; } return s; };
function hamming(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) { let x = a[i] ^ b[i]; while (x) { s += x & 1; x >>= 1; } }
  return s;
}
const toBits = (pixels) => Array.from({ length: pixels.length / 8 }, (_, j) => {
  let byte = 0;
  for (let b = 0; b < 8; b += 1) if (pixels[j * 8 + b] > 127) byte |= 1 << b;
  return byte;
});

// Exact top-k ids per query (ties to the lower id), skipping ids in `exclude`.
function groundTruth(base, queries, dist, exclude = new Set()) {
  return queries.map((q) => base.map((v, id) => [dist(q, v), id]).filter(([, id]) => !exclude.has(id))
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]).slice(0, K).map(([, id]) => id));
}

function recall(results, truth) {
  let hit = 0;
  results.forEach((hits, q) => { const want = new Set(truth[q]); for (const h of hits) if (want.has(Number(h.id))) hit += 1; });
  return hit / (truth.length * K);
}

describe('recall floors on Fashion-MNIST through the Node SDK', { timeout: 600000 }, () => {
  const storage = tempDir('recall');
  let server;
  let client;
  const base = readImages('train-images-idx3-ubyte.gz', N);
  const queries = readImages('t10k-images-idx3-ubyte.gz', NQ);
  const truth = groundTruth(base, queries, l2);
  const floatName = uniqueName('fmnist');
  const binName = uniqueName('fmnist_bits');
  const measured = {};

  async function reindex(name, spec) {
    assertOk(await client.releaseCollection({ collection_name: name }), 'release');
    const described = await client.describeIndex({ collection_name: name, field_name: 'vec' });
    if (described.index_descriptions?.length) assertOk(await client.dropIndex({ collection_name: name, field_name: 'vec' }), 'dropIndex');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', ...spec }), `createIndex ${spec.index_type}`);
    await waitIndexFinished(client, name, 'vec', 240000);
    const d = await client.describeIndex({ collection_name: name, field_name: 'vec' });
    assertOk(d, 'describeIndex');
    assert.equal(Number(d.index_descriptions[0].indexed_rows), N, `${spec.index_type}: every row indexed`);
    await loadSync(client, name);
  }

  async function searchAll(name, data, params, filter) {
    const res = await client.search({ collection_name: name, data, limit: K, params, output_fields: [], ...(filter ? { filter } : {}) });
    assertOk(res, 'search');
    return data.length === 1 ? [res.results] : res.results;
  }

  before(async () => {
    server = await startServer({ storage, name: 'recall' });
    client = await connect(server.address);
    for (const [name, type, dim] of [[floatName, DataType.FloatVector, 784], [binName, DataType.BinaryVector, 784]]) {
      assertOk(await client.createCollection({
        collection_name: name,
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 'vec', data_type: type, dim },
        ],
      }), `create ${name}`);
    }
    for (let i = 0; i < N; i += 1000) {
      const rows = base.slice(i, i + 1000);
      assertOk(await client.insert({ collection_name: floatName, data: rows.map((vec, j) => ({ id: i + j, vec })) }), 'insert');
      assertOk(await client.insert({ collection_name: binName, data: rows.map((vec, j) => ({ id: i + j, vec: toBits(vec) })) }), 'insert bits');
    }
    await flushSync(client, [floatName, binName]);
  });

  after(async () => {
    if (Object.keys(measured).length) console.log(`recall@10 measured: ${JSON.stringify(measured)}`);
    await closeAll([client]);
    await server?.stop();
  });

  // [index spec, search params, recall@10 floor]. Floors sit a little under what this data
  // gives (printed at the end), so a regression in any index shows.
  const cases = [
    [{ index_type: 'FLAT', metric_type: 'L2', params: {} }, {}, 1.0],
    [{ index_type: 'HNSW', metric_type: 'L2', params: { M: 16, efConstruction: 200 } }, { ef: 64 }, 0.97],
    [{ index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 64 } }, { nprobe: 4 }, 0.96],
    [{ index_type: 'IVF_SQ8', metric_type: 'L2', params: { nlist: 64 } }, { nprobe: 4 }, 0.96],
    [{ index_type: 'IVF_PQ', metric_type: 'L2', params: { nlist: 64, m: 16, nbits: 8 } }, { nprobe: 4 }, 0.65],
    [{ index_type: 'AUTOINDEX', metric_type: 'L2', params: {} }, {}, 0.97],
  ];
  for (const [spec, params, floor] of cases) {
    test(`${spec.index_type}: recall@10 >= ${floor}`, async () => {
      await reindex(floatName, spec);
      const r = recall(await searchAll(floatName, queries, params), truth);
      measured[spec.index_type] = r;
      assert.ok(r >= floor, `${spec.index_type} recall@10 ${r} below ${floor}`);
    });
  }

  test('IVF_SQ8 recall within 0.01 of IVF_FLAT at the same nprobe', () => {
    assert.ok(measured.IVF_FLAT !== undefined && measured.IVF_SQ8 !== undefined, 'both measured above');
    assert.ok(measured.IVF_FLAT - measured.IVF_SQ8 <= 0.01, `IVF_FLAT ${measured.IVF_FLAT} vs IVF_SQ8 ${measured.IVF_SQ8}`);
  });

  test('HNSW with a filter that removes every true neighbour: none returned, recall on the rest', async () => {
    await reindex(floatName, cases[1][0]);
    for (let q = 0; q < 10; q += 1) {
      const removed = new Set(truth[q]);
      const filtered = groundTruth(base, [queries[q]], l2, removed);
      const [hits] = await searchAll(floatName, [queries[q]], { ef: 64 }, `id not in [${[...removed].join(',')}]`);
      assert.equal(hits.length, K, `query ${q}: k hits`);
      for (const h of hits) assert.ok(!removed.has(Number(h.id)), `query ${q}: filtered-out id ${h.id} returned`);
      assert.ok(recall([hits], filtered) >= 0.8, `query ${q}: recall against the filtered truth ${recall([hits], filtered)}`);
    }
  });

  test('BIN_FLAT is exact and BIN_IVF_FLAT reaches its floor (HAMMING)', async () => {
    const bits = base.map(toBits);
    const qbits = queries.map(toBits);
    const binTruth = groundTruth(bits, qbits, hamming);
    const distances = (q, hits) => hits.map((h) => hamming(qbits[q], bits[Number(h.id)]));
    await reindex(binName, { index_type: 'BIN_FLAT', metric_type: 'HAMMING', params: {} });
    const exact = await searchAll(binName, qbits, {});
    exact.forEach((hits, q) => {
      // Ties make ids ambiguous; distances must equal the true k smallest.
      assert.deepEqual(distances(q, hits), binTruth[q].map((id) => hamming(qbits[q], bits[id])), `BIN_FLAT query ${q}`);
    });
    await reindex(binName, { index_type: 'BIN_IVF_FLAT', metric_type: 'HAMMING', params: { nlist: 64 } });
    const approx = await searchAll(binName, qbits, { nprobe: 4 });
    let within = 0;
    approx.forEach((hits, q) => {
      const kth = hamming(qbits[q], bits[binTruth[q][K - 1]]);
      within += distances(q, hits).filter((d) => d <= kth).length;
    });
    measured.BIN_IVF_FLAT = within / (NQ * K);
    assert.ok(measured.BIN_IVF_FLAT >= 0.93, `BIN_IVF_FLAT: ${measured.BIN_IVF_FLAT} of hits within the true k-th distance`);
  });
});
