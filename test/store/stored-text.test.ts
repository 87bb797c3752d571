import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compressed, decompressedFrames, joinFrames } from '../../src/store/stored-text.js';

describe('compressed frames', () => {
  it('give back their parts, decompressed and joined in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 6 }), (parts) => {
        const stored = joinFrames(parts.map((p) => compressed(Buffer.from(p))));
        expect(decompressedFrames(stored).equals(Buffer.concat(parts))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('refuse a value cut short or with bytes after its end', () => {
    const stored = joinFrames([compressed(Buffer.from('a'.repeat(500))), compressed(Buffer.from('b'.repeat(700)))]);
    for (let cut = 0; cut < stored.length; cut++)
      expect(() => decompressedFrames(stored.subarray(0, cut)), `cut at ${cut}`).toThrow();
    expect(() => decompressedFrames(Buffer.concat([stored, Buffer.from([0])]))).toThrow(/after its end/);
  });
});
