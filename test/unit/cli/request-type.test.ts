import { AppleSchemas } from '../../../src/apple/schema';
import { BUILDABLE_REQUEST_TYPES } from '../../../src/apple/protocol';
import { resolveRequestType } from '../../../src/cli/request-type';

const failure = (input: string) => {
  try {
    resolveRequestType(input);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error(`expected ${input} to be refused`);
};

describe('RequestType on the command line', () => {
  it('knows every command Slate can build, from Apple\'s vendored schemas', () => {
    const known = new AppleSchemas().types('commands');
    for (const t of BUILDABLE_REQUEST_TYPES) expect(known).toContain(t);
  });

  it('ignores case and returns Apple\'s spelling', () => {
    expect(resolveRequestType('DeviceLock')).toBe('DeviceLock');
    expect(resolveRequestType('devicelock')).toBe('DeviceLock');
    expect(resolveRequestType('SHUTDOWNDEVICE')).toBe('ShutDownDevice');
    expect(resolveRequestType('availableosupdates')).toBe('AvailableOSUpdates');
  });

  it('suggests the nearest names for a typo or a fragment', () => {
    expect(failure('DeviceLok')).toMatchObject({ code: 'command_invalid', message: expect.stringMatching(/did you mean DeviceLock\?$/) });
    expect(failure('EraseDevise').message).toMatch(/did you mean EraseDevice\?$/);
    expect(failure('lostmode').message).toMatch(/did you mean DisableLostMode, EnableLostMode or PlayLostModeSound\?$/);
  });

  it('lists what exists when nothing is near', () => {
    const e = failure('MakeCoffee');
    expect(e.message).not.toMatch(/did you mean/);
    expect(e.message).toContain('DeviceLock');
    expect(e.message).toContain('EraseDevice');
  });
});
