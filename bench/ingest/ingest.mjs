// Ingest benchmark: concurrent clients (one worker thread each, so the SDK's per-request CPU
// work runs in parallel) insert fixed-size batches of random float vectors into an auto_id
// collection for a fixed time, against an already running server. Reports rows/s, batches/s and
// the acknowledgement latency distribution, plus the raw fsync rate of the storage disk measured
// in the same run (4 KiB append + fsync in a loop), which bounds what a durable-before-ack
// write path can do without group commit.
//
//   node bench/ingest/ingest.mjs --address 127.0.0.1:19530 [--storage DIR] [--seconds 20]
//        [--clients 4] [--batch 1000] [--dim 128] [--fsync-seconds 3] [--keep] [--json]
//        [--client sdk|encoded]
//
// --client sdk (default): MilvusClient.insert with rows as JS objects, as applications call it;
// the SDK turns them into protobuf on every call, which costs the client about 8x the server's
// CPU per row. --client encoded: each worker encodes its 4 InsertRequests once, with the SDK's
// own protobuf definitions, and sends those bytes on a plain @grpc/grpc-js channel (the reply
// is decoded and checked): what the server sustains when the clients cost little, as with
// clients on other machines.
//
// The Milvus Node SDK is loaded from tests/node_modules (cd tests && npm install).

import { createRequire } from 'node:module';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { ownCpuSeconds, processCpuSeconds } from '../lib/cpu.mjs';
import { rawMilvusChannel } from '../lib/raw_grpc.mjs';

const require = createRequire(new URL('../../tests/package.json', import.meta.url));
let sdk;
try {
  sdk = require('@zilliz/milvus2-sdk-node');
} catch (e) {
  console.error('ingest: cannot load @zilliz/milvus2-sdk-node from tests/node_modules; run: cd tests && npm install');
  throw e;
}
const { MilvusClient, DataType } = sdk;

function parseArgs(argv) {
  const opts = { seconds: 20, clients: 4, batch: 1000, dim: 128, fsyncSeconds: 3, keep: false, json: false, serverPid: 0, client: 'sdk' };
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--address': opts.address = next(); break;
      case '--storage': opts.storage = next(); break;
      case '--seconds': opts.seconds = num(next(), 'seconds'); break;
      case '--clients': opts.clients = num(next(), 'clients'); break;
      case '--batch': opts.batch = num(next(), 'batch'); break;
      case '--dim': opts.dim = num(next(), 'dim'); break;
      case '--fsync-seconds': opts.fsyncSeconds = num(next(), 'fsync-seconds'); break;
      case '--collection': opts.collection = next(); break;
      case '--keep': opts.keep = true; break;
      case '--json': opts.json = true; break;
      case '--server-pid': opts.serverPid = num(next(), 'server-pid'); break;
      case '--client': opts.client = next(); break;
      case '-h': case '--help':
        console.log('usage: node bench/ingest/ingest.mjs --address HOST:PORT [--storage DIR] [--seconds 20] [--clients 4] [--batch 1000] [--dim 128] [--fsync-seconds 3] [--collection NAME] [--keep] [--json] [--server-pid PID] [--client sdk|encoded]');
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!opts.address) throw new Error('--address HOST:PORT is required');
  if (!['sdk', 'encoded'].includes(opts.client)) throw new Error('--client is sdk or encoded');
  opts.collection ||= `bench_ingest_${process.pid}`;
  return opts;
}

// Appends 4 KiB and fsyncs, in a loop, in a file inside `dir`; returns fsyncs per second.
function fsyncRate(dir, seconds) {
  const file = path.join(dir, `.fsync-probe-${process.pid}`);
  const buf = Buffer.alloc(4096, 0x5a);
  const fd = fs.openSync(file, 'w');
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  try {
    while (performance.now() < end) {
      fs.writeSync(fd, buf);
      fs.fsyncSync(fd);
      n += 1;
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return { fsyncs: n, perSecond: n / ((performance.now() - t0) / 1000) };
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// An insert function for the pre-encoded path: InsertRequest bytes straight onto a grpc-js
// channel, the MutationResult decoded and its status returned in the SDK's shape.
function encodedInserter(client, address, collection, batches, dim) {
  const InsertRequest = client.milvusProto.lookupType('milvus.proto.milvus.InsertRequest');
  const MutationResult = client.milvusProto.lookupType('milvus.proto.milvus.MutationResult');
  const encoded = batches.map((rows) => Buffer.from(InsertRequest.encode(InsertRequest.create({
    collectionName: collection,
    numRows: rows.length,
    fieldsData: [{
      type: DataType.FloatVector, fieldName: 'vec',
      vectors: { dim, floatVector: { data: rows.flatMap((r) => r.vec) } },
    }],
  })).finish()));
  const channel = rawMilvusChannel(address);
  const insert = async (b) => {
    const reply = await channel.call('Insert', encoded[b % encoded.length], 60000);
    const { status } = MutationResult.toObject(MutationResult.decode(reply), { enums: String, defaults: true });
    return { status: { error_code: status.errorCode, code: status.code, reason: status.reason } };
  };
  return { insert, close: channel.close };
}

// Worker: one client inserting pre-built batches until the deadline.
async function runWorker({ address, collection, batch, dim, seed, clientKind }) {
  const client = new MilvusClient({ address, timeout: 60000, logLevel: 'error' });
  await client.connectPromise;
  let s = seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const batches = [];
  for (let b = 0; b < 4; b++) {
    const rows = new Array(batch);
    for (let i = 0; i < batch; i++) {
      const vec = new Array(dim);
      for (let j = 0; j < dim; j++) vec[j] = rand();
      rows[i] = { vec };
    }
    batches.push(rows);
  }
  const encoded = clientKind === 'encoded' ? encodedInserter(client, address, collection, batches, dim) : null;
  const latencies = [];
  let rows = 0;
  const errors = [];
  // Connected and batches built: report ready, start when the main thread says go.
  const go = new Promise((resolve) => parentPort.once('message', resolve));
  parentPort.postMessage({ ready: true });
  const { deadline } = await go;
  for (let b = 0; Date.now() < deadline; b++) {
    const t = performance.now();
    try {
      const res = encoded
        ? await encoded.insert(b)
        : await client.insert({ collection_name: collection, data: batches[b % batches.length], timeout: 60000 });
      if (res.status.error_code !== 'Success') {
        errors.push(`${res.status.error_code} ${res.status.code}: ${res.status.reason}`);
        if (errors.length > 10) break;
        continue;
      }
      latencies.push(performance.now() - t);
      rows += batch;
    } catch (e) {
      errors.push(e.message);
      if (errors.length > 10) break;
    }
  }
  const endedAt = Date.now();
  encoded?.close();
  await client.closeConnection();
  return { latencies, rows, errors, endedAt };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const report = { address: opts.address, clients: opts.clients, client: opts.client, batch: opts.batch, dim: opts.dim, seconds: opts.seconds };

  if (opts.storage) {
    const f = fsyncRate(opts.storage, opts.fsyncSeconds);
    report.fsync = { dir: opts.storage, per_second: Math.round(f.perSecond), total: f.fsyncs };
  }

  const admin = new MilvusClient({ address: opts.address, timeout: 30000, logLevel: 'error' });
  await admin.connectPromise;
  const created = await admin.createCollection({
    collection_name: opts.collection,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: true },
      { name: 'vec', data_type: DataType.FloatVector, dim: opts.dim },
    ],
  });
  if (created.error_code !== 'Success') throw new Error(`createCollection: ${created.reason}`);

  // Workers load the SDK, connect and build their batches first (not timed), then all start
  // together when every one of them is ready.
  const workers = [];
  const ready = [];
  const done = [];
  for (let k = 0; k < opts.clients; k++) {
    const w = new Worker(new URL(import.meta.url), {
      workerData: { address: opts.address, collection: opts.collection, batch: opts.batch, dim: opts.dim, seed: 12345 + k, clientKind: opts.client },
    });
    workers.push(w);
    ready.push(new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    }));
    done.push(new Promise((resolve, reject) => {
      w.on('message', (m) => m.ready || resolve(m));
      w.once('error', reject);
      w.once('exit', (code) => code !== 0 && reject(new Error(`worker ${k} exited with ${code}`)));
    }));
  }
  await Promise.all(ready);
  const serverCpu0 = opts.serverPid ? processCpuSeconds(opts.serverPid) : 0;
  const clientCpu0 = ownCpuSeconds();
  const startAt = Date.now();
  const deadline = startAt + opts.seconds * 1000;
  for (const w of workers) w.postMessage({ deadline });
  const results = await Promise.all(done);
  const serverCpuS = opts.serverPid ? processCpuSeconds(opts.serverPid) - serverCpu0 : null;
  const clientCpuS = ownCpuSeconds() - clientCpu0;
  const elapsed = (Math.max(...results.map((r) => r.endedAt || deadline)) - startAt) / 1000;

  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const rows = results.reduce((a, r) => a + r.rows, 0);
  const errors = results.flatMap((r) => r.errors);
  report.ingest = {
    rows,
    batches: latencies.length,
    elapsed_s: Number(elapsed.toFixed(2)),
    rows_per_s: Math.round(rows / elapsed),
    batches_per_s: Number((latencies.length / elapsed).toFixed(1)),
    ack_ms: {
      p50: Number(percentile(latencies, 50).toFixed(2)),
      p99: Number(percentile(latencies, 99).toFixed(2)),
      max: Number((latencies[latencies.length - 1] ?? NaN).toFixed(2)),
    },
    errors: errors.length,
    // CPU per 1,000 rows on each side: independent of what else the machine runs.
    client_cpu_ms_per_1000_rows: Number(((1e6 * clientCpuS) / rows).toFixed(2)),
    server_cpu_ms_per_1000_rows: serverCpuS === null ? null : Number(((1e6 * serverCpuS) / rows).toFixed(2)),
  };
  // Every acknowledged row must be there: count(*) after the run (Strong consistency).
  await admin.loadCollectionSync({ collection_name: opts.collection });
  const counted = await admin.count({ collection_name: opts.collection, consistency_level: 'Strong' });
  report.ingest.counted_rows = Number(counted.data);
  if (report.ingest.counted_rows !== rows) errors.push(`count(*) = ${counted.data}, acknowledged ${rows}`);
  if (report.fsync) report.acks_per_fsync = Number((report.ingest.batches_per_s / report.fsync.per_second).toFixed(3));

  if (!opts.keep) await admin.dropCollection({ collection_name: opts.collection });
  await admin.closeConnection();

  if (opts.json) {
    console.log(JSON.stringify(report));
  } else {
    const i = report.ingest;
    console.log(`ingest (--client ${opts.client}): ${opts.clients} clients x ${opts.batch}-row batches of ${opts.dim}-d float vectors, ${i.elapsed_s} s`);
    console.log(`  rows/s        ${i.rows_per_s}  (${i.rows} rows, ${i.batches} batches, ${i.batches_per_s} batches/s; count(*) afterwards ${i.counted_rows})`);
    console.log(`  ack latency   p50 ${i.ack_ms.p50} ms   p99 ${i.ack_ms.p99} ms   max ${i.ack_ms.max} ms`);
    console.log(`  CPU per 1,000 rows: server ${i.server_cpu_ms_per_1000_rows ?? '-'} ms, Node clients ${i.client_cpu_ms_per_1000_rows} ms`);
    if (report.fsync) {
      console.log(`fsync: ${report.fsync.per_second} fsyncs/s (4 KiB append + fsync, ${opts.fsyncSeconds} s) in ${report.fsync.dir}`);
      console.log(`  acknowledged batches per raw fsync: ${report.acks_per_fsync}`);
    }
    if (errors.length) console.log(`errors (${errors.length}): ${errors.slice(0, 3).join(' | ')}`);
    console.log(JSON.stringify(report));
  }
  if (errors.length) process.exitCode = 1;
}

if (isMainThread) {
  main().catch((e) => {
    console.error(`ingest: ${e.message}`);
    process.exit(1);
  });
} else {
  runWorker(workerData).then((r) => parentPort.postMessage(r), (e) => parentPort.postMessage({ latencies: [], rows: 0, errors: [e.message] }));
}
