import { afterAll, beforeAll, describe } from 'vitest';
import { systemScheduler } from '../../src/core/scheduler.js';
import { natsBus } from '../../src/nats.js';
import { dispatcherClientConformance } from '../actors/dispatcher-client-suite.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

let server: TestNatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

describe('dispatcherClient over a real nats-server', () => {
  dispatcherClientConformance(async () => {
    const bus = await natsBus({ servers: server.url });
    return { bus, scheduler: systemScheduler, close: () => bus.close() };
  });
});
