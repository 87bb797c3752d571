import type { Dispatcher } from '../actors/dispatcher.js';
import type { Bus } from '../bus/bus.js';
import type { Scheduler, Timer } from '../core/scheduler.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { Subjects } from '../protocol/subjects.js';

/**
 * Resolves once the dispatcher has at least `count` runtimes registered, or rejects
 * `REQUEST_TIMEOUT` after `timeoutMs` on `scheduler`'s time, saying how many came. It looks
 * again after each runtime definition event (registration, deregistration, heartbeat) has
 * reached the dispatcher — the turn after it arrives here — and once the bus has delivered what
 * was published before the call, rather than polling: a registration the dispatcher takes after
 * a look is caught by the next event, at the latest the next heartbeat.
 */
export function waitForRuntimes(
  parts: { readonly bus: Bus; readonly subjects: Subjects; readonly dispatcher: Dispatcher },
  scheduler: Scheduler,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const { bus, subjects, dispatcher } = parts;
  const registered = () => dispatcher.registry.runtimes().length;
  if (registered() >= count) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: SwitchyardError) => {
      if (settled) return;
      settled = true;
      scheduler.clearTimeout(timer);
      watch.unsubscribe();
      if (error) reject(error);
      else resolve();
    };
    const look = () => {
      if (registered() >= count) finish();
    };
    // After the dispatcher's own handler of the same message, wherever the bus puts this one.
    const watch = bus.subscribe(subjects.patterns.runtimeDefinitions(), () => void setImmediate(look));
    // And once what was published before this subscription has reached the dispatcher.
    void bus.flush().then(look, () => undefined);
    const timer: Timer = scheduler.setTimeout(
      () =>
        finish(
          new SwitchyardError(
            ErrorCodes.REQUEST_TIMEOUT,
            `Only ${registered()} of the ${count} runtimes asked for registered within ${timeoutMs} ms. Are the runtime processes started, on the same NATS server and subject prefix?`,
            { expected: count, registered: registered() },
          ),
        ),
      timeoutMs,
    );
  });
}
