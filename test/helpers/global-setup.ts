const { ensureBuild } = require('../../bin/ensure-build') as { ensureBuild(): void };

/** CLI tests spawn bin/slate.js; build once here so parallel workers never race on tsc. */
export default async function globalSetup(): Promise<void> {
  ensureBuild();
}
