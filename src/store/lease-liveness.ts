import { hostname } from 'node:os';
import type { Lease } from './state-store.js';

/**
 * Whether the process holding `lease` is known to be gone: it ran on this host and no process
 * has its pid any more (so a run whose process was killed can be resumed at once, without
 * waiting for the lease to lapse). A holder on another host is never judged gone here.
 */
export function leaseHolderGone(lease: Lease): boolean {
  if (lease.host !== hostname() || lease.pid === process.pid) return false;
  try {
    process.kill(lease.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether a run's lease is held by a live process right now. */
export function leaseLive(lease: Lease | undefined, now: number): boolean {
  return lease !== undefined && lease.expires_at > now && !leaseHolderGone(lease);
}
