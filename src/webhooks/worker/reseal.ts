/**
 * After a WEBHOOK_SECRETS_KEY rotation (`NEW,OLD`), the cron seals stored secrets anew under the new key, a batch
 * per run, so the old key can be dropped once none is left (the run's log line says how many it resealed; 0 for a
 * while means done). A row rotated through the API meanwhile keeps what the API wrote.
 *
 * @module
 */
import { resealed, sealingKeyId } from "../secret-box.ts";
import { replaceSealedSecrets, sealedUnderOtherKeys } from "../store/subscriptions.ts";

const RESEAL_PER_RUN = 200;

/** How many subscriptions were sealed anew, and how many no key in the ring opens (their deliveries fail too). */
export async function resealStale(db: D1Database, secretsKey: string | undefined): Promise<{ resealed: number; unopenable: number }> {
  const counts = { resealed: 0, unopenable: 0 };
  if (!secretsKey) return counts;
  const rows = await sealedUnderOtherKeys(db, await sealingKeyId(secretsKey), RESEAL_PER_RUN);
  for (const row of rows) {
    try {
      const secret = await resealed(secretsKey, row.secret);
      const previous = row.previous_secret ? await resealed(secretsKey, row.previous_secret) : null;
      if (await replaceSealedSecrets(db, row, secret, previous)) counts.resealed += 1;
    } catch {
      counts.unopenable += 1;
    }
  }
  return counts;
}
