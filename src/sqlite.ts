/**
 * `switchyard/sqlite`: the durable state store. A separate entry point so that importing
 * `switchyard` never loads the native better-sqlite3 module.
 * @packageDocumentation
 */
export { SqliteStore } from './store/sqlite-store.js';
export type { SqliteStoreOptions } from './store/sqlite-store.js';
export type { Synchronous } from './store/sqlite-synchronous.js';
export { SCHEMA_VERSION, APPLICATION_ID } from './store/sqlite-schema.js';
