import type { z } from 'zod';
import type { BusMessage } from '../bus/bus.js';
import { every } from '../core/scheduler.js';
import { ErrorCodes } from '../protocol/errors.js';
import {
  type AgentRuntimeDeregistered,
  AgentRuntimeDeregisteredSchema,
  AgentRuntimeRegisteredSchema,
  type CancelAttempt,
  RuntimeHeartbeatSchema,
} from '../protocol/runtime-events.js';
import { isVetted, parseUnlessVetted, vet } from '../protocol/vetted.js';
import type { DispatcherState } from './dispatcher-state.js';
import { reportLostAttempts } from './lost-attempts.js';
import { runtimeOfSubject } from './result-identity.js';
import type { TriggerPlacement } from './trigger-placement.js';
import type { WorkStealing } from './work-stealing.js';

/**
 * Which runtimes are in, and which are gone: registrations, deregistrations and heartbeats
 * (each checked to speak only for its own runtime), the sweep that deregisters runtimes gone
 * silent, and what is lost with a runtime that leaves — its attempts, reported as recoverable
 * `RUNTIME_LOST` failures so their runs retry them elsewhere.
 */
export class RuntimeLiveness {
  readonly #state: DispatcherState;
  readonly #placement: TriggerPlacement;
  readonly #stealing: WorkStealing;
  readonly #sweepMs: number;
  readonly #stopSweeping: () => void;
  /** When (epoch ms) {@link sweep} last ran, to tell how late the next one runs. */
  #lastSweep: number;
  /** Whether the last sweep ran late and left judging to this one. */
  #deferred = false;
  readonly #stopWatching: (() => void) | undefined;
  /** While the bus is cut off, silence from runtimes says nothing about them: no expiry. */
  #disconnected = false;
  #lastAnnounce = 0;

  /**
   * Starts the sweep (a background timer every `sweepMs`) and asks runtimes to announce themselves.
   * @param onTimer what the sweep timer calls (the dispatcher routes it through its actor) @default sweep
   */
  constructor(state: DispatcherState, placement: TriggerPlacement, stealing: WorkStealing, onTimer?: () => void) {
    this.#state = state;
    this.#placement = placement;
    this.#stealing = stealing;
    const { o } = state;
    this.#sweepMs = o.sweepMs ?? 500;
    this.#lastSweep = state.now();
    this.#stopSweeping = every(o.scheduler, this.#sweepMs, onTimer ?? (() => this.sweep()), {
      background: true,
    });
    this.#stopWatching = o.bus.onConnection?.((event) => {
      this.#disconnected = event === 'disconnected';
      if (event === 'reconnected') {
        state.registry.touchAll(state.now());
        this.#announce(true);
      }
    });
    // Runtimes that registered before this dispatcher listened (other processes) announce themselves again.
    this.#announce(true);
  }

  close(): void {
    this.#stopSweeping();
    this.#stopWatching?.();
  }

  /** See {@link Dispatcher.sweep}. */
  sweep(): void {
    const now = this.#state.now();
    const late = now - this.#lastSweep - this.#sweepMs;
    this.#lastSweep = now;
    if (this.#disconnected) return;
    if (late > 0) this.#state.registry.credit(late, now);
    if (late > this.#sweepMs / 2 && !this.#deferred) {
      this.#deferred = true;
      this.#state.o.logger.debug(
        { late_ms: late },
        'sweep ran late (this process was busy): runtimes credited, judged at the next sweep',
      );
      return;
    }
    this.#deferred = false;
    for (const entry of this.#state.registry.expire(now)) this.#lost(entry.runtimeId, [...entry.inFlight], 'defunct');
  }

  /** See {@link Dispatcher.cancelStale}. */
  cancelStale(): void {
    const { o, registry, adopted } = this.#state;
    for (const [id, runtimeId] of adopted) {
      if (registry.owner(id) !== runtimeId) {
        adopted.delete(id);
        continue;
      }
      if (!o.staleAttempt?.(id)) continue;
      adopted.delete(id);
      o.logger.info(
        { runtime_id: runtimeId, request_id: id },
        'cancelling an attempt from before this process that its run no longer wants',
      );
      o.bus.publish(o.subjects.cancel(runtimeId), { type: 'CancelAttempt', request_id: id } satisfies CancelAttempt);
    }
  }

  onDefinition(message: BusMessage): void {
    const event = message.subject.slice(message.subject.lastIndexOf('.') + 1);
    if (event === 'registered') this.#onRegistered(message);
    else if (event === 'deregistered') this.#onDeregistered(message);
    else if (event === 'heartbeat') this.#onHeartbeat(message);
  }

  #onRegistered(message: BusMessage): void {
    const { o, registry } = this.#state;
    const now = this.#state.now();
    const parsed = this.#definition(message, AgentRuntimeRegisteredSchema, 'AgentRuntimeRegistered');
    if (parsed === undefined) return;
    const runtimeId = parsed.runtime_id;
    const own = [o.subjects.execute(runtimeId), o.subjects.cancel(runtimeId), o.subjects.reclaim(runtimeId)];
    const foreign = (parsed.subjects ?? []).find((s) => !own.includes(s));
    if (foreign !== undefined)
      return this.#state.refuse(
        message,
        ErrorCodes.UNAUTHORIZED,
        `Runtime ${runtimeId} lists ${foreign} among its subjects; a runtime may list only its own command subjects (${own.join(', ')}).`,
      );
    if (isVetted(message.data)) this.#state.hosted.add(runtimeId);
    // A refreshing registration does not list what was sent to it and not yet acknowledged: that stays too.
    // What it lists that no dispatcher here handed it is adopted: another process's, from before this one.
    const { lost, adopted } = registry.register(parsed, now, (id) => this.#state.unacknowledged.has(id));
    o.logger.info(
      { runtime_id: runtimeId, agents: parsed.agents.map((a) => a.agent_id), capacity: parsed.capacity },
      'runtime registered',
    );
    for (const id of adopted) this.#state.adopted.set(id, runtimeId);
    if (adopted.length > 0) this.cancelStale();
    if (lost.length > 0) reportLostAttempts(this.#state, lost, runtimeId);
    this.#placement.drain();
  }

  #onDeregistered(message: BusMessage): void {
    const parsed = this.#definition(message, AgentRuntimeDeregisteredSchema, 'AgentRuntimeDeregistered');
    if (parsed === undefined) return;
    // The runtime reports its own attempts; those it lists as in flight it hands back.
    const entry = this.#state.registry.deregister(parsed.runtime_id);
    if (entry)
      this.#lost(
        entry.runtimeId,
        (parsed.in_flight ?? []).filter((id) => entry.inFlight.has(id)),
        parsed.reason,
        false,
      );
  }

  #onHeartbeat(message: BusMessage): void {
    const now = this.#state.now();
    const parsed = this.#definition(message, RuntimeHeartbeatSchema, 'RuntimeHeartbeat');
    if (parsed === undefined) return;
    if (!this.#state.registry.heartbeat(parsed.runtime_id, now)) {
      this.#state.o.logger.warn(
        { runtime_id: parsed.runtime_id },
        'heartbeat from an unregistered runtime; asking runtimes to announce themselves',
      );
      this.#announce(false);
    }
  }

  /**
   * A runtime definition event, checked: against its schema, for naming in its body the
   * runtime of its subject, and — for a runtime this process hosts — for coming from this
   * process. `undefined` (and the sender told why) when it is refused.
   */
  #definition<S extends z.ZodType<{ runtime_id: string }>>(
    message: BusMessage,
    schema: S,
    what: string,
  ): z.infer<S> | undefined {
    const parsed = parseUnlessVetted(schema, message.data, what);
    if (!parsed.ok) {
      this.#state.refuse(message, parsed.error.code, parsed.error.message);
      return undefined;
    }
    const value = parsed.value;
    const named = runtimeOfSubject(message.subject);
    if (named !== value.runtime_id) {
      this.#state.refuse(
        message,
        ErrorCodes.UNAUTHORIZED,
        `The ${what} on the subject of runtime ${named} names runtime ${value.runtime_id} in its body; a runtime speaks only for itself.`,
      );
      return undefined;
    }
    if (!isVetted(message.data) && this.#state.hosted.has(value.runtime_id)) {
      this.#state.refuse(
        message,
        ErrorCodes.UNAUTHORIZED,
        `Runtime ${value.runtime_id} is one of this process's own worker runtimes; an ${what} for it from outside the process is refused.`,
      );
      return undefined;
    }
    return value;
  }

  /** A runtime left: publish its deregistration (when we decided it) and fail its attempts as recoverable. */
  #lost(runtimeId: string, inFlight: string[], reason: AgentRuntimeDeregistered['reason'], announce = true): void {
    const { o } = this.#state;
    o.logger[reason === 'shutdown' ? 'info' : 'warn'](
      { runtime_id: runtimeId, reason, in_flight: inFlight.length },
      'runtime deregistered',
    );
    if (announce) {
      const event: AgentRuntimeDeregistered = {
        type: 'AgentRuntimeDeregistered',
        runtime_id: runtimeId,
        reason,
        in_flight: inFlight,
        at: this.#state.stamp(),
      };
      o.bus.publish(o.subjects.deregistered(runtimeId), vet(event));
    }
    this.#stealing.forget(runtimeId);
    reportLostAttempts(this.#state, inFlight, runtimeId);
    this.#placement.drain();
  }

  /** Asks every runtime host to publish its registrations again (at most once a second unless `force`). */
  #announce(force: boolean): void {
    const now = this.#state.now();
    if (!force && now - this.#lastAnnounce < 1000) return;
    this.#lastAnnounce = now;
    try {
      this.#state.o.bus.publish(this.#state.o.subjects.announce(), {
        type: 'AnnounceRuntimes',
        at: this.#state.stamp(),
      });
    } catch {
      // closed bus: nothing to ask
    }
  }
}
