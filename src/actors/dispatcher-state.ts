import type { BusMessage } from '../bus/bus.js';
import { isoClock } from '../core/time.js';
import type { ErrorCode } from '../protocol/errors.js';
import type { DispatcherOptions } from './dispatcher-options.js';
import { RunningAttempts } from './running-attempts.js';
import { RuntimeRegistry } from './runtime-registry.js';
import { WaitingTriggers } from './waiting-triggers.js';

/**
 * What the units of a {@link Dispatcher} share: its options, the registry of runtimes, the
 * triggers waiting for room, and the ledger of attempts — where each was placed, which are
 * unacknowledged, adopted or being asked back. Each unit changes what its concern owns; this
 * holds no behaviour beyond stamping and refusing messages.
 */
export class DispatcherState {
  readonly o: DispatcherOptions;
  readonly registry: RuntimeRegistry;
  readonly waiting = new WaitingTriggers();
  /** Request ids sent to a runtime that has not acknowledged them yet. */
  readonly unacknowledged = new Set<string>();
  /**
   * The trigger behind each attempt a runtime holds, to report it if the runtime is lost; it
   * also counts them per agent against `agentLimits`.
   */
  readonly running: RunningAttempts;
  /**
   * The runtime each of those attempts was placed on — kept after that runtime leaves, so the
   * results it still sends for them (a worker that died reports its attempts failed) are
   * recognised as its own until they come.
   */
  readonly placedOn = new Map<string, string>();
  /** Attempts runtimes reported that this dispatcher did not place (by request id: the runtime). */
  readonly adopted = new Map<string, string>();
  /** Held attempts asked back from their runtime, by request id: the runtime they are for. */
  readonly reclaiming = new Map<string, string>();
  /**
   * Runtimes this process hosts (its own worker threads): they registered through messages
   * this process built. A registration, deregistration or heartbeat naming one of them that
   * arrives from outside the process is forged, and refused.
   */
  readonly hosted = new Set<string>();
  /** The ISO 8601 time now, for the `at` of what the dispatcher publishes. */
  readonly stamp: () => string;

  constructor(options: DispatcherOptions) {
    this.o = options;
    this.registry = new RuntimeRegistry(options.missedHeartbeats ?? 3);
    this.running = new RunningAttempts(options.agentLimits);
    this.stamp = isoClock(() => options.scheduler.now());
  }

  /** Epoch milliseconds now, on the dispatcher's scheduler. */
  now(): number {
    return this.o.scheduler.now();
  }

  /** Answers a message the dispatcher will not take with a coded `Error`, and logs why. */
  refuse(message: BusMessage, code: ErrorCode, text: string): void {
    this.o.logger.warn({ subject: message.subject, code }, `malformed message refused: ${text}`);
    this.o.bus.respond(message, { type: 'Error', code, message: text });
  }
}
