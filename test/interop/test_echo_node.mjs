// Interop: Node's `ws` client against the echo sample over ws://
// (echo_node.mjs says what it checks).
// Usage: node test_echo_node.mjs path/to/uvws-echo
import { run } from './echo_node.mjs';

await run(process.argv[2], { tls: false });
