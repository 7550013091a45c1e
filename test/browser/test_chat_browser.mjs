// The chat sample in a real browser: headless Chromium (Debian's package)
// driven by playwright-core opens the page the server serves, and three
// pages join one room, exchange messages, see join and leave notices and
// the history, and one that leaves no longer receives anything. A name
// already taken is refused with the reason shown on the page.
//
// Usage: node test_chat_browser.mjs PATH/TO/uvws-chat [CHROMIUM]
//          [--screenshot FILE.png] [--tls]
// --screenshot saves the page of one of two members chatting (800x600),
// as used in the README.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join as joinPath } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const TOTAL_TIMEOUT = 60000;
const STEP_TIMEOUT = 10000;

const args = process.argv.slice(2);
let screenshot = null;
const shot = args.indexOf('--screenshot');
if (shot >= 0) {
  screenshot = args[shot + 1];
  args.splice(shot, 2);
}
// --tls: the server serves https:// and wss:// with a throwaway CA's
// certificate (scripts/make-test-cert.sh), which the browser is told to
// accept.
const tlsAt = args.indexOf('--tls');
const tls = tlsAt >= 0;
if (tls) args.splice(tlsAt, 1);
const serverArgs = ['--port', '0'];
let certDir = null;
if (tls) {
  certDir = mkdtempSync(joinPath(tmpdir(), 'uvws-browser-tls-'));
  execFileSync(joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..',
                    'scripts', 'make-test-cert.sh'), [certDir]);
  serverArgs.push('--tls-cert', joinPath(certDir, 'cert.pem'),
                  '--tls-key', joinPath(certDir, 'key.pem'));
  process.on('exit', () => rmSync(certDir, { recursive: true, force: true }));
}
const [serverPath, chromiumPath = '/usr/bin/chromium'] = args;
if (!serverPath || (shot >= 0 && !screenshot)) {
  console.error('usage: test_chat_browser.mjs PATH/TO/uvws-chat [CHROMIUM] ' +
                '[--screenshot FILE.png]');
  process.exit(2);
}

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) {
    passed++;
  } else {
    failed++;
    console.error(`FAIL: ${what}`);
  }
  return cond;
}
// Runs one awaited step; an exception (a wait that timed out) fails it.
async function step(what, fn) {
  try {
    await fn();
    check(true, what);
  } catch (e) {
    check(false, `${what}: ${e.message.split('\n')[0]}`);
  }
}

const server = spawn(serverPath, serverArgs, {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverLog = '';
server.stderr.on('data', (d) => { serverLog += d; });
let browser = null;
let context = null;
// Whatever happens, the server does not outlive the test.
process.on('exit', () => {
  if (server.exitCode === null && server.signalCode === null)
    server.kill('SIGKILL');
});
const timer = setTimeout(() => {
  console.error(`FAIL: the test took over ${TOTAL_TIMEOUT / 1000} s`);
  console.error(serverLog);
  server.kill('SIGKILL');
  if (browser) browser.close().catch(() => {});
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, TOTAL_TIMEOUT);

const port = await new Promise((resolve, reject) => {
  const lines = createInterface({ input: server.stdout });
  lines.on('line', (line) => {
    const m = /^listening on wss?:\/\/[^ ]*:(\d+)\/$/.exec(line);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', () => reject(new Error('server exited early')));
});
const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
console.log(`server at ${url}`);

// A page, with the WebSocket frames it receives counted, and any script
// error recorded.
async function openPage(label) {
  const page = await context.newPage();
  page.label = label;
  page.frames = 0;
  page.sockets = [];
  page.on('pageerror', (e) => check(false, `${label}: page error ${e}`));
  page.on('websocket', (ws) => {
    page.sockets.push(ws);
    ws.closed = false;
    ws.on('framereceived', () => { page.frames++; });
    ws.on('close', () => { ws.closed = true; });
  });
  await page.goto(url);
  return page;
}

async function join(page, room, name) {
  await page.fill('#room', room);
  await page.fill('#name', name);
  await page.click('#join');
}

async function say(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

function messageLine(page, from, text) {
  return page.locator('#messages li.message', { hasText: text })
    .filter({ has: page.locator('.from', { hasText: from }) });
}

async function members(page) {
  return page.locator('#members li').allTextContents();
}

async function waitMembers(page, want) {
  await page.waitForFunction(
    (names) => JSON.stringify(
      [...document.querySelectorAll('#members li')].map((li) =>
        li.textContent)) === JSON.stringify(names),
    want, { timeout: STEP_TIMEOUT });
}

try {
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu',
           '--disable-background-networking', '--disable-quic',
           '--no-first-run', '--disable-component-update', '--disable-sync',
           ...(tls ? ['--ignore-certificate-errors'] : [])],
  });
  context = await browser.newContext({
    viewport: { width: 800, height: 600 },
    ignoreHTTPSErrors: tls,
  });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const alice = await openPage('alice');
  const bob = await openPage('bob');
  const carol = await openPage('carol');

  check(await alice.title() === 'uvws chat',
        `page title ${await alice.title()}`);
  await step('the join form is shown first', async () => {
    await alice.locator('#join-view').waitFor({ state: 'visible' });
    await alice.locator('#chat').waitFor({ state: 'hidden' });
  });

  await join(alice, 'lobby', 'alice');
  await step('alice joins and sees herself in the member list', async () => {
    await alice.locator('#chat').waitFor({ state: 'visible' });
    await waitMembers(alice, ['alice']);
    await alice.locator('#messages li.join', { hasText: 'alice joined' })
      .waitFor();
  });
  check((await alice.locator('#title').textContent()).includes('lobby'),
        'the room name is shown');
  check(alice.sockets.length === 1 &&
        alice.sockets[0].url().startsWith(tls ? 'wss://' : 'ws://'),
        `the page's WebSocket is ${tls ? 'wss' : 'ws'}://`);

  await join(bob, 'lobby', 'bob');
  await step('bob joins; both member lists show alice and bob', async () => {
    await waitMembers(bob, ['alice', 'bob']);
    await waitMembers(alice, ['alice', 'bob']);
  });
  await step('alice sees the join notice for bob', async () => {
    await alice.locator('#messages li.join', { hasText: 'bob joined' })
      .waitFor();
  });

  const hello = 'Hi Bob! Every message here is one ws_room_broadcast.';
  await say(alice, hello);
  await step('alice\'s message reaches bob and alice herself', async () => {
    await messageLine(bob, 'alice', hello).waitFor();
    await messageLine(alice, 'alice', hello).waitFor();
  });
  check(await alice.inputValue('#text') === '',
        'the input box is cleared after sending');
  const reply = 'Nice. Is the frame encoded once for all of us?';
  await say(bob, reply);
  await step('bob\'s reply reaches both', async () => {
    await messageLine(alice, 'bob', reply).waitFor();
    await messageLine(bob, 'bob', reply).waitFor();
  });
  await say(alice, 'Once, and shared by every queue. Ask Carol to join: ' +
                   'she will get the last 50.');
  await step('a third message arrives', async () => {
    await messageLine(bob, 'alice', 'Ask Carol').waitFor();
    await messageLine(alice, 'alice', 'Ask Carol').waitFor();
  });

  if (screenshot) {
    await alice.screenshot({ path: screenshot });
    console.log(`screenshot: ${screenshot}`);
  }

  // Text is shown as text, whatever it holds.
  const tricky = 'Hello \u{1F44B} <b>not bold</b> & "quoted" \\ </script>';
  await say(bob, tricky);
  await step('a message with markup is shown as text', async () => {
    await messageLine(alice, 'bob', tricky).waitFor();
  });
  check(await alice.locator('#messages b').count() === 0,
        'message text was rendered as HTML');

  await join(carol, 'lobby', 'carol');
  await step('carol gets the history and the member list', async () => {
    await waitMembers(carol, ['alice', 'bob', 'carol']);
    await messageLine(carol, 'alice', hello).waitFor();
    await messageLine(carol, 'bob', reply).waitFor();
  });
  await step('alice and bob see carol join', async () => {
    await alice.locator('#messages li.join', { hasText: 'carol joined' })
      .waitFor();
    await bob.locator('#messages li.join', { hasText: 'carol joined' })
      .waitFor();
  });

  // Bob leaves: the others see it, and he gets nothing more.
  await bob.click('#leave');
  await step('bob is back at the join form', async () => {
    await bob.locator('#join-view').waitFor({ state: 'visible' });
    await bob.locator('#status', { hasText: 'You left #lobby' }).waitFor();
  });
  await step('alice and carol see bob leave', async () => {
    await alice.locator('#messages li.leave', { hasText: 'bob left' })
      .waitFor();
    await carol.locator('#messages li.leave', { hasText: 'bob left' })
      .waitFor();
    await waitMembers(alice, ['alice', 'carol']);
    await waitMembers(carol, ['alice', 'carol']);
  });
  await step('bob\'s socket closed', async () => {
    const deadline = Date.now() + STEP_TIMEOUT;
    while (!bob.sockets.every((s) => s.closed) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    if (!bob.sockets.every((s) => s.closed)) throw new Error('still open');
  });
  const bobFrames = bob.frames;
  const after = 'Bob has gone; this is only for Carol.';
  await say(alice, after);
  await step('carol still receives after bob left', async () => {
    await messageLine(carol, 'alice', after).waitFor();
    await messageLine(alice, 'alice', after).waitFor();
  });
  await bob.waitForTimeout(300);
  check(bob.frames === bobFrames,
        `bob received ${bob.frames - bobFrames} frames after leaving`);
  check(await bob.locator('#messages li', { hasText: after }).count() === 0,
        'bob\'s page shows a message sent after he left');

  // A taken name is refused, with the reason on the page.
  await join(bob, 'lobby', 'alice');
  await step('a taken name is refused with its reason', async () => {
    await bob.locator('#status.bad', { hasText: 'name taken' }).waitFor();
    await bob.locator('#join-view').waitFor({ state: 'visible' });
  });
  check(JSON.stringify(await members(alice)) === '["alice","carol"]',
        'the refused client changed the member list');

  // Bob comes back under his own name and sees what he missed.
  await join(bob, 'lobby', 'bob');
  await step('bob rejoins and gets what he missed', async () => {
    await waitMembers(bob, ['alice', 'carol', 'bob']);
    await messageLine(bob, 'alice', after).waitFor();
  });

  // The page is served at /index.html too, and other paths are 404.
  const r1 = await carol.request.get(`${url}index.html`);
  check(r1.status() === 200 && (await r1.text()).includes('uvws chat'),
        `GET /index.html: ${r1.status()}`);
  const r2 = await carol.request.get(`${url}nope`);
  check(r2.status() === 404, `GET /nope: ${r2.status()}`);
} catch (e) {
  check(false, `${e.stack || e}`);
}

if (browser) await browser.close();
server.kill('SIGTERM');
const code = await new Promise((resolve) => {
  if (server.exitCode !== null) resolve(server.exitCode);
  else server.on('exit', (c) => resolve(c));
});
check(code === 0, `server exit status ${code}`);
check(!/ERROR|runtime error/.test(serverLog), 'the sanitizers reported');
clearTimeout(timer);
if (failed) {
  console.error('server log:');
  console.error(serverLog);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
