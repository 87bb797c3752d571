/**
 * `switchyard/nats`: the NATS transport. A separate entry point so that importing
 * `switchyard` never loads the NATS client.
 * @packageDocumentation
 */
export { natsBus, NatsBus } from './bus/nats-bus.js';
export type { NatsBusOptions, ConnectionEvent } from './bus/nats-bus.js';
