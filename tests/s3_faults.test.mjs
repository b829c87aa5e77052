// Storage faults (STRATA_TEST_S3=1 only). A fault-injecting proxy (lib/fault_proxy.mjs) sits
// between Strata and radosgw. Four clients insert batches with explicit ids while the proxy
// cycles through 503 SlowDown and 500 InternalError bursts, delayed responses, connections cut
// mid-body, and a ~10 s outage (connections refused, then reset). Throughout, searches of the
// loaded data must succeed. During the outage, inserts must fail fast (well under the client's
// timeout) with a retriable Milvus status (code 2, ServiceUnavailable) instead of hanging. Once
// the proxy passes traffic again, inserts succeed again on the same server process. Every
// acknowledged row must then be present exactly once (count(*) and queries by id), and again
// after a SIGKILL and restart. Timings are printed as test diagnostics.
//
// The server runs with a short S3 retry budget (--s3-retry-seconds) so that the first insert
// to meet the outage gives up within a few seconds; with the default 30 s budget it would
// outlast a typical client timeout.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir, sleep, s3Mode, runBin } from './lib/server.mjs';
import { startFaultProxy } from './lib/fault_proxy.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, rng, randomVectors,
  countRows, queryByIds, waitLoadState, settle, statusOf, withTimeout,
} from './lib/milvus.mjs';

const DIM = 8;
const BATCH = 50;
const CLIENTS = 4;
const RETRY_SECONDS = 3;
const INSERT_TIMEOUT_MS = 15000; // the clients' own deadline
const FAST_FAIL_MS = 6000; // an outage failure must come back within this (budget + margin)
const kServiceUnavailable = 2;
const skip = s3Mode() ? false : 'needs a bucket: set STRATA_TEST_S3=1 with the exports of scripts/start-s3 (doc/testing-s3.md)';

const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);

describe('S3 faults: errors, delays, cuts and an outage between Strata and radosgw', { skip, timeout: 420000 }, () => {
  const storage = skip ? null : tempDir('s3faults');
  const name = uniqueName('s3_faults');
  const rand = rng(777);
  const queries = randomVectors(3, DIM, rand);
  let proxy;
  let server;
  let admin;
  let writers = [];
  let nextId = 1;
  const acked = new Set(); // ids of acknowledged rows
  const attempted = new Set(); // ids of every row ever sent
  const inserts = []; // {phase, start, ms, ok, code, retriable, reason, threw}
  const searches = []; // {phase, ok, reason}
  let phase = 'setup';
  let extraArgs = [];

  const serverOpts = (n) => ({ storage, name: `s3faults-${n}`, s3Endpoint: proxy.endpoint, extraArgs });

  function batch() {
    const vecs = randomVectors(BATCH, DIM, rand);
    return vecs.map((vec) => {
      const id = nextId++;
      attempted.add(id);
      return { id, vec, tag: `t${id}` };
    });
  }

  async function insertOnce(c) {
    const rows = batch();
    const rec = { phase, start: Date.now() };
    let res;
    try {
      res = await settle(() => c.insert({ collection_name: name, data: rows, timeout: INSERT_TIMEOUT_MS }));
    } catch (e) {
      Object.assign(rec, { ms: Date.now() - rec.start, ok: false, threw: e.message });
      inserts.push(rec);
      return rec;
    }
    const s = statusOf(res);
    rec.ms = Date.now() - rec.start;
    rec.ok = s?.error_code === 'Success' && Number(s.code || 0) === 0;
    if (rec.ok) {
      for (const r of rows) acked.add(r.id);
    } else {
      Object.assign(rec, { code: Number(s?.code), errorCode: s?.error_code, retriable: s?.retriable, reason: s?.reason });
    }
    inserts.push(rec);
    return rec;
  }

  async function writer(c, state) {
    while (!state.stop) {
      const rec = await insertOnce(c);
      if (!rec.ok) await sleep(100);
    }
  }

  async function searchOnce(c) {
    let ok = false;
    let reason = '';
    try {
      const res = await c.search({ collection_name: name, data: queries, limit: 5, output_fields: ['tag'], timeout: INSERT_TIMEOUT_MS });
      ok = statusOf(res)?.error_code === 'Success' && res.results.length === queries.length && res.results.every((r) => r.length === 5);
      if (!ok) reason = JSON.stringify(statusOf(res));
    } catch (e) {
      reason = e.message;
    }
    searches.push({ phase, ok, reason });
  }

  // Runs searches until `ms` have passed.
  async function hold(ms, c) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await searchOnce(c);
      await sleep(200);
    }
  }

  // Every attempted id stored at most once, every acknowledged id stored, count(*) agreeing.
  async function checkRows(c, what) {
    const rows = await queryByIds(c, name, 'id', [...attempted], ['id', 'tag']);
    const seen = new Map();
    for (const r of rows) seen.set(String(r.id), (seen.get(String(r.id)) || 0) + 1);
    const dup = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual(dup, [], `${what}: ids stored more than once`);
    const missing = [...acked].filter((id) => !seen.has(String(id)));
    assert.deepEqual(missing.slice(0, 20), [], `${what}: ${missing.length} acknowledged ids missing`);
    for (const r of rows) assert.equal(r.tag, `t${r.id}`, `${what}: payload of id ${r.id}`);
    assert.equal(await countRows(c, name), rows.length, `${what}: count(*) equals the distinct stored ids`);
    return new Set(seen.keys());
  }

  before(async () => {
    const help = await runBin(['serve', '--help']);
    assert.match(help.stdout + help.stderr, /--s3-retry-seconds/, 'strata serve needs --s3-retry-seconds');
    extraArgs = ['--s3-retry-seconds', String(RETRY_SECONDS)];
    proxy = await startFaultProxy(process.env.S3_ENDPOINT);
    server = await startServer(serverOpts(1));
    admin = await connect(server.address);
  });

  after(async () => {
    for (const w of writers) w.state.stop = true;
    await Promise.allSettled(writers.map((w) => w.done));
    await closeAll([admin, ...writers.map((w) => w.client)]);
    await server?.stop().catch(() => server.kill9());
    await proxy?.close();
  });

  test('setup: a loaded collection with flushed rows', async () => {
    assertOk(await admin.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'tag', data_type: DataType.VarChar, max_length: 32 },
      ],
    }), 'createCollection');
    for (let i = 0; i < 4; i++) assert.ok((await insertOnce(admin)).ok, 'initial insert');
    await flushSync(admin, name);
    assertOk(await admin.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2', params: {} }), 'createIndex');
    await loadSync(admin, name);
    await searchOnce(admin);
    assert.ok(searches.at(-1).ok, `search before faults: ${searches.at(-1).reason}`);
  });

  test('faults cycle: inserts keep going, searches never fail, the outage fails fast, recovery needs no restart', async (t) => {
    const pid = server.pid;
    for (let k = 0; k < CLIENTS; k++) {
      const client = await connect(server.address, { maxRetries: 0 });
      const state = { stop: false };
      writers.push({ client, state, done: writer(client, state) });
    }
    const cycle = [
      ['pass-through', {}, 2000],
      ['503 SlowDown 50%', { errorRate: 0.5, errorStatus: 503 }, 4000],
      ['500 InternalError 30%', { errorRate: 0.3, errorStatus: 500 }, 3000],
      ['delay 300 ms', { delayMs: 300 }, 3000],
      ['delay 1500 ms', { delayMs: 1500 }, 4000],
      ['cut mid-body 30%', { cutRate: 0.3 }, 4000],
      ['503 SlowDown 90%', { errorRate: 0.9, errorStatus: 503 }, 3000],
      // Healthy again before the outage, so the first inserts to meet it pay the whole retry
      // budget (later ones fail at once: the store remembers the service is unreachable).
      ['pass-through again', {}, 2000],
    ];
    for (const [label, faults, ms] of cycle) {
      phase = label;
      await proxy.passThrough();
      proxy.set(faults);
      if (label === '503 SlowDown 50%') {
        // A flush under errors either works or fails retriably; it must not wedge the collection.
        const res = await withTimeout(admin.flush({ collection_names: [name] }), 60000, 'flush under 503s');
        const s = statusOf(res);
        assert.ok(s.error_code === 'Success' || Number(s.code) === kServiceUnavailable, `flush under 503s: ${JSON.stringify(s)}`);
      }
      await hold(ms, admin);
    }

    // Inserts issued before the proxy stopped listening may still land; the outage starts once
    // it has (a millisecond later, so a same-millisecond start is not counted in it).
    await proxy.down('refuse');
    phase = 'outage';
    await sleep(1);
    const outageStart = Date.now();
    await hold(5000, admin);
    await proxy.down('reset');
    await hold(5000, admin);
    const outageEnd = Date.now();

    phase = 'recovery';
    const recoveryStart = Date.now();
    await proxy.passThrough();
    let recoveredAt = null;
    while (Date.now() - recoveryStart < 30000) {
      recoveredAt = inserts.find((r) => r.ok && r.start >= recoveryStart)?.start;
      if (recoveredAt) break;
      await searchOnce(admin);
      await sleep(50);
    }
    const firstOkEnd = inserts.find((r) => r.ok && r.start >= recoveryStart);
    await hold(3000, admin);
    for (const w of writers) w.state.stop = true;
    await Promise.all(writers.map((w) => w.done));

    // Report.
    const byPhase = new Map();
    for (const r of inserts) {
      const p = byPhase.get(r.phase) || { ok: 0, failed: 0, ms: [] };
      if (r.ok) p.ok += 1;
      else p.failed += 1;
      p.ms.push(r.ms);
      byPhase.set(r.phase, p);
    }
    for (const [p, v] of byPhase) {
      t.diagnostic(`${p}: ${v.ok} inserts acknowledged, ${v.failed} failed, median ${median(v.ms)} ms, max ${Math.max(...v.ms)} ms`);
    }
    const during = inserts.filter((r) => r.start >= outageStart && r.start < outageEnd);
    const failedDuring = during.filter((r) => !r.ok);
    t.diagnostic(`outage: ${during.length} inserts started, ${failedDuring.length} failed; failure latency median ${median(failedDuring.map((r) => r.ms))} ms, max ${Math.max(...failedDuring.map((r) => r.ms))} ms`);
    const met = inserts.filter((r) => !r.ok && r.start < outageStart && r.start + r.ms >= outageStart);
    t.diagnostic(`outage: ${met.length} inserts in flight when it began failed after ${met.map((r) => r.ms).join(', ')} ms (retry budget ${RETRY_SECONDS} s)`);
    t.diagnostic(`recovery: first acknowledged insert started ${recoveredAt - recoveryStart} ms after pass-through and took ${firstOkEnd?.ms} ms`);
    t.diagnostic(`searches: ${searches.length}, failed ${searches.filter((s) => !s.ok).length}; proxy ${JSON.stringify(proxy.stats)}`);
    t.diagnostic(`rows: ${attempted.size} sent, ${acked.size} acknowledged`);

    // Searches of loaded data never failed, outage included.
    const badSearch = searches.filter((s) => !s.ok);
    assert.deepEqual(badSearch.slice(0, 5), [], 'searches that failed');
    assert.ok(searches.filter((s) => s.phase === 'outage').length >= 10, 'searches ran during the outage');
    // Every failed insert, in any phase, carried a retriable ServiceUnavailable status and came
    // back before the client's deadline (no client-side timeouts, no other error codes).
    for (const r of inserts.filter((x) => !x.ok)) {
      assert.equal(r.threw, undefined, `insert in phase "${r.phase}" threw after ${r.ms} ms: ${r.threw}`);
      assert.equal(r.code, kServiceUnavailable, `insert in phase "${r.phase}": code ${r.code} ${r.errorCode} ${r.reason}`);
      assert.equal(r.retriable, true, `insert in phase "${r.phase}" not marked retriable: ${r.reason}`);
      assert.ok(r.ms < INSERT_TIMEOUT_MS / 2, `insert in phase "${r.phase}" took ${r.ms} ms to fail`);
    }
    // The outage: inserts failed, fast.
    assert.ok(failedDuring.length >= CLIENTS, `inserts failed during the outage (${failedDuring.length})`);
    // An insert that started late in the outage may retry into the recovery and be acknowledged
    // then, after its write landed; none may be acknowledged before the storage is back.
    assert.deepEqual(during.filter((r) => r.ok && r.start + r.ms < outageEnd)
      .map((r) => `started ${r.start - outageStart} ms into the outage, acknowledged after ${r.ms} ms`), [],
    'no insert can be acknowledged while the storage is down');
    for (const r of failedDuring) {
      assert.ok(r.ms < FAST_FAIL_MS, `an insert during the outage took ${r.ms} ms to fail (limit ${FAST_FAIL_MS}, client timeout ${INSERT_TIMEOUT_MS})`);
    }
    // Recovery without a restart.
    assert.ok(recoveredAt, 'an insert was acknowledged within 30 s of the storage coming back');
    assert.equal(server.pid, pid, 'same server process');
    assert.doesNotThrow(() => process.kill(pid, 0), 'the server process is still running');
    const after = inserts.filter((r) => r.start >= recoveredAt);
    assert.ok(after.length > 0 && after.every((r) => r.ok), `every insert after recovery succeeded: ${JSON.stringify(after.filter((r) => !r.ok).slice(0, 3))}`);
    // Something actually happened at every fault.
    assert.ok(proxy.stats.injected > 0 && proxy.stats.delayed > 0 && proxy.stats.cutResponse + proxy.stats.cutRequest > 0 && proxy.stats.reset > 0, JSON.stringify(proxy.stats));
  });

  let stored;
  test('after the faults: every acknowledged row present exactly once; flush works', async () => {
    stored = await checkRows(admin, 'after the faults');
    await flushSync(admin, name);
    assert.deepEqual(await checkRows(admin, 'after flush'), stored);
  });

  test('after SIGKILL and restart: the same rows', async () => {
    // Rows written after the flush stay in the WAL for recovery to replay.
    for (let i = 0; i < 3; i++) assert.ok((await insertOnce(admin)).ok, 'insert before the kill');
    stored = await checkRows(admin, 'before the kill');
    await closeAll([admin, ...writers.map((w) => w.client)]);
    writers = [];
    admin = null;
    await server.kill9();
    server = await startServer(serverOpts(2));
    admin = await connect(server.address);
    await waitLoadState(admin, name, 'LoadStateLoaded', 60000);
    assert.deepEqual(await checkRows(admin, 'after restart'), stored);
  });
});
