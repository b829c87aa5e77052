// The README's Node quick start, run as written (only the server address is replaced), so the
// documentation cannot drift from what the server does.

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
