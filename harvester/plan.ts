// What one successful fetch changes in the catalogue: new and changed items, and the slow,
// guarded path to "gone". Nothing is ever deleted; a withdrawn item is marked, never removed.
import { type ChangePlan, type ExistingItem, type HarvestedItem, type ItemSnapshot } from './ports.ts';

export interface PlanOptions {
  /** Successful harvests an item may be missing from before it is marked gone (default 3). */
  goneAfter: number;
}

export interface PlanResult {
  plan: ChangePlan;
  counts: { new: number; changed: number; gone: number };
  /** Set when the harvest would mark more than half of the source's items gone: none are marked. */
  refusal?: string;
}

/** Names of the snapshot fields that differ. */
export function changedFields(before: ItemSnapshot, after: ItemSnapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ItemSnapshot>;
  // Values are strings or null, or for training items the course facts (compared by content).
  const same = (a: unknown, b: unknown) => (typeof a === 'object' || typeof b === 'object' ? JSON.stringify(a) === JSON.stringify(b) : a === b);
  return [...keys].filter((k) => !same(before[k] ?? null, after[k] ?? null)).sort();
}

export function planChanges(existing: readonly ExistingItem[], found: readonly HarvestedItem[], options: PlanOptions): PlanResult {
  const plan: ChangePlan = { inserts: [], updates: [], seenAgain: [], missing: [], gone: [], offListing: [], documentRefresh: [] };
  const byIdentity = new Map(existing.map((e) => [e.identity, e]));
  const foundIdentities = new Set<string>();

  for (const item of found) {
    foundIdentities.add(item.identity);
    const before = byIdentity.get(item.identity);
    if (!before) {
      plan.inserts.push(item);
      continue;
    }
    if (before.goneSince) {
      plan.updates.push({ existing: before, item, event: 'back', changedFields: changedFields(before.snapshot, item.snapshot) });
    } else if (before.contentHash !== item.contentHash) {
      plan.updates.push({ existing: before, item, event: 'changed', changedFields: changedFields(before.snapshot, item.snapshot) });
    } else {
      if (before.missingCount > 0 || before.offListingSince) plan.seenAgain.push(before);
      if (item.document && before.document && item.document.fetchedAt !== before.document.fetchedAt) {
        plan.documentRefresh.push({ existing: before, document: item.document, item });
      }
    }
  }

  // Items the source no longer lists. Listings and feeds show a window of the latest entries: an
  // item older than everything listed now, dropped while the listing kept its length or gained new
  // entries, scrolled out of that window and is still valid. Anything else is missing, and after
  // `goneAfter` successful harvests in a row, gone.
  const active = existing.filter((e) => !e.goneSince);
  const listedBefore = active.filter((e) => !e.offListingSince && e.missingCount === 0).length;
  const oldestListed = found.reduce<string | undefined>((min, item) => {
    const date = item.publishedAt ?? undefined;
    return date && (!min || date < min) ? date : min;
  }, undefined);
  const windowMoved = plan.inserts.length > 0 || found.length >= listedBefore;
  const wouldBeGone: ExistingItem[] = [];
  for (const item of active) {
    if (foundIdentities.has(item.identity) || item.offListingSince) continue;
    if (windowMoved && oldestListed && item.sortDate < oldestListed && item.missingCount === 0) {
      plan.offListing.push(item);
    } else if (item.missingCount + 1 >= options.goneAfter) {
      wouldBeGone.push(item);
    } else {
      plan.missing.push(item);
    }
  }

  let refusal: string | undefined;
  if (wouldBeGone.length > 0 && wouldBeGone.length * 2 > active.length) {
    refusal =
      `the source no longer lists ${wouldBeGone.length} of its ${active.length} items; marking more than half of ` +
      'them gone at once was refused (a partial page or a changed layout is more likely than a mass withdrawal)';
    plan.missing.push(...wouldBeGone);
  } else {
    plan.gone.push(...wouldBeGone);
  }

  return {
    plan,
    counts: {
      new: plan.inserts.length,
      changed: plan.updates.length,
      gone: plan.gone.length,
    },
    refusal,
  };
}

/** True when applying the plan writes nothing. */
export function isEmptyPlan(plan: ChangePlan): boolean {
  return Object.values(plan).every((list) => (list as unknown[]).length === 0);
}
