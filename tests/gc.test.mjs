// Garbage collection: objects no manifest names (what a crash between a write and its commit
// leaves) are deleted, and uploads a dead writer left unfinished are aborted, once they are
// older than --gc-min-age-seconds; nothing a collection needs is ever touched: not its
// segments, index files or unflushed WAL, not while flushes run beside the rounds. /metrics
// counts the rounds and what they deleted and aborted.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir, sleep } from './lib/server.mjs';
import { pendingUploads, plantObject, plantUpload, storageObjects } from './lib/storage.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, rng, randomVectors,
  waitIndexFinished, countRows,
} from './lib/milvus.mjs';

const DIM = 8;
const KINDS = ['insert_log', 'stats_log', 'delta_log', 'index_files', 'wal'];

// {`kind/path`: stamp} of every object under the data prefixes.
async function dataObjects(storage) {
  const out = {};
  for (const kind of KINDS)
    for (const o of await storageObjects(storage, kind)) out[`${kind}/${o.path}`] = o.stamp;
  return out;
}

async function gcMetrics(server) {
  const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
  const value = (name) => {
    const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
    assert.ok(m, `${name} missing from /metrics`);
    return Number(m[1]);
  };
  return {
    rounds: value('strata_gc_rounds_total'), skipped: value('strata_gc_skipped_total'),
    failed: value('strata_gc_failed_total'), deleted: value('strata_gc_deleted_objects_total'),
    aborted: value('strata_gc_aborted_uploads_total'),
  };
}

// Polls /metrics until `ok(metrics)` holds; bounded.
async function waitMetrics(server, ok, what, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = await gcMetrics(server);
    if (ok(m)) return m;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(m)} after ${ms} ms`);
    await sleep(200);
  }
}

describe('garbage collection', { timeout: 300000 }, () => {
  const storage = tempDir('gc');
  const vectors = randomVectors(3000, DIM, rng(5));
  const fields = [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
  ];
  const rows = (first, n) => Array.from({ length: n }, (_, i) => ({ id: first + i, vec: vectors[first + i] }));
  let server;
  let client;
  let name;
  let collectionId;
  let live;
  let planted;
  let plantedUploads;
  const allUploads = async () => [
    ...await pendingUploads(storage, 'insert_log'), ...await pendingUploads(storage, 'index_files'),
  ].sort();

  const restart = async (label, extraArgs) => {
    await closeAll([client]);
    await server?.stop('SIGTERM');
    server = await startServer({ storage, name: `gc-${label}`, extraArgs });
    client = await connect(server.address);
  };

  before(async () => {
    // Rounds every second; nothing unnamed is old enough to go.
    server = await startServer({ storage, name: 'gc-1', extraArgs: ['--gc-interval-seconds', '1'] });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('objects nothing names survive while younger than --gc-min-age-seconds', async () => {
    name = uniqueName('gc');
    assertOk(await client.createCollection({ collection_name: name, fields }), 'create');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'HNSW', metric_type: 'L2', params: { M: 8, efConstruction: 64 } }), 'createIndex');
    assertOk(await client.insert({ collection_name: name, data: rows(0, 1000) }), 'insert');
    await flushSync(client, name);
    await waitIndexFinished(client, name, 'vec');
    assertOk(await client.delete({ collection_name: name, filter: 'id in [1, 2]' }), 'delete');
    assertOk(await client.insert({ collection_name: name, data: rows(1000, 100) }), 'insert (left unflushed)');
    const desc = await client.describeCollection({ collection_name: name });
    collectionId = String(desc.collectionID);
    live = await dataObjects(storage);
    assert.ok(Object.keys(live).some((k) => k.startsWith('index_files/')), JSON.stringify(live));
    assert.ok(Object.keys(live).some((k) => k.startsWith('wal/')), 'the unflushed insert is in the WAL');

    // What crashes leave: a segment and an index file written but never committed, deletes
    // flushed but never committed, and the WAL of a collection dropped before its cleanup.
    planted = [
      `insert_log/${collectionId}/1/2/100/3`, `insert_log/${collectionId}/1/2/101/3`,
      `stats_log/${collectionId}/1/2/100/3`, 'index_files/4/1/1/2/vec', `delta_log/${collectionId}/0/0/5`,
      'wal/6/0/00000000000000000001',
    ];
    for (const key of planted) await plantObject(storage, key, 'left by a crash');
    // And uploads of a segment and an index file whose writer died before finishing them.
    plantedUploads = [`index_files/7/1/1/2/vec`, `insert_log/${collectionId}/1/2/102/3`];
    for (const key of plantedUploads) await plantUpload(storage, key, 'first part');
    assert.deepEqual(await allUploads(), plantedUploads);
    const before = await gcMetrics(server);
    await waitMetrics(server, (m) => m.rounds >= before.rounds + 2, 'two more rounds');
    const now = await dataObjects(storage);
    for (const key of planted) assert.ok(key in now, `${key} is younger than an hour: kept`);
    assert.deepEqual(await allUploads(), plantedUploads, 'young uploads are kept');
    const m = await gcMetrics(server);
    assert.equal(m.deleted, 0);
    assert.equal(m.aborted, 0);
    assert.equal(m.failed, 0);
  });

  test('once old enough they are deleted, and every live object stays', async () => {
    await sleep(1100);  // the planted objects are now over a second old
    await restart('2', ['--gc-interval-seconds', '1', '--gc-min-age-seconds', '1']);
    const m = await waitMetrics(server, (x) => x.deleted >= planted.length && x.aborted >= 2,
      'the planted objects deleted and uploads aborted');
    assert.equal(m.deleted, planted.length, 'only the planted objects');
    assert.equal(m.aborted, plantedUploads.length, 'only the planted uploads');
    assert.deepEqual(await allUploads(), []);
    assert.equal(m.failed, 0);
    assert.deepEqual(await dataObjects(storage), live, 'every live object, unchanged');
    await loadSync(client, name);
    assert.equal(await countRows(client, name), 1098);
    const res = await client.search({ collection_name: name, data: [vectors[500]], limit: 1, params: { ef: 64 } });
    assertOk(res, 'search');
    assert.equal(Number(res.results[0].id), 500);
  });

  test('flushes beside rounds that keep nothing back lose no row', async () => {
    // With no minimum age, only the rounds' own ordering keeps a flush's objects from being
    // taken for garbage between their write and the commit that names them.
    await restart('3', ['--gc-interval-seconds', '0.05', '--gc-min-age-seconds', '0', '--auto-compaction', 'false']);
    const start = await gcMetrics(server);
    const until = Date.now() + 4000;  // about 80 rounds locally, 10 or more on S3
    let next = 1100;
    while (next + 20 <= vectors.length && Date.now() < until) {
      assertOk(await client.insert({ collection_name: name, data: rows(next, 20) }), 'insert');
      next += 20;
      await flushSync(client, name);
    }
    const during = await gcMetrics(server);
    assert.ok(during.rounds >= start.rounds + 5, `rounds ran during the flushes: ${JSON.stringify([start, during])}`);
    assert.equal(during.failed, 0);
    assert.equal(await countRows(client, name), next - 2);
    await restart('4', ['--gc-interval-seconds', '0']);
    await loadSync(client, name);
    assert.equal(await countRows(client, name), next - 2, 'every row after a restart');
    const m = await gcMetrics(server);
    assert.equal(m.rounds, 0, '--gc-interval-seconds 0 runs none');
  });
});
