/**
 * How durable a committed step is: see `SqliteStoreOptions.synchronous`. In a file of its own,
 * free of better-sqlite3's types, because the public `switchyard/sqlite` declarations name it:
 * a consumer type-checking with `skipLibCheck: false` has no `@types/better-sqlite3`.
 */
export type Synchronous = 'normal' | 'full';
