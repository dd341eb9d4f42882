export interface DiscoveryRecall {
  /** Users with at least one skill first run in the scored window. */
  users: number;
  recall: number;
  /** Share of those users with at least one of their new skills in their list. */
  hit_rate: number;
}

/**
 * Recall@k of discovery (Part A.4 of the reference): for each user with skills first run in the
 * scored window, the share of them in the user's top k; averaged over those users. Also the share
 * of those users with at least one hit.
 */
export function discoveryRecall(lists: readonly { top: readonly string[]; firstRuns: readonly string[] }[]): DiscoveryRecall {
  const scored = lists.filter((l) => l.firstRuns.length > 0);
  if (scored.length === 0) return { users: 0, recall: 0, hit_rate: 0 };
  let recall = 0;
  let hits = 0;
  for (const { top, firstRuns } of scored) {
    const found = firstRuns.filter((skill) => top.includes(skill)).length;
    recall += found / firstRuns.length;
    if (found > 0) hits++;
  }
  return { users: scored.length, recall: recall / scored.length, hit_rate: hits / scored.length };
}
