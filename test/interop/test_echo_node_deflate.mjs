// Interop: Node's `ws` client with perMessageDeflate against the echo
// sample, which accepts it: that it was negotiated, then JSON-like text and
// binary messages of many sizes (some fragmented by the client, each
// fragment compressed as one message) that must come back byte-exact,
// and a clean close.
// Usage: node test_echo_node_deflate.mjs path/to/uvws-echo
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) {
    passed++;
  } else {
    failed++;
    console.error(`FAIL: ${what}`);
  }
}

const server = spawn(process.argv[2], ['--port', '0'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
const timer = setTimeout(() => {
  console.error('FAIL: timed out');
  server.kill('SIGKILL');
  process.exit(1);
}, 60000);

const port = await new Promise((resolve, reject) => {
  const lines = createInterface({ input: server.stdout });
  lines.on('line', (line) => {
    const m = /^listening on ws:\/\/[^ ]*:(\d+)\//.exec(line);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', () => reject(new Error('server exited early')));
});

async function session(perMessageDeflate) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/node`, {
    perMessageDeflate,
    maxPayload: 0,
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  check(ws.extensions === 'permessage-deflate',
        `negotiated "${ws.extensions}"`);
  const queue = [];
  ws.on('message', (data, isBinary) => queue.shift()({ data, isBinary }));
  const roundTrip = (payload, options) => new Promise((resolve) => {
    queue.push(resolve);
    ws.send(payload, options);
  });
  const rows = [];
  for (let i = 0, n = 0; n < (1 << 20); i++) {
    rows.push(JSON.stringify({ id: i, user: `user${i % 37}`, ok: true }));
    n += rows[i].length + 1;
  }
  const json = `[${rows.join(',')}]`;
  for (const size of [0, 1, 100, 1000, 4096, 65536, 300000, 1 << 20]) {
    const text = json.slice(0, size);
    const got = await roundTrip(text, { binary: false, compress: true });
    check(!got.isBinary && got.data.toString('utf8') === text,
          `text echo of ${size} bytes`);
    const bin = randomBytes(Math.min(size, 20000));
    const gotBin = await roundTrip(bin, { binary: true, compress: true });
    check(gotBin.isBinary && Buffer.compare(gotBin.data, bin) === 0,
          `binary echo of ${bin.length} bytes`);
  }
  const fragmented = new Promise((resolve) => queue.push(resolve));
  ws.send(json.slice(0, 5000), { fin: false, compress: true });
  ws.send(json.slice(5000, 9000), { fin: false, compress: true });
  ws.send(json.slice(9000, 12000), { fin: true, compress: true });
  const f = await fragmented;
  check(f.data.toString() === json.slice(0, 12000),
        'fragmented compressed text reassembled');
  const closed = new Promise((resolve) => {
    ws.once('close', (code) => resolve(code));
  });
  ws.close(1000, 'bye');
  check(await closed === 1000, 'closed with 1000');
}

await session(true);
await session({ serverMaxWindowBits: 10, clientMaxWindowBits: true });
await session({ serverNoContextTakeover: true, clientNoContextTakeover: true,
                threshold: 0 });

server.kill('SIGTERM');
const status = await new Promise((resolve) => server.on('exit', resolve));
check(status === 0, `server exited ${status}`);
clearTimeout(timer);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
