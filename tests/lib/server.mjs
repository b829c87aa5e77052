// Starts and stops Strata server processes for the integration tests.
//
// Every server gets fresh loopback ports, its stderr is kept (last 64 KiB in memory, all of it in
// $STRATA_TEST_LOGDIR when set), its PID is written to $STRATA_TEST_PIDDIR so tests/run can kill
// it even if this process dies, and it is SIGKILLed when this process exits.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const kStderrKeep = 64 * 1024;
const live = new Set();

process.on('exit', () => {
  for (const s of live) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    s.removePidFile();
  }
});

export function strataBin() {
  const bin = process.env.STRATA_BIN;
  if (!bin) throw new Error('STRATA_BIN is not set (run the suite through tests/run or make integration-test)');
  if (!fs.existsSync(bin)) throw new Error(`STRATA_BIN=${bin} does not exist (build it first: make build)`);
  return bin;
}

// A loopback port that was free a moment ago (bind to port 0, read it, close).
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A new empty folder under $STRATA_TEST_TMP (made by tests/run) or the OS temp folder.
export function tempDir(prefix) {
  const root = process.env.STRATA_TEST_TMP || os.tmpdir();
  return fs.mkdtempSync(path.join(root, `${prefix}-`));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function httpStatus(port, urlPath, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

// Runs STRATA_BIN with `args` to completion (for --help and similar); bounded.
export function runBin(args, timeoutMs = 15000) {
  const bin = strataBin();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} did not exit within ${timeoutMs} ms\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// With STRATA_TEST_S3=1 (and the variables scripts/start-s3 exports) every server keeps its
// state in the bucket, under a prefix named after its local storage folder, so a test that
// restarts "on the same folder" restarts on the same bucket prefix. The local folder then
// only holds the read cache.
export const s3Mode = () => process.env.STRATA_TEST_S3 === '1';

export function s3Prefix(storage) {
  return `${path.basename(storage)}/`;
}

// `s3Endpoint` replaces S3_ENDPOINT (e.g. a fault-injecting proxy in front of it); `s3Prefix`
// replaces the prefix derived from the folder, so a server with a new local folder can open an
// existing bucket prefix.
function storageArgs(storage, { s3Endpoint, s3Prefix: prefix } = {}) {
  if (!s3Mode()) return ['--storage', storage];
  const { S3_ENDPOINT, S3_BUCKET } = process.env;
  if (!S3_ENDPOINT || !S3_BUCKET) throw new Error('STRATA_TEST_S3=1 needs S3_ENDPOINT and S3_BUCKET (scripts/start-s3)');
  const name = (prefix || path.basename(storage)).replace(/\/$/, '');
  return ['--storage', `s3://${S3_BUCKET}/${name}`, '--s3-endpoint', s3Endpoint || S3_ENDPOINT];
}

/**
 * Starts `strata serve` on `storage` and waits until GET /healthz answers 200.
 * `spawnedAt` and `readyAt` are performance.now() at spawn and at the first 200 (polled every
 * `readyPollMs`).
 * @returns {Promise<{pid:number, spawnedAt:number, readyAt:number, address:string, grpcPort:number, httpPort:number, storage:string,
 *   stop:(signal?:string, timeoutMs?:number)=>Promise<{code:number|null, signal:string|null}>,
 *   kill9:()=>Promise<void>, stderrTail:()=>string, exited:Promise<{code, signal}>}>}
 */
export async function startServer({ storage, grpcPort, httpPort, name = 'strata', extraArgs = [], readyTimeoutMs = 30000, readyPollMs = 100, s3Endpoint, s3Prefix: prefix } = {}) {
  if (!storage) throw new Error('startServer: storage is required');
  const bin = strataBin();
  fs.mkdirSync(storage, { recursive: true });
  grpcPort = grpcPort || (await freePort());
  httpPort = httpPort || (await freePort());
  while (httpPort === grpcPort) httpPort = await freePort();
  const args = ['serve', ...storageArgs(storage, { s3Endpoint, s3Prefix: prefix }), '--grpc-port', String(grpcPort), '--http-port', String(httpPort), ...extraArgs];
  const spawnedAt = performance.now();
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });

  let tail = '';
  const logDir = process.env.STRATA_TEST_LOGDIR;
  const logFile = logDir ? path.join(logDir, `${name}-${child.pid}.log`) : null;
  const logStream = logFile ? fs.createWriteStream(logFile) : null;
  logStream?.write(`# ${bin} ${args.join(' ')}\n`);
  child.stderr.on('data', (d) => {
    tail = (tail + d.toString()).slice(-kStderrKeep);
    logStream?.write(d);
  });

  const pidDir = process.env.STRATA_TEST_PIDDIR;
  const pidFile = pidDir && child.pid ? path.join(pidDir, String(child.pid)) : null;
  if (pidFile) fs.writeFileSync(pidFile, `${child.pid}\n`);

  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(server);
      server.removePidFile();
      resolve(exitInfo);
    });
  });
  const spawnError = new Promise((resolve) => child.on('error', resolve));

  const server = {
    pid: child.pid,
    spawnedAt,
    address: `127.0.0.1:${grpcPort}`,
    grpcPort,
    httpPort,
    storage,
    logFile,
    exited,
    stderrTail: (n = 4000) => tail.slice(-n),
    removePidFile() {
      if (pidFile) fs.rmSync(pidFile, { force: true });
    },
    // Sends `signal` and waits for the exit; SIGKILLs and throws if it takes longer than timeoutMs.
    async stop(signal = 'SIGTERM', timeoutMs = 20000) {
      if (exitInfo) return exitInfo;
      child.kill(signal);
      // An unref'd timer: once the server has exited it must not keep the test process alive
      // for the rest of timeoutMs (node:test waits for each file's process to exit).
      let timer;
      const res = await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, timeoutMs, null); })]);
      clearTimeout(timer);
      if (res) return res;
      child.kill('SIGKILL');
      await exited;
      throw new Error(`strata (pid ${child.pid}) did not exit within ${timeoutMs} ms of ${signal}\n--- stderr tail ---\n${server.stderrTail()}`);
    },
    async kill9() {
      if (exitInfo) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  live.add(server);

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const err = await Promise.race([spawnError, sleep(0).then(() => null)]);
    if (err) throw new Error(`cannot start ${bin}: ${err.message}`);
    if (exitInfo) {
      throw new Error(`strata exited before it was ready (code ${exitInfo.code}, signal ${exitInfo.signal})\n` +
        `command: ${bin} ${args.join(' ')}\n--- stderr tail ---\n${server.stderrTail()}`);
    }
    if ((await httpStatus(httpPort, '/healthz', 1000)) === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`strata did not answer 200 on http://127.0.0.1:${httpPort}/healthz within ${readyTimeoutMs} ms\n` +
        `command: ${bin} ${args.join(' ')}\n--- stderr tail ---\n${server.stderrTail()}`);
    }
    await sleep(readyPollMs);
  }
  server.readyAt = performance.now();
  return server;
}

// GET http://127.0.0.1:<port><urlPath> -> status code (0 when nothing answers).
export const healthStatus = (port) => httpStatus(port, '/healthz', 2000);
