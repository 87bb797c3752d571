import { isMainThread, MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { WorkerDataSchema } from './worker-protocol.js';
import { startWorkerRuntime } from './worker-runtime.js';

// The entry Piscina loads in each worker thread. Everything it does lives in worker-runtime.ts.
if (isMainThread || !parentPort) {
  throw new Error(
    'switchyard: the agent worker entry runs inside a worker thread started by the agent pool, not on the main thread.',
  );
}
const port = parentPort;
const control = new MessageChannel();
const data = new MessageChannel();
const hello = await startWorkerRuntime(
  WorkerDataSchema.parse(workerData),
  threadId,
  (api) => Comlink.expose(api, nodeEndpoint(control.port1)),
  data.port1,
);
if (hello.type === 'switchyard:runtime')
  port.postMessage({ ...hello, port: control.port2, data: data.port2 }, [control.port2, data.port2]);
else port.postMessage(hello);

/** Piscina wants a task function; Switchyard reaches workers over their control channel instead. */
export default function notUsed(): never {
  throw new Error('switchyard: agent workers take attempts over their control channel, not through Piscina tasks.');
}
