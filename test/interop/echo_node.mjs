// Node's `ws` client against the echo sample, over ws:// or wss://: text
// and binary messages of many sizes (some across TLS record boundaries,
// some fragmented by the client), a ping, and a close with a code and
// reason that both sides must agree on. Over TLS the certificate is
// verified against a throwaway CA (scripts/make-test-cert.sh).
// Used by test_echo_node.mjs and test_echo_node_tls.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export async function run(echoBinary, { tls }) {
  let passed = 0;
  let failed = 0;
  const check = (cond, what) => {
    if (cond) {
      passed++;
    } else {
      failed++;
      console.error(`FAIL: ${what}`);
    }
  };

  const args = ['--port', '0'];
  let dir = null;
  if (tls) {
    const here = dirname(fileURLToPath(import.meta.url));
    dir = mkdtempSync(join(tmpdir(), 'uvws-node-tls-'));
    execFileSync(join(here, '..', '..', 'scripts', 'make-test-cert.sh'),
                 [dir]);
    args.push('--tls-cert', join(dir, 'cert.pem'),
              '--tls-key', join(dir, 'key.pem'));
  }
  const scheme = tls ? 'wss' : 'ws';
  const server = spawn(echoBinary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let serverLog = '';
  server.stderr.on('data', (d) => { serverLog += d; });
  const timer = setTimeout(() => {
    console.error('FAIL: timed out');
    server.kill('SIGKILL');
    process.exit(1);
  }, 60000);

  const port = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: server.stdout });
    const listening = new RegExp(`^listening on ${scheme}://[^ ]*:(\\d+)/`);
    lines.on('line', (line) => {
      const m = listening.exec(line);
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', () => reject(new Error('server exited early')));
  });

  const ws = new WebSocket(`${scheme}://127.0.0.1:${port}/node`, {
    perMessageDeflate: false,
    maxPayload: 0,
    ...(tls ? { ca: readFileSync(join(dir, 'ca.pem')) } : {}),
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });

  const queue = [];
  ws.on('message', (data, isBinary) => queue.shift()({ data, isBinary }));
  const roundTrip = (payload, options) => new Promise((resolve) => {
    queue.push(resolve);
    ws.send(payload, options);
  });

  const sizes = [0, 1, 125, 126, 127, 16384, 16385, 65535, 65536, 100000,
    1 << 20, 4 << 20];
  for (const size of sizes) {
    const bin = randomBytes(size);
    const got = await roundTrip(bin, { binary: true });
    check(got.isBinary && Buffer.compare(got.data, bin) === 0,
          `binary echo of ${size} bytes`);
    const text = 'é'.repeat(Math.floor(size / 2)) + (size % 2 ? 'x' : '');
    const gotText = await roundTrip(text, { binary: false });
    check(!gotText.isBinary && gotText.data.toString('utf8') === text,
          `text echo of ${Buffer.byteLength(text)} bytes`);
  }

  // A message in three fragments.
  const fragmented = new Promise((resolve) => queue.push(resolve));
  ws.send('frag', { fin: false });
  ws.send('men', { fin: false });
  ws.send('ted', { fin: true });
  const f = await fragmented;
  check(f.data.toString() === 'fragmented', 'fragmented text reassembled');

  const pong = new Promise((resolve) => ws.once('pong', resolve));
  ws.ping(Buffer.from('are you there'));
  check((await pong).toString() === 'are you there', 'ping answered');

  const closed = new Promise((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason }));
  });
  ws.close(4001, 'node says bye');
  const c = await closed;
  check(c.code === 4001 && c.reason.toString() === 'node says bye',
        `client saw close ${c.code} "${c.reason}"`);

  server.kill('SIGTERM');
  const exitCode = await new Promise((resolve) => server.on('exit', resolve));
  check(exitCode === 0, `server exited ${exitCode}`);
  check(/close 4001 clean=1 node says bye/.test(serverLog),
        'server saw the same clean close');
  if (dir !== null)
    rmSync(dir, { recursive: true, force: true });
  clearTimeout(timer);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
