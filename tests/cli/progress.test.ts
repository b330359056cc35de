import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createProgress } from '../../src/cli/progress.js';

class Out extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('import progress', () => {
  it('prints one plain line per tenth of the file when not on a terminal', () => {
    const out = new Out(false);
    const p = createProgress(out, 1000, 'import wordpress');
    p.update(50, 1);
    p.update(250, 7);
    p.update(1000, 30);
    p.stop();
    expect(out.text.split('\n').filter(Boolean)).toEqual([
      'import wordpress: 10% (7 records)',
      'import wordpress: 20% (7 records)',
      ...[30, 40, 50, 60, 70, 80, 90, 100].map((n) => `import wordpress: ${n}% (30 records)`),
    ]);
  });

  it('draws a bar on a terminal', () => {
    const out = new Out(true);
    const p = createProgress(out, 1000, 'import json');
    p.update(500, 12);
    p.stop();
    expect(out.text).toContain('import json [');
    expect(out.text).toContain('12 records');
  });
});
