// Interop: headless Chromium's own WebSocket against the echo sample. The
// browser offers permessage-deflate, which the sample accepts: text and
// binary messages of many sizes go compressed both ways and are echoed
// byte-exact, and a close with a code and reason is seen the same by the
// page and by the server.
//
// With --tls, the same over wss:// (a throwaway CA's certificate, which
// the browser is told to accept).
//
// With --deflate, uvws was built with zlib: the browser's offer of
// permessage-deflate must be accepted (else it must be declined).
//
// Usage: node test_echo_browser.mjs PATH/TO/uvws-echo [CHROMIUM] [--tls]
//        [--deflate]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
// --tls: the server serves https:// and wss:// with a throwaway CA's
// certificate (scripts/make-test-cert.sh), which the browser is told to
// accept.
const tlsAt = args.indexOf('--tls');
const tls = tlsAt >= 0;
if (tls) args.splice(tlsAt, 1);
const serverArgs = ['--port', '0'];
let certDir = null;
if (tls) {
  certDir = mkdtempSync(join(tmpdir(), 'uvws-browser-tls-'));
  execFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..',
                    'scripts', 'make-test-cert.sh'), [certDir]);
  serverArgs.push('--tls-cert', join(certDir, 'cert.pem'),
                  '--tls-key', join(certDir, 'key.pem'));
  process.on('exit', () => rmSync(certDir, { recursive: true, force: true }));
}
const deflateAt = args.indexOf('--deflate');
const deflate = deflateAt >= 0;
if (deflate) args.splice(deflateAt, 1);
const [serverPath, chromiumPath = '/usr/bin/chromium'] = args;
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

const server = spawn(serverPath, serverArgs, {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverLog = '';
server.stderr.on('data', (d) => { serverLog += d; });
let browser = null;
const timer = setTimeout(async () => {
  console.error('FAIL: timed out');
  server.kill('SIGKILL');
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}, 90000);

const port = await new Promise((resolve, reject) => {
  createInterface({ input: server.stdout }).on('line', (line) => {
    const m = /^listening on wss?:\/\/[^ ]*:(\d+)\//.exec(line);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', () => reject(new Error('server exited early')));
});

browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu',
         '--disable-background-networking', '--disable-quic',
         '--no-first-run', '--disable-component-update', '--disable-sync',
         ...(tls ? ['--ignore-certificate-errors'] : [])],
});
const page = await browser.newPage({ ignoreHTTPSErrors: tls });
page.on('console', (m) => console.error(`page: ${m.text()}`));

// Everything below runs inside the page, with the browser's WebSocket.
const results = await page.evaluate(async ({ url, wanted }) => {
  const out = [];
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('open failed'));
  });
  out.push([ws.extensions === wanted, `negotiated "${ws.extensions}"`]);
  const queue = [];
  ws.onmessage = (e) => queue.shift()(e.data);
  const roundTrip = (data) => new Promise((resolve) => {
    queue.push(resolve);
    ws.send(data);
  });
  const sizes = [0, 1, 125, 126, 127, 65535, 65536, 100000, 1 << 20];
  for (const size of sizes) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + size) & 255;
    const echoed = new Uint8Array(await roundTrip(bytes.buffer));
    let same = echoed.length === size;
    for (let i = 0; same && i < size; i++) same = echoed[i] === bytes[i];
    out.push([same, `binary of ${size} bytes`]);
    const text = 'ö€😀x'.repeat(Math.ceil(size / 10)).slice(0, size);
    const echoedText = await roundTrip(text);
    out.push([echoedText === text, `text of ${text.length} characters`]);
  }
  const closed = new Promise((resolve) => {
    ws.onclose = (e) => resolve(e);
  });
  ws.close(4002, 'chromium says bye');
  const e = await closed;
  out.push([e.code === 4002 && e.reason === 'chromium says bye' && e.wasClean,
            `page saw close ${e.code} "${e.reason}" clean=${e.wasClean}`]);
  return out;
}, {
  url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/browser`,
  wanted: deflate ? 'permessage-deflate; ' +
      'server_no_context_takeover; client_no_context_takeover' : '',
});
for (const [ok, what] of results) check(ok, what);

await browser.close();
server.kill('SIGTERM');
const exitCode = await new Promise((resolve) => server.on('exit', resolve));
check(exitCode === 0, `server exited ${exitCode}`);
check(/close 4002 clean=1 chromium says bye/.test(serverLog),
      'server saw the same clean close');
clearTimeout(timer);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
