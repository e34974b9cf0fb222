import type { Command } from 'commander';
import { withSlate } from '../context';
import { integerOption, namingFlags } from '../options';
import { printObject } from '../output';

/** `slate device move`: a staff action; the device's policy follows in the same transaction. */
export function registerDeviceMove(device: Command): void {
  device
    .command('move')
    .argument('<device>', 'device id, UDID or serial number')
    .description('place a device in another school, grade or class; its profiles and apps follow')
    .requiredOption('--school <code>', 'school code')
    .requiredOption('--grade <n>', 'grade level', integerOption('--grade', { min: 1, max: 13 }))
    .option('--class <name>', 'class within the grade, e.g. 4a')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { school: string; grade: number; class?: string; json?: boolean }) => {
      await withSlate(async ({ services }) => {
        const r = await namingFlags({ className: '--class' }, () => services.deviceMoves.move({ device: id, schoolCode: o.school, gradeLevel: o.grade, className: o.class, by: 'cli' }));
        await services.push.flush().catch(() => undefined);
        if (o.json) return printObject({ deviceId: r.device.id, to: r.to }, true);
        process.stdout.write(`${r.device.serialNumber ?? r.device.id} moved to ${r.to.class ?? r.to.grade}; its profiles and apps follow\n`);
      });
    });
}
