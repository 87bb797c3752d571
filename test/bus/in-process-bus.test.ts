import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { describeBusConformance } from './bus-conformance.js';

describeBusConformance('in-process', async () => {
  const time = new SimulatedScheduler(1_000_000);
  return { bus: new InProcessBus({ scheduler: time }), advance: (ms) => time.advance(ms) };
});
