// Helpers shared by the integration tests: connecting the real Milvus Node SDK, checking Milvus
// statuses, bounded waits, deterministic random data, brute-force nearest neighbours and
// storage-folder inspection.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MilvusClient, DataType, promisify } from '@zilliz/milvus2-sdk-node';

export { MilvusClient, DataType };

// Milvus numeric codes (status.code) and the legacy enum names (status.error_code) they pair with.
export const Code = {
  CollectionNotFound: 100,
  CollectionNotLoaded: 101,
  IndexNotFound: 700,
  InvalidParameter: 1100,
};

export const kCallTimeoutMs = 30000;

let nameCounter = 0;
// A collection name unique within this run (letters, digits and underscores only).
export function uniqueName(prefix) {
  nameCounter += 1;
  return `${prefix}_${process.pid}_${nameCounter}`;
}

// Rejects with a clear message when `promise` does not settle within `ms`.
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// A connected client: waits for the SDK's Connect call and requires the server identifier.
export async function connect(address, { maxRetries, timeout = kCallTimeoutMs, channelOptions, database } = {}) {
  const config = { address, timeout, logLevel: 'error' };
  if (maxRetries !== undefined) config.maxRetries = maxRetries;
  if (database !== undefined) config.database = database;
  if (channelOptions !== undefined) config.channelOptions = channelOptions;
  const client = new MilvusClient(config);
  await withTimeout(client.connectPromise, 20000, `Connect to ${address}`);
  return client;
}

export async function closeAll(clients) {
  await Promise.allSettled(clients.filter(Boolean).map((c) => c.closeConnection()));
}

// The gRPC method called with a hand-built request, bypassing the SDK's request building (the
// server still receives the SDK's metadata and the proto encoding of the SDK).
export function rawCall(client, method, request, timeout = kCallTimeoutMs) {
  return promisify(client.channelPool, method, request, timeout);
}

export const statusOf = (res) => (res && res.status && typeof res.status === 'object' ? res.status : res);

export function assertOk(res, what) {
  const s = statusOf(res);
  assert.ok(s, `${what}: no status in response`);
  assert.equal(s.error_code, 'Success', `${what}: error_code=${s.error_code} code=${s.code} reason=${s.reason}`);
  assert.equal(Number(s.code || 0), 0, `${what}: code=${s.code} reason=${s.reason}`);
  return res;
}

/**
 * Asserts a Milvus application error: status.code in `code` (number or list), status.error_code
 * equal to `errorCode` (string or list) when given, a non-empty reason that mentions each string of
 * `mentions` (case-insensitive).
 */
export function assertMilvusError(res, { code, errorCode, mentions = [] }, what) {
  const s = statusOf(res);
  assert.ok(s, `${what}: no status in response`);
  const desc = `${what}: got error_code=${s.error_code} code=${s.code} reason=${JSON.stringify(s.reason)}`;
  assert.notEqual(s.error_code, 'Success', `${desc} (expected an error; both code and error_code must be set)`);
  const codes = [].concat(code);
  assert.ok(codes.includes(Number(s.code)), `${desc} (expected code ${codes.join(' or ')})`);
  if (errorCode !== undefined) {
    const names = [].concat(errorCode);
    assert.ok(names.includes(s.error_code), `${desc} (expected error_code ${names.join(' or ')})`);
  }
  assert.ok(typeof s.reason === 'string' && s.reason.length > 0, `${desc} (expected a reason)`);
  for (const m of [].concat(mentions)) {
    assert.ok(s.reason.toLowerCase().includes(String(m).toLowerCase()), `${desc} (expected the reason to mention ${JSON.stringify(m)})`);
  }
  return s;
}

// Runs `fn`; returns what it returned, or what it threw when that is a Milvus response/status
// (the SDK throws the response for some failures, e.g. createCollection and insert).
export async function settle(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e && (e.error_code !== undefined || (e.status && e.status.error_code !== undefined))) return e;
    throw e;
  }
}

// count(*) through Query, with the status checked.
export async function countRows(client, collection_name) {
  const res = await client.query({ collection_name, filter: '', output_fields: ['count(*)'] });
  assertOk(res, `count(*) on ${collection_name}`);
  assert.equal(res.data.length, 1, `count(*) on ${collection_name}: expected one row, got ${JSON.stringify(res.data)}`);
  return Number(res.data[0]['count(*)']);
}

// Rows whose primary key is in `ids`, queried in chunks; `pk in [...]` with quoted strings when
// `isString`.
export async function queryByIds(client, collection_name, pkField, ids, output_fields, { isString = false, chunk = 1000 } = {}) {
  const rows = [];
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const list = isString ? part.map((x) => JSON.stringify(String(x))).join(',') : part.join(',');
    const res = await client.query({ collection_name, filter: `${pkField} in [${list}]`, output_fields });
    assertOk(res, `query ${pkField} in [...${part.length} ids] on ${collection_name}`);
    rows.push(...res.data);
  }
  return rows;
}

export async function loadSync(client, collection_name, ms = 60000) {
  const res = await withTimeout(client.loadCollectionSync({ collection_name }), ms, `loadCollectionSync(${collection_name}) (LoadCollection then GetLoadingProgress until 100)`);
  assertOk(res, `loadCollection ${collection_name}`);
  return res;
}

export async function flushSync(client, names, ms = 60000) {
  const collection_names = [].concat(names);
  const res = await withTimeout(client.flushSync({ collection_names }), ms, `flushSync(${collection_names}) (Flush then GetFlushState until flushed)`);
  assertOk(res, `flushSync ${collection_names}`);
  assert.equal(res.flushed, true, 'GetFlushState must answer flushed=true');
  return res;
}

// Deterministic PRNG (mulberry32) so failures are reproducible.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// n vectors of float32-representable values in [-1, 1).
export function randomVectors(n, dim, rand) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = new Array(dim);
    for (let j = 0; j < dim; j++) v[j] = Math.fround(rand() * 2 - 1);
    out[i] = v;
  }
  return out;
}

export function score(metric, a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
    const d = a[i] - b[i];
    l2 += d * d;
  }
  if (metric === 'L2') return l2;
  if (metric === 'IP') return dot;
  if (metric === 'COSINE') return dot / (Math.sqrt(na) * Math.sqrt(nb));
  throw new Error(`unknown metric ${metric}`);
}

// Exact top-k over (ids, vectors): L2 ascending (squared distance), IP/COSINE descending.
export function bruteForce(metric, ids, vectors, query, k, offset = 0) {
  const scored = vectors.map((v, i) => ({ id: String(ids[i]), score: score(metric, query, v) }));
  scored.sort((x, y) => (metric === 'L2' ? x.score - y.score : y.score - x.score));
  return scored.slice(offset, offset + k);
}

/**
 * Asserts a search answer equals the brute-force answer: same length, scores within 1e-4
 * (relative for large scores), same ids except where neighbouring expected scores tie within the
 * tolerance (then the id must still be one of the tied ones).
 */
export function assertSameHits(actual, expected, what, tol = 1e-4) {
  assert.equal(actual.length, expected.length, `${what}: expected ${expected.length} hits, got ${actual.length}`);
  const close = (a, b) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
  for (let i = 0; i < expected.length; i++) {
    const got = actual[i];
    assert.ok(close(Number(got.score), expected[i].score), `${what}: hit ${i} score ${got.score}, expected ${expected[i].score}`);
    if (String(got.id) === expected[i].id) continue;
    const tied = expected.filter((e) => close(e.score, expected[i].score)).map((e) => e.id);
    assert.ok(tied.length > 1 && tied.includes(String(got.id)), `${what}: hit ${i} id ${got.id}, expected ${expected[i].id} (score ${expected[i].score})`);
  }
  const seen = new Set(actual.map((h) => String(h.id)));
  assert.equal(seen.size, actual.length, `${what}: duplicate ids in ${actual.map((h) => h.id)}`);
}

// Every regular file under `dir` (relative paths, sorted); [] when `dir` does not exist.
export function listFiles(dir) {
  const out = [];
  const walk = (d, rel) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      if (e.code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

// Float vectors equal after float32 rounding.
export function assertSameVector(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: dim ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    assert.equal(Math.fround(Number(actual[i])), Math.fround(expected[i]), `${what}: component ${i}`);
  }
}

// A serialized PlaceholderGroup like the SDK builds: one placeholder "$0" of `type` (101 =
// FloatVector, 100 = BinaryVector) whose values are the given byte blobs.
export function placeholderBytes(client, blobs, type = 101) {
  const PlaceholderGroup = client.milvusProto.lookupType('milvus.proto.common.PlaceholderGroup');
  return Buffer.from(PlaceholderGroup.encode(PlaceholderGroup.create({ placeholders: [{ tag: '$0', type, values: blobs }] })).finish());
}

export const f32Bytes = (vector) => Buffer.from(new Float32Array(vector).buffer);

// Search key/value params as the SDK sends them (all values strings).
export const kv = (obj) => Object.entries(obj).map(([key, value]) => ({ key, value: String(value) }));

// DescribeIndex params as one object: flat pairs plus the keys of a JSON `params` value, so a
// test can check {index_type, metric_type, nlist, ...} whichever way the server stores them.
export function indexParams(description) {
  const out = {};
  for (const { key, value } of description.params || []) {
    if (key === 'params') {
      try {
        Object.assign(out, JSON.parse(value));
      } catch {
        out.params = value;
      }
    } else {
      out[key] = value;
    }
  }
  return out;
}

// Polls GetIndexState until Finished (bounded).
export async function waitIndexFinished(client, collection_name, field_name, ms = 60000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await client.getIndexState({ collection_name, field_name });
    assertOk(res, `getIndexState ${collection_name}.${field_name}`);
    if (res.state === 'Finished') return res;
    assert.notEqual(res.state, 'Failed', `index build failed: ${res.fail_reason}`);
    if (Date.now() > deadline) throw new Error(`index on ${collection_name}.${field_name} not Finished after ${ms} ms (state ${res.state})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Polls GetLoadState until `state` (bounded).
export async function waitLoadState(client, collection_name, state, ms = 60000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await client.getLoadState({ collection_name });
    assertOk(res, `getLoadState ${collection_name}`);
    if (res.state === state) return res;
    if (Date.now() > deadline) throw new Error(`${collection_name} load state ${res.state}, expected ${state} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A loaded collection with an index on `vec` whose first `sealed` rows are flushed and indexed
 * (their segment's index built) and the rest left unflushed in a growing segment, so searches
 * merge index hits with exact ones. `index` is {index_type, metric_type, params}.
 */
export async function createSealedAndGrowing(client, { name, fields, index, rows, sealed }) {
  assertOk(await client.createCollection({ collection_name: name, fields }), `create ${name}`);
  assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', ...index }), `createIndex ${name}`);
  assertOk(await client.insert({ collection_name: name, data: rows.slice(0, sealed) }), `insert sealed ${name}`);
  await flushSync(client, name);
  await waitIndexFinished(client, name, 'vec');
  assertOk(await client.insert({ collection_name: name, data: rows.slice(sealed) }), `insert growing ${name}`);
  await loadSync(client, name);
}
