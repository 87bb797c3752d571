import { sendAcknowledged } from '../bus/acknowledged.js';
import type { BusMessage } from '../bus/bus.js';
import { ErrorCodes, type SwitchyardError } from '../protocol/errors.js';
import {
  type AgentDispatchFailed,
  type CancelAttempt,
  type TriggerAccepted,
  type TriggerAgent,
  type TriggerAgentBatch,
  type TriggerBatchReply,
  type TriggerPlaced,
  TriggerRequestSchema,
  TriggersAcceptedSchema,
  WithdrawTriggersSchema,
} from '../protocol/runtime-events.js';
import { parseWith } from '../protocol/parse.js';
import { parseUnlessVetted, vet } from '../protocol/vetted.js';
import type { DispatcherState } from './dispatcher-state.js';
import { reportLostAttempts } from './lost-attempts.js';
import type { WorkStealing } from './work-stealing.js';

/** Where a trigger was placed, and how many rounds of that runtime's running attempts it waits for. */
export interface Placement {
  readonly runtimeId: string;
  readonly rounds: number;
}

/**
 * Taking and placing triggers: answers each `TriggerAgent` (or batch) by placing it on the
 * least-loaded live runtime that serves it, queueing it until one has room, or refusing it at
 * once when no registered runtime serves it; hands each runtime what was placed on it, sent
 * again until acknowledged; places what waits whenever room frees ({@link drain}).
 */
export class TriggerPlacement {
  readonly #state: DispatcherState;
  readonly #stealing: WorkStealing;
  /** Triggers placed but not yet sent, by the subject of the runtime they go to. */
  readonly #outgoing = new Map<string, { runtimeId: string; triggers: TriggerAgent[] }>();

  constructor(state: DispatcherState, stealing: WorkStealing) {
    this.#state = state;
    this.#stealing = stealing;
  }

  onTrigger(message: BusMessage): void {
    // Checked in full before anything is placed: a trigger is forwarded to runtimes as it came.
    const parsed = parseUnlessVetted(TriggerRequestSchema, message.data, ['TriggerAgent', 'TriggerAgentBatch']);
    if (!parsed.ok) return this.#state.refuse(message, parsed.error.code, parsed.error.message);
    const request = parsed.value;
    const batch = request.type === 'TriggerAgentBatch';
    const triggers = request.type === 'TriggerAgentBatch' ? request.triggers : [request];
    const replies = triggers.map((t) => this.#take(t, message.priority));
    // The requester hears where each trigger went before any runtime can answer for it.
    this.#state.o.bus.respond(
      message,
      vet(batch ? ({ type: 'TriggerBatchReply', replies } satisfies TriggerBatchReply) : replies[0]),
    );
    this.#forward();
  }

  /** A cancelled run takes back what is still queued (what runtimes hold, they are told to cancel). */
  onWithdraw(message: BusMessage): void {
    const parsed = parseWith(WithdrawTriggersSchema, message.data, 'WithdrawTriggers');
    if (!parsed.ok) return this.#state.refuse(message, parsed.error.code, parsed.error.message);
    const { waiting, running, registry, o } = this.#state;
    const withdrawn = waiting.withdraw(parsed.value.request_ids);
    if (withdrawn > 0) o.logger.info({ withdrawn }, 'queued triggers withdrawn');
    // Ones placed already (the run withdrew them before it read where they went) are cancelled where they run.
    const workflow = message.subject.split('.').at(-2);
    for (const id of parsed.value.request_ids) {
      const runtimeId = running.has(id) && id.startsWith(`${workflow}_`) ? registry.owner(id) : undefined;
      if (runtimeId !== undefined)
        o.bus.publish(o.subjects.cancel(runtimeId), { type: 'CancelAttempt', request_id: id } satisfies CancelAttempt);
    }
  }

  /** Places, queues or refuses one trigger; the answer for its requester. */
  #take(trigger: TriggerAgent, priority: number): TriggerAccepted | AgentDispatchFailed {
    const { registry, running, waiting } = this.#state;
    // A repeat (the requester's copy of our answer was lost): answer again, place nothing twice.
    if (running.has(trigger.request_id))
      return {
        type: 'TriggerAccepted',
        request_id: trigger.request_id,
        runtime_id: registry.owner(trigger.request_id) ?? null,
        at: this.#state.stamp(),
      };
    if (waiting.has(trigger.request_id))
      return { type: 'TriggerAccepted', request_id: trigger.request_id, runtime_id: null, at: this.#state.stamp() };
    if (!registry.anyServes(trigger.agent_id, trigger.dispatch.capability_ids)) return this.#unservable(trigger);
    const placement = this.place(trigger);
    if (placement === undefined) waiting.add(trigger, priority);
    const accepted: TriggerAccepted = {
      type: 'TriggerAccepted',
      request_id: trigger.request_id,
      runtime_id: placement?.runtimeId ?? null,
      at: this.#state.stamp(),
    };
    if (placement && placement.rounds > 0) accepted.rounds_ahead = placement.rounds;
    return accepted;
  }

  /** No registered runtime serves the trigger at all: `AgentDispatchFailed`, also published for the state manager. */
  #unservable(trigger: TriggerAgent): AgentDispatchFailed {
    const { o } = this.#state;
    const capabilities = trigger.dispatch.capability_ids;
    const failed: AgentDispatchFailed = {
      type: 'AgentDispatchFailed',
      request_id: trigger.request_id,
      workflow_id: trigger.workflow_id,
      agent_id: trigger.agent_id,
      task_id: trigger.task_id,
      attempt: trigger.attempt,
      error: {
        code: ErrorCodes.CAPABILITY_NOT_AVAILABLE,
        message: `No registered runtime serves ${trigger.agent_id} for ${capabilities.join(', ')}.`,
        recoverable: false,
      },
      at: this.#state.stamp(),
    };
    o.logger.warn(
      { request_id: trigger.request_id, agent_id: trigger.agent_id, capabilities },
      'dispatch failed: capability not available',
    );
    o.bus.publish(o.subjects.dispatchFailed(trigger.request_id), failed);
    return failed;
  }

  /** Claims a slot on the least-loaded runtime with room, unless the agent is at its limit; where, or `undefined` if none has room. Sent by {@link #forward}. */
  place(trigger: TriggerAgent): Placement | undefined {
    const { registry, running, placedOn, o } = this.#state;
    // An agent at its limit (agentLimits) waits like one whose runtimes are all full.
    if (!running.admits(trigger.agent_id)) return undefined;
    const entry = registry.pick(trigger.agent_id, trigger.dispatch.capability_ids);
    if (!entry) return undefined;
    const rounds = registry.roundsAhead(entry);
    registry.claim(entry.runtimeId, trigger.request_id);
    this.#stealing.placed(entry);
    running.set(trigger.request_id, trigger);
    placedOn.set(trigger.request_id, entry.runtimeId);
    const subject = entry.subjects[0] ?? o.subjects.execute(entry.runtimeId);
    const out = this.#outgoing.get(subject);
    if (out) out.triggers.push(trigger);
    else this.#outgoing.set(subject, { runtimeId: entry.runtimeId, triggers: [trigger] });
    return { runtimeId: entry.runtimeId, rounds };
  }

  /** Places a trigger given back by a runtime again, ahead of what waits: its run is told where it went. */
  placeAgain(trigger: TriggerAgent): void {
    const placement = this.place(trigger);
    if (placement) this.#announcePlaced(trigger, placement);
    else this.#state.waiting.add(trigger, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Hands each runtime the triggers placed on it since the last call, in one message, sent
   * again until the runtime acknowledges it — for as long as the runtime is registered and
   * the attempts are still its (a runtime lost meanwhile has its attempts retried elsewhere).
   */
  #forward(): void {
    const { o, registry, running, unacknowledged } = this.#state;
    for (const [subject, { runtimeId, triggers }] of this.#outgoing) {
      const ids = triggers.map((t) => t.request_id);
      for (const id of ids) unacknowledged.add(id);
      const acknowledged = () => {
        for (const id of ids) unacknowledged.delete(id);
      };
      sendAcknowledged(o.bus, subject, vet<TriggerAgentBatch>({ type: 'TriggerAgentBatch', triggers }), {
        ...o.delivery,
        scheduler: o.scheduler,
        accepts: TriggersAcceptedSchema,
        stillWanted: () => registry.get(runtimeId) !== undefined && ids.some((id) => running.has(id)),
        onAcknowledged: acknowledged,
        onStop: acknowledged,
        onRefused: (error) => {
          acknowledged();
          this.#refused(runtimeId, ids, error);
        },
        onGiveUp: (error) => {
          acknowledged();
          o.logger.error(
            { runtime_id: runtimeId, triggers: ids.length, code: error.code },
            `triggers given up on: ${error.message}`,
          );
        },
      });
    }
    this.#outgoing.clear();
  }

  /** A runtime refused triggers placed on it: they will not run there, so their slots free and their runs retry them. */
  #refused(runtimeId: string, ids: readonly string[], error: SwitchyardError): void {
    const { o, registry } = this.#state;
    o.logger.error(
      { runtime_id: runtimeId, triggers: ids.length, code: error.code },
      `triggers refused by their runtime: ${error.message}`,
    );
    const refused = ids.filter((id) => registry.owner(id) === runtimeId);
    for (const id of refused) registry.release(id);
    reportLostAttempts(
      this.#state,
      refused,
      runtimeId,
      error.code,
      `Runtime ${runtimeId} refused the attempt: ${error.message}`,
    );
    this.drain();
  }

  /** Places what waits on the room there is now, hands it out, and lets work stealing see who is idle. */
  drain(): void {
    this.#state.waiting.drain(
      (trigger) => this.place(trigger),
      (trigger, placement) => this.#announcePlaced(trigger, placement),
    );
    this.#forward();
    this.#stealing.watchIdle();
  }

  /** Tells the supervisor where a trigger it was told is queued (or held elsewhere) went after all. */
  #announcePlaced(trigger: TriggerAgent, placement: Placement): void {
    const placed: TriggerPlaced = {
      type: 'TriggerPlaced',
      request_id: trigger.request_id,
      runtime_id: placement.runtimeId,
      at: this.#state.stamp(),
    };
    if (placement.rounds > 0) placed.rounds_ahead = placement.rounds;
    // Vetted: a run believes a placement only from its own process's dispatcher.
    this.#state.o.bus.publish(this.#state.o.subjects.placed(trigger.request_id), vet(placed));
  }
}
