// An echo server on Node's `ws`, without permessage-deflate: every message
// goes back with the same type. Usage: node server.mjs [PORT [HOST]].
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 8080);
const host = process.argv[3] ?? '127.0.0.1';
const wss = new WebSocketServer({ port, host, perMessageDeflate: false,
                                  maxPayload: 64 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => {
  const a = wss.address();
  console.log(`listening on ws://${a.address}:${a.port}/`);
});
process.on('SIGTERM', () => process.exit(0));
