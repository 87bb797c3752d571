// No-op agents for the pool bench: every attempt succeeds at once and produces nothing.
const handle = () => ({});
export default [
  { name: 'execution_agent', capabilities: ['CAP-*'], handle },
  { name: 'reasoning_agent', capabilities: ['CAP-SYN-*'], handle },
];
