import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { describeBusConformance } from './bus-conformance.js';

describeBusConformance('in-process', async () => {
  let now = 1_000_000;
  return { bus: new InProcessBus({ clock: () => now }), advance: (ms) => void (now += ms) };
});
