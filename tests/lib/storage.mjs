// Inspection of a Strata storage location (bucket layout: catalog/, wal/, insert_log/, ...):
// the local folder, or with STRATA_TEST_S3=1 the bucket prefix the server uses for it, read
// with the tests' own S3 client (lib/s3.mjs), not Strata's.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { listFiles } from './milvus.mjs';
import { listObjects, listUploads, putObject, s3FromEnv, startUpload } from './s3.mjs';
import { sleep, s3Mode, s3Prefix } from './server.mjs';

// [{path, stamp}] of every object under <folder>/ (path relative to it); stamp changes when the
// object is rewritten (size and modification time).
export async function storageObjects(storage, folder) {
  if (s3Mode()) {
    const prefix = `${s3Prefix(storage)}${folder}/`;
    const objects = await listObjects(s3FromEnv(), prefix);
    return objects.map((o) => ({ path: o.key.slice(prefix.length), stamp: `${o.size}:${o.lastModified}` }));
  }
  const dir = path.join(storage, folder);
  return listFiles(dir).map((f) => {
    const st = fs.statSync(path.join(dir, f));
    return { path: f, stamp: `${st.size}:${st.mtimeMs}` };
  });
}

// Writes an object at `key` (relative to the storage root) behind the server's back, as a crash
// or another tool would leave it.
export async function plantObject(storage, key, bytes) {
  if (s3Mode()) {
    await putObject(s3FromEnv(), `${s3Prefix(storage)}${key}`, bytes);
    return;
  }
  const file = path.join(storage, key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}

// Leaves an unfinished upload of `key` behind the server's back, as a writer that stalled or
// died would: a multipart upload with one part on S3, a temp file beside the key's path in a
// folder (named as Strata names them, with a pid that is alive so that opening the folder
// does not remove it: this process's).
export async function plantUpload(storage, key, bytes) {
  if (s3Mode()) {
    await startUpload(s3FromEnv(), `${s3Prefix(storage)}${key}`, bytes);
    return;
  }
  const file = path.join(storage, path.dirname(key), `.tmp.${process.pid}-1-1-${path.basename(key)}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}

// Keys (relative to the storage root) of the unfinished uploads under <folder>/.
export async function pendingUploads(storage, folder) {
  if (s3Mode()) {
    const prefix = s3Prefix(storage);
    return (await listUploads(s3FromEnv(), `${prefix}${folder}/`)).map((k) => k.slice(prefix.length));
  }
  return listFiles(path.join(storage, folder))
    .filter((f) => path.basename(f).startsWith('.tmp.'))
    .map((f) => `${folder}/${path.dirname(f) === '.' ? '' : `${path.dirname(f)}/`}${path.basename(f).replace(/^\.tmp\.\d+-\d+-\d+-/, '')}`);
}

export async function storageFiles(storage, folder) {
  return (await storageObjects(storage, folder)).map((o) => o.path);
}

// Files under <folder>/ whose first path component is the collection's id or name
// (insert_log/<collection>/<partition>/<segment>/<field>/<log>).
export async function collectionFiles(storage, folder, desc) {
  const keys = new Set([String(desc.collectionID), desc.schema.name]);
  return (await storageFiles(storage, folder)).filter((f) => keys.has(f.split('/')[0]));
}

// {relative path: stamp} for every object under insert_log/, to prove files are not rewritten.
export async function columnFileStamps(storage) {
  return Object.fromEntries((await storageObjects(storage, 'insert_log')).map((o) => [o.path, o.stamp]));
}

// Polls until wal/ holds no object at all: once every collection is flushed, the WAL objects the
// flush covers are deleted.
export async function waitWalEmpty(storage, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = await storageFiles(storage, 'wal');
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      assert.fail(`wal/ still holds ${left.length} object(s) ${ms} ms after every collection was flushed: ${left.slice(0, 10).join(', ')}`);
    }
    await sleep(250);
  }
}
