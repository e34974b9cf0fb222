import { PassThrough } from 'node:stream';
import { confirm, progress } from '../../../src/cli/terminal';

/** A stream that says it is a terminal, recording what is written to it. */
function fakeTty(isTTY = true) {
  const s = Object.assign(new PassThrough(), { isTTY, text: '' });
  s.on('data', (b) => (s.text += String(b)));
  return s;
}

describe('progress line', () => {
  it('draws on a terminal and clears itself at the end', () => {
    const out = { isTTY: true, text: '', write(s: string) { this.text += s; } };
    let t = 0;
    const bar = progress(out, () => t);
    bar.step('queueing DeviceLock for 3 device(s)');
    t = 1500;
    bar.step('waking 3 device(s) through APNs');
    bar.end();
    bar.end();
    expect(out.text).toBe('\r\x1b[Kqueueing DeviceLock for 3 device(s) (0.0 s)\r\x1b[Kwaking 3 device(s) through APNs (0.0 s)\r\x1b[K');
  });

  it('writes nothing when stderr is not a terminal (scripts, CI logs)', () => {
    const out = { isTTY: false, text: '', write(s: string) { this.text += s; } };
    const bar = progress(out);
    bar.step('x');
    bar.end();
    expect(out.text).toBe('');
  });
});

describe('confirmation of destructive bulk commands', () => {
  it('--yes answers without asking', async () => {
    await expect(confirm('EraseDevice on 30 device(s)', { yes: true, input: fakeTty(false), output: fakeTty(false) })).resolves.toBeUndefined();
  });

  it('refuses without a terminal, naming --yes', async () => {
    await expect(confirm('EraseDevice on 30 device(s)', { input: fakeTty(false), output: fakeTty(true) }))
      .rejects.toMatchObject({ code: 'validation_failed', message: 'EraseDevice on 30 device(s): no terminal to confirm on; add --yes' });
  });

  it('asks on a terminal and goes on only on "yes"', async () => {
    for (const [answer, ok] of [['yes\n', true], ['YES\n', true], ['y\n', false], ['\n', false]] as const) {
      const input = fakeTty();
      const output = fakeTty();
      const asked = confirm('EraseDevice on 30 device(s) (school:gs-bildstock)', { input, output });
      input.write(answer);
      if (ok) await expect(asked).resolves.toBeUndefined();
      else await expect(asked).rejects.toMatchObject({ message: 'not confirmed; nothing was done' });
      expect(output.text).toContain('EraseDevice on 30 device(s) (school:gs-bildstock)? Type yes to go on: ');
    }
  });
});
