import type { Tx } from '../../db/database';
import type { DeviceStore } from '../../db/stores';

export interface Placement {
  schoolId: string | null;
  gradeId: string | null;
  classId: string | null;
}

export interface PlacementChange {
  deviceId: string;
  from: Placement;
  to: Placement;
  /** Who moved it (audit label), for what the reconciler queues. */
  by: string;
}

/** Moves a device in the tree, inside the caller's transaction (which also holds the audit line). */
export interface DeviceMover {
  move(tx: Tx, change: PlacementChange): Promise<void>;
}

/**
 * Convergence after a move: the one hook where the policy reconciler attaches. It runs in the
 * move's transaction, so what it enqueues (profiles of the new school and grade, removals of the
 * old) commits with the move or not at all.
 */
export type AfterMove = (tx: Tx, change: PlacementChange) => Promise<void>;

/** Updates the placement; then whatever is attached to converge the device to its new place. */
export class PlacementMover implements DeviceMover {
  constructor(private readonly devices: DeviceStore, private readonly afterMove?: AfterMove) {}

  async move(tx: Tx, change: PlacementChange): Promise<void> {
    await this.devices.update(tx, change.deviceId, change.to);
    await this.afterMove?.(tx, change);
  }
}
