// The raw Piscina baseline's task: does nothing (a batch of n items is n no-ops).
export default function noop(batch) {
  return Array.isArray(batch) ? batch.length : null;
}
