/** Whether a capability pattern (`CAP-ACQ-*`, `*`, or an exact id) covers a capability id. */
export function capabilityMatches(pattern: string, capability: string): boolean {
  return pattern.endsWith('*') ? capability.startsWith(pattern.slice(0, -1)) : pattern === capability;
}

/** Whether an agent serves every capability a task asks for. */
export function servesAll(patterns: readonly string[], capabilities: readonly string[]): boolean {
  return capabilities.every((c) => patterns.some((p) => capabilityMatches(p, c)));
}
