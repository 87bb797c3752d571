// The raw baseline of `npm run bench -- nats`: a process that answers every request on
// bench.echo at once, over the same nats-server the remote runtime uses.
import { connect } from '@nats-io/transport-node';

const nc = await connect({ servers: process.argv[2], name: 'bench-echo' });
nc.subscribe('bench.echo', { callback: (_error, msg) => msg.respond(msg.data) });
await nc.flush();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void nc.close().then(() => process.exit(0)));
