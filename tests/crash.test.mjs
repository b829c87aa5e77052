// Crash safety. Four concurrent clients insert 200-row batches (two into a collection with
// explicit Int64 ids, two into an auto_id collection whose ids come back in the acknowledgement);
// the server is SIGKILLed at a random moment and restarted on the same folder, three rounds.
// After each restart: every acknowledged row is present exactly once with its payload, a batch in
// flight at the kill is all there or not there at all, count(*) has no extra rows, and auto ids are
// never handed out twice. Then flush, prove the WAL is empty and the column files exist, restart
// cleanly, and check that everything is identical.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir, sleep } from './lib/server.mjs';
import { collectionFiles, columnFileStamps, storageFiles, waitWalEmpty } from './lib/storage.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, rng, randomVectors,
  countRows, queryByIds, waitLoadState, withTimeout,
} from './lib/milvus.mjs';

const DIM = 16;
const BATCH = 200;
const CLIENTS = 4;
const ROUNDS = 3;
const seed = Number(process.env.STRATA_CRASH_SEED || Date.now() % 1e9);

describe(`crash recovery (seed ${seed})`, { timeout: 600000 }, () => {
  const storage = tempDir('crash');
  const rand = rng(seed);
  const explicitName = uniqueName('crash_explicit');
  const autoName = uniqueName('crash_auto');
  let server;
  let client;
  let nextId = 1;
  let batchNo = 0;

  // explicit: id -> tag of every row known to be stored (acknowledged, or found after a crash).
  const explicitRows = new Map();
  // auto: acknowledged id -> tag; rows of unacknowledged batches found after a crash are only counted.
  const autoRows = new Map();
  let autoUnackedStored = 0;

  const schema = (autoID) => [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID },
    { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
    { name: 'tag', data_type: DataType.VarChar, max_length: 64 },
  ];

  async function ensureLoaded(c) {
    for (const n of [explicitName, autoName]) {
      const st = await c.getLoadState({ collection_name: n });
      assertOk(st, `getLoadState ${n}`);
      if (st.state === 'LoadStateNotLoad') await loadSync(c, n);
      else await waitLoadState(c, n, 'LoadStateLoaded', 60000);
    }
  }

  // One client inserting batches until told to stop or until the server goes away.
  async function writer(k, round, c, state) {
    const auto = k >= CLIENTS / 2;
    while (!state.stop) {
      batchNo += 1;
      const b = batchNo;
      const vectors = randomVectors(BATCH, DIM, rand);
      const rows = vectors.map((vec, i) => {
        const tag = `r${round}-c${k}-b${b}-${i}`;
        return auto ? { vec, tag } : { id: nextId++, vec, tag };
      });
      const entry = { auto, rows, acked: false };
      state.inflight.add(entry);
      let res;
      try {
        // Bounded: the SDK's default insert timeout is unbounded.
        res = await c.insert({ collection_name: auto ? autoName : explicitName, data: rows, timeout: 15000 });
      } catch (e) {
        state.errors.push(e.message);
        return;
      }
      if (res.status?.error_code === 'Success') {
        entry.acked = true;
        state.inflight.delete(entry);
        state.acked += 1;
        if (auto) {
          const ids = res.IDs.int_id.data.map(String);
          assert.equal(ids.length, BATCH, 'one auto id per row');
          ids.forEach((id, i) => {
            assert.ok(!autoRows.has(id), `auto id ${id} handed out twice`);
            autoRows.set(id, rows[i].tag);
          });
        } else {
          for (const r of rows) explicitRows.set(String(r.id), r.tag);
        }
      } else {
        state.errors.push(`insert status ${JSON.stringify(res.status)}`);
        return;
      }
    }
  }

  async function verify(c, inflight, what) {
    // Explicit ids: each known row once with its tag; each unacknowledged batch all or nothing.
    const unacked = [...inflight].filter((e) => !e.auto);
    const knownIds = [...explicitRows.keys()];
    const probeIds = [...knownIds, ...unacked.flatMap((e) => e.rows.map((r) => String(r.id)))];
    const found = await queryByIds(c, explicitName, 'id', probeIds, ['tag']);
    const seen = new Map();
    for (const row of found) {
      const id = String(row.id);
      assert.ok(!seen.has(id), `${what}: id ${id} returned twice`);
      seen.set(id, row.tag);
    }
    for (const [id, tag] of explicitRows) {
      assert.ok(seen.has(id), `${what}: acknowledged id ${id} lost`);
      assert.equal(seen.get(id), tag, `${what}: id ${id} payload`);
    }
    for (const e of unacked) {
      const present = e.rows.filter((r) => seen.has(String(r.id)));
      assert.ok(present.length === 0 || present.length === e.rows.length, `${what}: an unacknowledged batch is partly stored (${present.length}/${e.rows.length} rows)`);
      for (const r of present) {
        assert.equal(seen.get(String(r.id)), r.tag, `${what}: payload of unacknowledged id ${r.id}`);
        explicitRows.set(String(r.id), r.tag);
      }
    }
    assert.equal(seen.size, explicitRows.size, `${what}: explicit ids found vs known`);
    assert.equal(await countRows(c, explicitName), explicitRows.size, `${what}: count(*) of ${explicitName} (no duplicates, no ghosts)`);

    // Auto ids: each acknowledged id once with its tag; extra rows only whole in-flight batches.
    const autoFound = await queryByIds(c, autoName, 'id', [...autoRows.keys()], ['tag']);
    assert.equal(autoFound.length, autoRows.size, `${what}: acknowledged auto ids found once each (${autoFound.length} of ${autoRows.size})`);
    for (const row of autoFound) assert.equal(row.tag, autoRows.get(String(row.id)), `${what}: auto id ${row.id} payload`);
    const autoCount = await countRows(c, autoName);
    const extra = autoCount - autoRows.size - autoUnackedStored;
    const inflightAuto = [...inflight].filter((e) => e.auto).length;
    assert.ok(extra >= 0 && extra % BATCH === 0 && extra <= inflightAuto * BATCH,
      `${what}: ${autoName} count ${autoCount}, acknowledged ${autoRows.size}, earlier unacknowledged ${autoUnackedStored}, in flight ${inflightAuto} batches`);
    autoUnackedStored += extra;
  }

  before(async () => {
    server = await startServer({ storage, name: 'crash-0' });
    client = await connect(server.address);
    for (const [n, auto] of [[explicitName, false], [autoName, true]]) {
      assertOk(await client.createCollection({ collection_name: n, fields: schema(auto) }), `create ${n}`);
      assertOk(await client.createIndex({ collection_name: n, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), `index ${n}`);
      await loadSync(client, n);
    }
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  for (let round = 1; round <= ROUNDS; round++) {
    test(`round ${round}: SIGKILL mid-stream, restart, every acknowledged row present once`, async (t) => {
      const writers = [];
      for (let k = 0; k < CLIENTS; k++) writers.push(await connect(server.address, { maxRetries: 0, timeout: 15000 }));
      const state = { stop: false, inflight: new Set(), acked: 0, errors: [] };
      const ackedBefore = explicitRows.size + autoRows.size;
      const started = Date.now();
      const running = writers.map((c, k) => writer(k, round, c, state));

      const killAfter = 300 + Math.floor(rand() * 1200);
      await sleep(killAfter);
      // The kill must land mid-stream: wait (bounded) for a first acknowledgement if none yet.
      const ackDeadline = Date.now() + 20000;
      while (state.acked === 0 && Date.now() < ackDeadline && state.errors.length === 0) await sleep(20);
      assert.ok(state.acked > 0, `no batch acknowledged ${Date.now() - started} ms after the writers started; errors: ${state.errors.slice(0, 3)}\n${server.stderrTail()}`);
      assert.equal(state.errors.length, 0, `writers failed before the kill: ${state.errors.slice(0, 3)}`);
      await server.kill9();
      state.stop = true;
      await withTimeout(Promise.all(running), 30000, 'writers to notice the dead server');
      await closeAll(writers);
      const acked = explicitRows.size + autoRows.size - ackedBefore;
      t.diagnostic(`round ${round}: killed after ${Date.now() - started} ms, ${acked} rows acknowledged, ${state.inflight.size} batches in flight`);

      await closeAll([client]);
      server = await startServer({ storage, name: `crash-${round}`, readyTimeoutMs: 60000 });
      client = await connect(server.address);
      await ensureLoaded(client);
      await verify(client, state.inflight, `round ${round}`);
    });
  }

  test('flush: WAL emptied, column files written; clean restart gives identical results', async () => {
    await flushSync(client, [explicitName, autoName], 120000);
    for (const n of [explicitName, autoName]) {
      const desc = await client.describeCollection({ collection_name: n });
      assertOk(desc, `describe ${n}`);
      assert.ok((await collectionFiles(storage, 'insert_log', desc)).length > 0, `insert_log/ holds column files for ${n} (id ${desc.collectionID})`);
    }
    await waitWalEmpty(storage);

    const snapshot = async (c) => {
      const ex = await queryByIds(c, explicitName, 'id', [...explicitRows.keys()], ['tag']);
      const au = await queryByIds(c, autoName, 'id', [...autoRows.keys()], ['tag']);
      const probe = randomVectors(1, DIM, rng(seed + 1))[0];
      const s = await c.search({ collection_name: explicitName, data: [probe], limit: 20, output_fields: ['tag'] });
      assertOk(s, 'search');
      return {
        explicitCount: await countRows(c, explicitName),
        autoCount: await countRows(c, autoName),
        explicit: ex.map((r) => `${r.id}=${r.tag}`).sort(),
        auto: au.map((r) => `${r.id}=${r.tag}`).sort(),
        search: s.results.map((h) => `${h.id}=${h.tag}@${Math.fround(h.score)}`),
      };
    };
    const snap1 = await snapshot(client);
    assert.equal(snap1.explicitCount, explicitRows.size);
    assert.equal(snap1.explicit.length, explicitRows.size);
    const stamps = await columnFileStamps(storage);

    await closeAll([client]);
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null }, 'clean exit');
    server = await startServer({ storage, name: 'crash-final' });
    client = await connect(server.address);
    await ensureLoaded(client);
    const afterRestart = await snapshot(client);
    assert.deepEqual(afterRestart, snap1, 'identical after restart');
    assert.deepEqual(await columnFileStamps(storage), stamps, 'column files loaded, not rewritten');
    await waitWalEmpty(storage, 1000);
  });
});
