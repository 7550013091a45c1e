// Interop over TLS: Node's `ws` client on wss:// against the echo sample
// (--tls-cert, --tls-key), the certificate verified against a throwaway
// CA (echo_node.mjs says what it checks).
// Usage: node test_echo_node_tls.mjs path/to/uvws-echo
import { run } from './echo_node.mjs';

await run(process.argv[2], { tls: true });
