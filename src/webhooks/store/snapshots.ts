// D1 access for snapshots: the last heat pumps seen per watched user, what the next check compares with.

export interface Snapshot {
  heat_pumps: string;
  taken_at: string;
}

export async function readSnapshot(db: D1Database, orgId: string, userId: string): Promise<Snapshot | null> {
  return db.prepare("SELECT heat_pumps, taken_at FROM snapshots WHERE org_id = ?1 AND user_id = ?2").bind(orgId, userId).first<Snapshot>();
}

/**
 * Moves the snapshot from `previousTakenAt` (null: there was none) to this one, only if nobody moved it since:
 * of two checks of one user racing, the second finds the snapshot moved and changes nothing. True when moved.
 */
export async function advanceSnapshot(db: D1Database, orgId: string, userId: string, heatPumps: string, takenAt: string, previousTakenAt: string | null): Promise<boolean> {
  const result = await db
    .prepare(
      "INSERT INTO snapshots (org_id, user_id, heat_pumps, taken_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (org_id, user_id) DO UPDATE SET heat_pumps = excluded.heat_pumps, taken_at = excluded.taken_at WHERE snapshots.taken_at IS ?5",
    )
    .bind(orgId, userId, heatPumps, takenAt, previousTakenAt)
    .run();
  return result.meta.changes > 0;
}
