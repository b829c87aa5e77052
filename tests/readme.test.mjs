// The README's Node quick start, run as written (only the server address is replaced), and
// its REST quick start's requests, sent as written, so the documentation cannot drift from
// what the server does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, tempDir } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

test('README Node quick start runs and prints the nearest document', { timeout: 120000 }, async () => {
  const readme = fs.readFileSync(path.join(here, '..', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, 'README has exactly one ```js quick start block');
  assert.match(blocks[0], /127\.0\.0\.1:19530/, 'quick start uses the default address');

  const server = await startServer({ storage: tempDir('readme'), name: 'readme' });
  try {
    // Beside tests/ so that '@zilliz/milvus2-sdk-node' resolves from tests/node_modules.
    const script = path.join(here, `.readme-quickstart-${process.pid}.mjs`);
    fs.writeFileSync(script, blocks[0].replace('127.0.0.1:19530', server.address));
    try {
      const { stdout } = await new Promise((resolve, reject) => {
        execFile(process.execPath, [script], { timeout: 60000 }, (err, out, errOut) =>
          err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve({ stdout: out }));
      });
      assert.match(stdout, /id: '1'/, `printed the nearest document: ${stdout}`);
      assert.match(stdout, /title: 'red'/, `printed its title: ${stdout}`);
    } finally {
      fs.rmSync(script, { force: true });
    }
  } finally {
    await server.stop('SIGTERM');
  }
});

test('README REST quick start answers as shown', { timeout: 120000 }, async () => {
  const readme = fs.readFileSync(path.join(here, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start: REST'));
  const block = section.match(/```sh\n([\s\S]*?)```/)[1];
  const calls = [...block.matchAll(/^curl -s -X POST http:\/\/127\.0\.0\.1:9091(\S+) -d '(.*)'$/gm)];
  assert.equal(calls.length, 4, 'four curl calls');
  const shown = block.match(/^# (\{.*\})$/m)[1];
  const server = await startServer({ storage: tempDir('readme-rest'), name: 'readme-rest' });
  try {
    for (const [, urlPath, body] of calls) {
      const res = await (await fetch(`http://127.0.0.1:${server.httpPort}${urlPath}`, { method: 'POST', body })).json();
      assert.equal(res.code, 0, `${urlPath}: ${JSON.stringify(res)}`);
      if (urlPath.endsWith('/search')) {
        // As shown, the distance up to float rounding (SIMD kernels may differ in the last bit).
        const want = JSON.parse(shown);
        assert.ok(Math.abs(res.data[0].distance - want.data[0].distance) < 1e-6, JSON.stringify(res));
        res.data[0].distance = want.data[0].distance;
        assert.deepEqual(res, want, 'the search answer shown');
      }
    }
  } finally {
    await server.stop('SIGTERM');
  }
});
