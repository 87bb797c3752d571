import type { RouteRule } from '../protocol/routes.js';

export { DEFAULT_ROUTES, type RouteRule } from '../protocol/routes.js';

/** The rule index and matching capability for a task's capabilities, or `undefined` when none matches. */
export function routeOf(
  rules: readonly RouteRule[],
  capabilities: readonly string[],
): { rule: number; capability: string } | undefined {
  for (let r = 0; r < rules.length; r++) {
    const capability = capabilities.find((c) => c.startsWith(rules[r].prefix));
    if (capability !== undefined) return { rule: r, capability };
  }
  return undefined;
}
