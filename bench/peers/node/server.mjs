// An echo server on Node's `ws`: every message goes back with the same
// type. Usage: node server.mjs [PORT [HOST [deflate] [CERT KEY]]]:
// "deflate" turns permessage-deflate on with ws's defaults (context
// takeover, messages of 1 KiB or more compressed; off otherwise); with a
// certificate chain and key (PEM files), it serves wss://.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 8080);
const host = process.argv[3] ?? '127.0.0.1';
const rest = process.argv.slice(4);
const deflate = rest[0] === 'deflate';
if (deflate) rest.shift();
const [cert, key] = rest;
const options = { perMessageDeflate: deflate, maxPayload: 64 * 1024 * 1024 };
let https = null;
if (cert && key) {
  https = createServer({ cert: readFileSync(cert), key: readFileSync(key) });
  options.server = https;
} else {
  options.port = port;
  options.host = host;
}
const wss = new WebSocketServer(options);
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
function listening() {
  const a = (https ?? wss).address();
  console.log(`listening on ${https ? 'wss' : 'ws'}://${a.address}:${a.port}/`);
}
if (https) {
  https.listen(port, host, listening);
} else {
  wss.on('listening', listening);
}
process.on('SIGTERM', () => process.exit(0));
