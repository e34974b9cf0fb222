import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Interop tests drive programs no one here wrote (the console test: a real browser). On a machine without them the tests skip, and
 * global-teardown prints one line naming the Debian package; CI (.ci/run) sets SLATE_REQUIRE_INTEROP=1
 * so that a missing program fails those tests instead of hiding them.
 */
export const INTEROP_TOOLS = { scepclient: 'scep', openssl: 'openssl', chromium: 'chromium' } as const;
export type InteropTool = keyof typeof INTEROP_TOOLS;

export const interopRequired = () => process.env.SLATE_REQUIRE_INTEROP === '1';

export function onPath(tool: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return statSync(join(dir, tool)).isFile();
    } catch {
      return false;
    }
  });
}

export const missingTools = (): InteropTool[] => (Object.keys(INTEROP_TOOLS) as InteropTool[]).filter((t) => !onPath(t));

export const missingReason = (tool: InteropTool) =>
  `${tool} is not installed (Debian package ${INTEROP_TOOLS[tool]}: apt-get install ${INTEROP_TOOLS[tool]})`;

/** `it` for a test that runs `tools`: runs it, skips it, or (SLATE_REQUIRE_INTEROP=1) fails it. */
export function itWith(...tools: InteropTool[]): jest.It {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length === 0) return it;
  if (!interopRequired()) return it.skip;
  const fail = () => {
    throw new Error(`${missing.map(missingReason).join('; ')}; SLATE_REQUIRE_INTEROP=1 makes this test mandatory`);
  };
  const failing = (name: string, _fn?: unknown, timeout?: number) => it(name, fail, timeout);
  failing.each = (table: readonly unknown[]) => (name: string, _fn?: unknown, timeout?: number) => it.each(table as unknown[])(name, fail, timeout);
  return failing as unknown as jest.It;
}
