// Inspection of a Strata storage folder (bucket layout: catalog/, wal/, insert_log/, ...).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { listFiles } from './milvus.mjs';
import { sleep } from './server.mjs';

// Files under <folder>/ whose first path component is the collection's id or name
// (insert_log/<collection>/<partition>/<segment>/<field>/<log>).
export function collectionFiles(storage, folder, desc) {
  const keys = new Set([String(desc.collectionID), desc.schema.name]);
  return listFiles(path.join(storage, folder)).filter((f) => keys.has(f.split('/')[0]));
}

// {relative path: "size:mtimeMs"} for every file under insert_log/, to prove files are not rewritten.
export function columnFileStamps(storage) {
  const dir = path.join(storage, 'insert_log');
  return Object.fromEntries(listFiles(dir).map((f) => {
    const st = fs.statSync(path.join(dir, f));
    return [f, `${st.size}:${st.mtimeMs}`];
  }));
}

// Polls until wal/ holds no file at all: once every collection is flushed, the WAL objects the
// flush covers are deleted.
export async function waitWalEmpty(storage, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = listFiles(path.join(storage, 'wal'));
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      assert.fail(`wal/ still holds ${left.length} object(s) ${ms} ms after every collection was flushed: ${left.slice(0, 10).join(', ')}`);
    }
    await sleep(250);
  }
}
