// Process lifecycle and the connection-level calls: --help, /healthz, Connect, GetVersion,
// CheckHealth, AllocTimestamp, clean shutdown on SIGTERM and SIGINT.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runBin, tempDir, healthStatus } from './lib/server.mjs';
import { connect, closeAll, rawCall, assertOk } from './lib/milvus.mjs';

describe('server basics', { timeout: 120000 }, () => {
  let server;
  let client;

  before(async () => {
    server = await startServer({ storage: tempDir('basics'), name: 'basics' });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('--help exits 0 and describes serve', async () => {
    const res = await runBin(['--help']);
    assert.equal(res.code, 0, `--help exit code ${res.code}; stderr: ${res.stderr}`);
    const text = res.stdout + res.stderr;
    assert.match(text, /serve/, 'help text names the serve command');
  });

  test('healthz answers 200', async () => {
    assert.equal(await healthStatus(server.httpPort), 200);
  });

  test('Connect returns an identifier (SDK considers itself connected)', () => {
    // CONNECT_STATUS.CONNECTED = 1; UNIMPLEMENTED (2) means Connect returned no identifier.
    assert.equal(client.connectStatus, 1, `connectStatus ${client.connectStatus}`);
    assert.ok(client.metadata.get('identifier'), 'identifier metadata set from ConnectResponse.identifier');
  });

  test('GetVersion', async () => {
    const res = await client.getVersion();
    assertOk(res, 'getVersion');
    assert.equal(typeof res.version, 'string');
    assert.ok(res.version.length > 0, 'non-empty version');
  });

  test('CheckHealth', async () => {
    const res = await client.checkHealth();
    assertOk(res, 'checkHealth');
    assert.equal(res.isHealthy, true);
  });

  test('AllocTimestamp is a hybrid timestamp, strictly increasing', async () => {
    const a = await rawCall(client, 'AllocTimestamp', {});
    assertOk(a, 'AllocTimestamp');
    const b = await rawCall(client, 'AllocTimestamp', {});
    assertOk(b, 'AllocTimestamp');
    const ta = BigInt(a.timestamp);
    const tb = BigInt(b.timestamp);
    assert.ok(tb > ta, `second timestamp ${tb} must exceed first ${ta}`);
    const physicalMs = Number(ta >> 18n);
    assert.ok(Math.abs(physicalMs - Date.now()) < 60000, `physical part ${physicalMs} ms is not close to now ${Date.now()}`);
  });

  for (const signal of ['SIGTERM', 'SIGINT']) {
    test(`${signal} shuts down cleanly with exit code 0`, async () => {
      const s = await startServer({ storage: tempDir(`sig-${signal}`), name: `sig-${signal}` });
      const res = await s.stop(signal, 20000);
      assert.deepEqual(res, { code: 0, signal: null }, `exit after ${signal}: ${JSON.stringify(res)}\n${s.stderrTail()}`);
      assert.equal(await healthStatus(s.httpPort), 0, 'nothing answers on the HTTP port after exit');
    });
  }

  test('restart on the same folder after SIGTERM', async () => {
    const storage = tempDir('restart');
    const s1 = await startServer({ storage, name: 'restart1' });
    assert.deepEqual(await s1.stop('SIGTERM'), { code: 0, signal: null });
    const s2 = await startServer({ storage, name: 'restart2' });
    assert.deepEqual(await s2.stop('SIGTERM'), { code: 0, signal: null });
  });
});
