// Through-the-server ANN search: loads a .fvecs base into a running Strata with the Node SDK,
// flushes, builds the index in the server, loads, then searches the queries in batches (100 by
// default) from `--clients` concurrent connections for at least `--seconds`, and reports QPS
// (queries per second, all clients together) and recall@10 against an .ivecs ground truth.
// Usage: see bench/ann_server/README.md.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { machineCpuTicks, ownCpuSeconds, processCpuSeconds } from '../lib/cpu.mjs';
import { rawMilvusChannel } from '../lib/raw_grpc.mjs';

// The SDK is installed once, for the tests.
const require = createRequire(new URL('../../tests/package.json', import.meta.url));
const { MilvusClient, DataType } = require('@zilliz/milvus2-sdk-node');

function parseArgs(argv) {
  const out = { batch: '100', clients: '2', seconds: '10', 'limit-base': '0', 'limit-query': '0', client: 'sdk' };
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['address', 'base', 'query', 'gt', 'metric', 'index', 'build', 'search'])
    if (!out[k]) throw new Error(`--${k} is required`);
  if (!['sdk', 'encoded'].includes(out.client)) throw new Error('--client is sdk or encoded');
  return out;
}

// .fvecs / .ivecs: per vector an int32 dimension, then that many 4-byte values.
function readVecs(file, limit, Type) {
  const b = fs.readFileSync(file);
  const dim = b.readInt32LE(0);
  const rec = 4 + 4 * dim;
  let n = b.length / rec;
  if (!Number.isInteger(n)) throw new Error(`${file}: not a whole number of ${dim}-d records`);
  if (limit > 0) n = Math.min(n, limit);
  const rows = new Array(n);
  for (let i = 0; i < n; i += 1) rows[i] = Array.from(new Type(b.buffer.slice(b.byteOffset + i * rec + 4, b.byteOffset + (i + 1) * rec)));
  return { dim, rows };
}

const ok = (res, what) => {
  const s = res?.status ?? res;
  if (s?.error_code !== undefined && s.error_code !== 'Success') throw new Error(`${what}: ${s.error_code} ${s.reason}`);
  return res;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const a = parseArgs(process.argv);
  const base = readVecs(a.base, Number(a['limit-base']), Float32Array);
  const queries = readVecs(a.query, Number(a['limit-query']), Float32Array);
  const gt = readVecs(a.gt, queries.rows.length, Int32Array);
  const build = JSON.parse(a.build);
  const search = JSON.parse(a.search);
  const batch = Number(a.batch);
  const name = `ann_server_${process.pid}`;
  const client = new MilvusClient({ address: a.address, timeout: 600000, logLevel: 'error' });
  await client.connectPromise;

  ok(await client.createCollection({
    collection_name: name,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: base.dim },
    ],
  }), 'createCollection');
  let t = Date.now();
  for (let i = 0; i < base.rows.length; i += 1000) {
    const data = base.rows.slice(i, i + 1000).map((vec, j) => ({ id: i + j, vec }));
    ok(await client.insert({ collection_name: name, data }), 'insert');
  }
  ok(await client.flush({ collection_names: [name] }), 'flush');
  const insertS = (Date.now() - t) / 1000;
  t = Date.now();
  ok(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: a.index, metric_type: a.metric, params: build }), 'createIndex');
  for (;;) {
    const st = ok(await client.getIndexState({ collection_name: name, field_name: 'vec' }), 'getIndexState');
    if (st.state === 'Finished') break;
    if (st.state === 'Failed') throw new Error(`index build failed: ${st.fail_reason}`);
    await sleep(100);
  }
  const indexS = (Date.now() - t) / 1000;
  ok(await client.loadCollectionSync({ collection_name: name }), 'load');
  // Sealed segments searched: compaction merges the ones sealing cut, as in-process is one index.
  const segmentInfo = ok(await client.getPersistentSegmentInfo({ collectionName: name }), 'getPersistentSegmentInfo');

  const clients = [client];
  for (let c = 1; c < Number(a.clients); c += 1) {
    const extra = new MilvusClient({ address: a.address, timeout: 600000, logLevel: 'error' });
    await extra.connectPromise;
    clients.push(extra);
  }
  const batches = [];
  for (let i = 0; i < queries.rows.length; i += batch) batches.push(i);
  // --client sdk: MilvusClient.search with the queries as number arrays, as most applications
  // call it. --client encoded: each batch's whole SearchRequest is encoded once before the
  // timing and sent as bytes on a plain grpc-js channel per client (../lib/raw_grpc.mjs); each
  // reply is decoded and its ids read. That is close to the least a Node client can spend.
  const PlaceholderGroup = client.milvusProto.lookupType('milvus.proto.common.PlaceholderGroup');
  const SearchRequest = client.milvusProto.lookupType('milvus.proto.milvus.SearchRequest');
  const SearchResults = client.milvusProto.lookupType('milvus.proto.milvus.SearchResults');
  const channels = new Map();
  const channelOf = (c) => {
    if (!channels.has(c)) channels.set(c, rawMilvusChannel(a.address));
    return channels.get(c);
  };
  const encoded = new Map();
  for (const first of batches) {
    const values = queries.rows.slice(first, first + batch).map((v) => Buffer.from(new Float32Array(v).buffer));
    const placeholder_group = Buffer.from(PlaceholderGroup.encode(PlaceholderGroup.create({ placeholders: [{ tag: '$0', type: 101, values }] })).finish());
    const params = { anns_field: 'vec', topk: 10, params: JSON.stringify(search), metric_type: a.metric };
    encoded.set(first, Buffer.from(SearchRequest.encode(SearchRequest.create({
      collectionName: name, dsl: '', dslType: 1 /* BoolExprV1 */, nq: values.length, outputFields: [],
      placeholderGroup: placeholder_group,
      searchParams: Object.entries(params).map(([key, value]) => ({ key, value: String(value) })),
    })).finish()));
  }
  // Resolves to the hit ids of each query of the batch.
  const runBatch = async (c, first) => {
    if (a.client === 'encoded') {
      // Decoded without toObject (which copies every field into a new object tree): the
      // status is checked and every id is read as a number, as an application would use them.
      const reply = await channelOf(c).call('Search', encoded.get(first), 600000);
      const res = SearchResults.decode(reply);
      if (!res.results || (res.status && res.status.code)) throw new Error(`search: ${JSON.stringify(res.status)}`);
      const ids = res.results.ids.intId.data;
      const out = [];
      let at = 0;
      for (const k of res.results.topks) {
        const n = Number(k);
        const row = new Array(n);
        for (let j = 0; j < n; j += 1) {
          const id = ids[at + j];
          row[j] = typeof id === 'number' ? id : id.toNumber();
        }
        out.push(row);
        at += n;
      }
      return out;
    }
    const data = queries.rows.slice(first, first + batch);
    const res = ok(await c.search({ collection_name: name, data, limit: 10, params: search, output_fields: [] }), 'search');
    return (data.length === 1 ? [res.results] : res.results).map((hits) => hits.map((h) => h.id));
  };
  // Warm-up: one pass over the queries, which also gives recall.
  let hits = 0;
  for (const first of batches) {
    const results = await runBatch(client, first);
    results.forEach((r, q) => {
      const want = new Set(gt.rows[first + q].slice(0, 10));
      for (const id of r) if (want.has(Number(id))) hits += 1;
    });
  }
  const recall = hits / (queries.rows.length * 10);
  // Timed: every client takes the next batch until --seconds have passed and every client has
  // finished its last batch.
  let next = 0;
  let done = 0;
  const deadline = Date.now() + Number(a.seconds) * 1000;
  const serverPid = a['server-pid'] ? Number(a['server-pid']) : 0;
  const serverCpu0 = serverPid ? processCpuSeconds(serverPid) : 0;
  const clientCpu0 = ownCpuSeconds();
  const machine0 = machineCpuTicks();
  console.error(`ann_server: timing ${a.seconds} s of searches`);
  const start = process.hrtime.bigint();
  await Promise.all(clients.map(async (c) => {
    while (Date.now() < deadline) {
      const first = batches[next % batches.length];
      next += 1;
      const n = Math.min(batch, queries.rows.length - first);
      await runBatch(c, first);
      done += n;
    }
  }));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const clientCpuS = ownCpuSeconds() - clientCpu0;
  const machine1 = machineCpuTicks();
  const serverCpuS = serverPid ? processCpuSeconds(serverPid) - serverCpu0 : null;
  ok(await client.dropCollection({ collection_name: name }), 'drop');
  for (const ch of channels.values()) ch.close();
  await Promise.allSettled(clients.map((c) => c.closeConnection()));
  const out = {
    rows: base.rows.length, queries: queries.rows.length, dim: base.dim, index: a.index, build, search,
    batch, clients: clients.length, client: a.client, insert_s: insertS, index_build_s: indexS,
    segments: segmentInfo.infos.length, recall_at_10: recall,
    queries_timed: done, seconds: elapsed, qps: done / elapsed,
    // CPU per query on each side: robust on a shared machine, and it shows which side limits.
    client_cpu_ms_per_query: (1000 * clientCpuS) / done,
    server_cpu_ms_per_query: serverCpuS === null ? null : (1000 * serverCpuS) / done,
    // Share of the machine's CPU time left idle (or stolen by the host) while timing.
    machine_idle: (machine1.idle - machine0.idle) / (machine1.total - machine0.total),
    machine_steal: (machine1.steal - machine0.steal) / (machine1.total - machine0.total),
  };
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
