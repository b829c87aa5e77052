// Process lifecycle and the connection-level calls: --help, /healthz, Connect, GetVersion,
// CheckHealth, AllocTimestamp, keepalive pings of an idle client, clean shutdown on SIGTERM and
// SIGINT.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runBin, tempDir, healthStatus } from './lib/server.mjs';
import * as grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, closeAll, rawCall, assertOk } from './lib/milvus.mjs';

// The SDKs ping every 10 s even with no call in flight. A server that counts those pings as
// abuse answers the third with GOAWAY "too_many_pings" and the client loses its connection;
// pings every 5.5 s (Milvus accepts down to 5 s) strike out within about 22 s.
const kPingMs = 5500;
const kIdleMs = 28000;

describe('server basics', { timeout: 120000 }, () => {
  let server;
  let client;
  // An idle client whose keepalive pings run while the other tests do (see the last test).
  let idle;
  let idleSince;
  const grpcErrors = [];

  before(async () => {
    server = await startServer({ storage: tempDir('basics'), name: 'basics' });
    client = await connect(server.address);
    grpc.setLogger({ error: (...args) => grpcErrors.push(args.join(' ')) });
    grpc.setLogVerbosity(grpc.logVerbosity.ERROR);
    idle = await connect(server.address, { channelOptions: { 'grpc.keepalive_time_ms': kPingMs } });
    idleSince = Date.now();
  });

  after(async () => {
    grpc.setLogger(console);
    await closeAll([client, idle]);
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

  test('keepalive pings of an idle client are accepted, not answered with GOAWAY', async () => {
    await sleep(Math.max(0, kIdleMs - (Date.now() - idleSince)));
    assertOk(await idle.getVersion(), `GetVersion after ${kIdleMs / 1000} s idle`);
    const strikes = grpcErrors.filter((line) => /excess pings|too_many_pings/i.test(line));
    assert.deepEqual(strikes, [], 'the server rejected keepalive pings');
  });
});
