// The catalogue's own vocabulary (issue 14): the words of the visible items' titles, folded as
// the search folds them (harvester/analyzer.ts), each with its search term (stem), how many titles
// hold it and a form to show. Two uses, both bounded work per request:
//
// - "did you mean": the closest title word to a word that finds little, by edit distance
//   (insertions, deletions, substitutions, adjacent swaps), found through a deletion index (each
//   word and each of its one-letter deletions, hashed, sorted): a lookup is one binary search per
//   deletion of the query word, never a scan of the vocabulary.
// - prefixes: the title words starting with `corrup` or `الرشو`, whose stems the FTS5 query then
//   names (stems differ from the words' beginnings, الرشوة → رشه): a binary search in the sorted
//   words, at most PREFIX_SCAN of them looked at.
//
// Built from the newest 50,000 titles on first use (ItemsStore.vocabulary(): 20 ms for the
// demo's 700 items; 200,000 synthetic titles with 60,000 distinct words took 4-5 s on a loaded
// 2-core machine, hence the cap) and rebuilt at most every 10 minutes when the catalogue has
// changed: a suggestion from a vocabulary a few minutes old is still a word of the catalogue.
import { fold, SEPARATOR, termOf } from '../harvester/analyzer.ts';

/** Words kept (the most frequent when titles hold more). */
const MAX_WORDS = 200_000;
/** Distinct tokens remembered while reading the titles. */
const MAX_TOKENS = 1_000_000;
/** Words of the sorted list looked at for one prefix. */
const PREFIX_SCAN = 5000;
/** Word lengths indexed for corrections. */
const MIN_LENGTH = 3;
const MAX_LENGTH = 30;
const SLOT = 2 ** 21;

export interface VocabularyWord {
  /** Folded (no case, accents, Arabic marks): what is compared. */
  word: string;
  /** As it appears in a title (lower case): what a suggestion shows. */
  display: string;
  /** Its search term. */
  stem: string;
  /** Titles holding it. */
  df: number;
}

/** FNV-1a over UTF-16 code units. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Optimal string alignment distance (Damerau-Levenshtein without repeated edits), stopping past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = [new Array<number>(b.length + 1).fill(0), new Array<number>(b.length + 1).fill(0), new Array<number>(b.length + 1).fill(0)];
  for (let j = 0; j <= b.length; j++) rows[1]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const [before, previous, current] = [rows[0]!, rows[1]!, rows[2]!];
    current[0] = i;
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    rows.push(rows.shift()!);
  }
  return rows[1]![b.length]!;
}

/** Edits allowed for a word of this length: one up to 7 letters, two from 8. */
export const allowedEdits = (length: number) => (length >= 8 ? 2 : 1);

export class Vocabulary {
  private readonly words: VocabularyWord[];
  /** hash * SLOT + index of the word, for the word and each one-letter deletion, sorted. */
  private readonly deletions: Float64Array;
  private readonly byWord: Map<string, number>;

  constructor(entries: VocabularyWord[]) {
    this.words = entries.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
    this.byWord = new Map(this.words.map((w, i) => [w.word, i]));
    const keys: number[] = [];
    this.words.forEach((w, i) => {
      if (w.word.length < MIN_LENGTH || w.word.length > MAX_LENGTH) return;
      keys.push(hash(w.word) * SLOT + i);
      for (const variant of deletionsOf(w.word)) keys.push(hash(variant) * SLOT + i);
    });
    this.deletions = Float64Array.from(keys).sort();
  }

  /** Reads the titles (an iterable of strings) into a vocabulary. */
  static fromTitles(titles: Iterable<string>): Vocabulary {
    const builder = new VocabularyBuilder();
    builder.add(titles);
    return builder.finish();
  }

  get size(): number {
    return this.words.length;
  }

  /** The entry of a folded word, if titles hold it. */
  get(word: string): VocabularyWord | undefined {
    const i = this.byWord.get(word);
    return i === undefined ? undefined : this.words[i];
  }

  /**
   * The closest title word to a folded word (fewest edits, then the most titles), if within the
   * edits allowed for its length and holding more titles than the word itself.
   */
  correct(word: string): VocabularyWord | undefined {
    if (word.length < MIN_LENGTH || word.length > MAX_LENGTH) return undefined;
    const max = allowedEdits(word.length);
    const own = this.get(word)?.df ?? 0;
    const stem = termOf(word);
    let best: VocabularyWord | undefined;
    let bestDistance = max + 1;
    const checked = new Set<number>();
    for (const variant of [word, ...deletionsOf(word)]) {
      const h = hash(variant);
      for (let k = lowerBound(this.deletions, h * SLOT); k < this.deletions.length && this.deletions[k]! < (h + 1) * SLOT; k++) {
        const index = this.deletions[k]! - h * SLOT;
        if (checked.has(index)) continue;
        checked.add(index);
        const candidate = this.words[index]!;
        if (candidate.word === word || candidate.stem === stem || candidate.df <= own) continue;
        const distance = editDistance(word, candidate.word, max);
        if (distance > max) continue;
        if (distance < bestDistance || (distance === bestDistance && candidate.df > best!.df)) {
          best = candidate;
          bestDistance = distance;
        }
      }
    }
    return best;
  }

  /** The stems of the title words starting with a folded prefix, the most frequent first. */
  prefixStems(prefix: string, limit: number): string[] {
    const start = lowerBoundString(this.words, prefix);
    const stems = new Map<string, number>();
    for (let i = start; i < this.words.length && i < start + PREFIX_SCAN && this.words[i]!.word.startsWith(prefix); i++) {
      const w = this.words[i]!;
      stems.set(w.stem, (stems.get(w.stem) ?? 0) + w.df);
    }
    return [...stems.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([stem]) => stem);
  }
}

/**
 * A vocabulary read a batch of titles at a time, so that a read worker can answer other requests
 * between batches (store/items.ts vocabularySteps) instead of being held for the whole read.
 */
export class VocabularyBuilder {
  private readonly found = new Map<string, VocabularyWord & { last: number }>();
  // Each distinct token is folded and stemmed once (titles repeat their words): null for a token
  // that is not a word of the vocabulary (digits, stop words, one letter).
  private readonly tokens = new Map<string, (VocabularyWord & { last: number }) | null>();
  private title = 0;

  add(titles: Iterable<string>): void {
    for (const text of titles) {
      const title = ++this.title;
      for (const token of text.toLowerCase().split(SEPARATOR)) {
        if (!token) continue;
        let entry = this.tokens.get(token);
        if (entry === undefined) {
          const word = /\d/.test(token) ? '' : fold(token);
          const stem = word.length >= 2 ? termOf(token) : undefined;
          entry = stem ? (this.found.get(word) ?? { word, display: token, stem, df: 0, last: 0 }) : null;
          if (entry) this.found.set(word, entry);
          if (this.tokens.size < MAX_TOKENS) this.tokens.set(token, entry);
        }
        if (entry && entry.last !== title) {
          entry.last = title;
          entry.df++;
        }
      }
    }
  }

  finish(): Vocabulary {
    let entries = [...this.found.values()].map(({ word, display, stem, df }) => ({ word, display, stem, df }));
    if (entries.length > MAX_WORDS) entries = entries.sort((a, b) => b.df - a.df).slice(0, MAX_WORDS);
    return new Vocabulary(entries);
  }
}

function* deletionsOf(word: string): Generator<string> {
  for (let i = 0; i < word.length; i++) yield word.slice(0, i) + word.slice(i + 1);
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBoundString(sorted: VocabularyWord[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.word < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
