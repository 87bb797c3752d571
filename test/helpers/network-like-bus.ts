import type { Bus } from '../../src/bus/bus.js';
import type { InProcessBus } from '../../src/bus/in-process-bus.js';

/**
 * An in-process bus made to look like a network bus (`reliable: false`): what must not be lost
 * is then requested and acknowledged, and sent again, instead of published once.
 */
export function networkLike(inner: InProcessBus): Bus {
  return {
    reliable: false,
    publish: (subject, data, options) => inner.publish(subject, data, options),
    subscribe: (pattern, handler, options) => inner.subscribe(pattern, handler, options),
    request: (subject, data, options) => inner.request(subject, data, options),
    respond: (message, data, options) => inner.respond(message, data, options),
    flush: () => inner.flush(),
    counters: () => inner.counters(),
    close: () => inner.close(),
  };
}
