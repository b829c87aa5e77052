// A fault-injecting HTTP proxy for the S3 tests: it listens on 127.0.0.1 (a kernel-chosen port)
// and forwards every request, byte for byte in its headers (Host included, so SigV4 signatures
// stay valid), to one upstream S3 endpoint such as the throwaway radosgw of scripts/start-s3.
// The test switches faults at runtime:
//
//   proxy.set({ errorRate: 0.3, errorStatus: 503 })  // 503 SlowDown (S3 XML body) to 30% of requests
//   proxy.set({ errorRate: 0.3, errorStatus: 500 })  // 500 InternalError
//   proxy.set({ delayMs: 800 })                      // every response held back 800 ms
//   proxy.set({ cutRate: 0.2 })                      // 20% of exchanges cut mid-body (see below)
//   await proxy.down()                               // storage down: connections refused
//   await proxy.down('reset')                        // storage down: connections accepted, then reset
//   await proxy.passThrough()                        // no faults (and listening again)
//
// Injected errors are answered without forwarding (the request never reaches S3). A cut either
// forwards half of a request body and then closes both sides (the upload never completes), or
// forwards the whole request and sends the client the response headers and half of the body
// before closing (for an empty body: nothing at all, so the request was applied but its answer
// lost). Delays hold the complete upstream response back, so a request the client gave up on is
// never applied late. Everything is bounded: upstream calls time out, timers are tracked, and
// close() destroys every socket and timer and stops listening.

import http from 'node:http';

const kUpstreamTimeoutMs = 30000;

function errorBody(status, requestId) {
  const [code, message] = status === 503
    ? ['SlowDown', 'Please reduce your request rate.']
    : ['InternalError', 'We encountered an internal error. Please try again.'];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<RequestId>fault-proxy-${requestId}</RequestId></Error>`;
}

// Hop-by-hop headers are the proxy's own business on each side.
const kHopHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'expect', 'proxy-connection', 'te', 'upgrade']);

function forwardHeaders(rawHeaders) {
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!kHopHeaders.has(rawHeaders[i].toLowerCase())) out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return out;
}

/**
 * Starts a proxy in front of `upstream` ("http://127.0.0.1:PORT").
 * @returns {Promise<{endpoint:string, port:number, stats:object, set:(faults:object)=>void,
 *   passThrough:()=>Promise<void>, down:(how?:'refuse'|'reset')=>Promise<void>, close:()=>Promise<void>}>}
 */
// `log(line)`, when given, is called once per request with what the proxy did to it.
export async function startFaultProxy(upstream, { random = Math.random, log = null } = {}) {
  const target = new URL(upstream);
  if (target.protocol !== 'http:') throw new Error(`fault proxy: only http upstreams, got ${upstream}`);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error(`fault proxy: loopback upstreams only, got ${upstream}`);
  }
  const upstreamPort = Number(target.port || 80);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set();
  const timers = new Set();
  const faults = { errorRate: 0, errorStatus: 503, delayMs: 0, cutRate: 0 };
  let downMode = null; // null, 'refuse' or 'reset'
  let closed = false;
  let nextId = 0;
  const stats = { requests: 0, forwarded: 0, injected: 0, delayed: 0, cutRequest: 0, cutResponse: 0, reset: 0, upstreamErrors: 0 };

  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const server = http.createServer({ keepAliveTimeout: 5000 });
  server.on('connection', (sock) => {
    // While down, any connection that still gets accepted (e.g. while re-listening) is reset.
    if (downMode !== null || closed) {
      stats.reset += 1;
      sock.resetAndDestroy();
      return;
    }
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  server.on('clientError', (_err, sock) => sock.destroy());

  server.on('request', (req, res) => {
    stats.requests += 1;
    const id = ++nextId;
    const t0 = Date.now();
    const note = (what) => log?.(`#${id} ${req.method} ${req.url.split('?')[0]} ${what} (${Date.now() - t0} ms)`);
    if (faults.errorRate > 0 && random() < faults.errorRate) {
      stats.injected += 1;
      req.resume();
      req.on('end', () => {
        const body = req.method === 'HEAD' ? '' : errorBody(faults.errorStatus, id);
        res.writeHead(faults.errorStatus, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(errorBody(faults.errorStatus, id)) });
        res.end(body);
        note(`injected ${faults.errorStatus}`);
      });
      return;
    }
    const cut = faults.cutRate > 0 && random() < faults.cutRate;
    const bodyLength = Number(req.headers['content-length'] || 0);
    const cutRequest = cut && bodyLength > 1 && random() < 0.5;
    const delayMs = faults.delayMs;
    stats.forwarded += 1;

    const up = http.request({
      host: target.hostname, port: upstreamPort, method: req.method, path: req.url,
      headers: forwardHeaders(req.rawHeaders), agent, timeout: kUpstreamTimeoutMs,
    });
    up.on('timeout', () => up.destroy(new Error('upstream timeout')));
    up.on('error', (e) => {
      note(`upstream error ${e.message}`);
      stats.upstreamErrors += 1;
      req.socket.destroy();
    });
    req.on('aborted', () => up.destroy());

    if (cutRequest) {
      // Forward the first half of the body, then drop both connections mid-upload.
      stats.cutRequest += 1;
      let sent = 0;
      const half = Math.floor(bodyLength / 2);
      req.on('data', (chunk) => {
        if (sent >= half) return;
        const part = chunk.subarray(0, half - sent);
        sent += part.length;
        up.write(part);
        if (sent >= half) {
          later(20, () => {
            note(`cut after ${sent} of ${bodyLength} request bytes`);
            up.destroy();
            req.socket.destroy();
          });
        }
      });
      return;
    }
    req.pipe(up);

    up.on('response', (upRes) => {
      const chunks = [];
      upRes.on('data', (c) => chunks.push(c));
      upRes.on('error', () => req.socket.destroy());
      upRes.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = forwardHeaders(upRes.rawHeaders);
        const reply = () => {
          if (res.destroyed || req.socket.destroyed) {
            note('client gone before the reply');
            return;
          }
          if (cut) {
            note(`${upRes.statusCode} cut after ${Math.floor(body.length / 2)} of ${body.length} response bytes`);
            stats.cutResponse += 1;
            if (body.length > 1) {
              res.writeHead(upRes.statusCode, headers);
              res.write(body.subarray(0, Math.floor(body.length / 2)));
            }
            // Let the partial body leave before the connection drops.
            later(20, () => req.socket.destroy());
            return;
          }
          if (req.method !== 'HEAD' && !headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length')) {
            headers.push('Content-Length', String(body.length));
          }
          res.writeHead(upRes.statusCode, headers);
          res.end(req.method === 'HEAD' ? undefined : body);
          note(`${upRes.statusCode} forwarded${delayMs ? ` after ${delayMs} ms delay` : ''}`);
        };
        if (delayMs > 0) {
          stats.delayed += 1;
          later(delayMs, reply);
        } else {
          reply();
        }
      });
    });
  });

  const listen = (port) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
  const port = await listen(0);

  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  // Stops accepting; the callback only runs once every connection is gone, so drop them all.
  const stopListening = () => new Promise((resolve) => {
    server.close(() => resolve());
    dropAll();
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats,
    faults,
    // Merges `changes` into the current faults (errorRate, errorStatus, delayMs, cutRate).
    set(changes) {
      for (const k of Object.keys(changes)) {
        if (!(k in faults)) throw new Error(`fault proxy: unknown fault ${k}`);
      }
      if (changes.errorStatus !== undefined && ![500, 503].includes(changes.errorStatus)) {
        throw new Error(`fault proxy: errorStatus must be 500 or 503, got ${changes.errorStatus}`);
      }
      Object.assign(faults, changes);
    },
    // No faults at all; listening again after down('refuse').
    async passThrough() {
      Object.assign(faults, { errorRate: 0, errorStatus: 503, delayMs: 0, cutRate: 0 });
      if (downMode === 'refuse') await listen(port);
      downMode = null;
    },
    // Storage down: 'refuse' stops listening (connect fails with ECONNREFUSED), 'reset' accepts
    // and resets every connection. Open connections are dropped either way.
    async down(how = 'refuse') {
      if (how !== 'refuse' && how !== 'reset') throw new Error(`fault proxy: down(${how})`);
      const was = downMode;
      downMode = how; // first, so no connection slips through while the listener changes
      if (how === 'reset' && was === 'refuse') await listen(port);
      if (how === 'refuse' && was !== 'refuse') await stopListening();
      dropAll();
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      agent.destroy();
      if (server.listening) await stopListening();
      dropAll();
    },
  };
}
