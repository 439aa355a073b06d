// Course facts of training items on a listing page (issue 17, remote training). Three places, in
// this order for each fact: the source's course selectors (`select.starts`, …); schema.org
// microdata inside the item (`itemprop="startDate"`, …); JSON-LD Event, EducationEvent, Course or
// CourseInstance objects anywhere on the page (what WordPress event plugins print), matched to
// the item by its link or its title. Everything is untrusted: JSON-LD is read within fixed bounds
// and only short strings are kept; the harvester parses dates and recognises formats.
import { type Cheerio, type CheerioAPI } from 'cheerio';
import { type AnyNode } from 'domhandler';
import { type HtmlSourceConfig } from '../config/index.ts';
import { resolveUrl } from './feed.ts';
import { type RawCourse } from './types.ts';

export const COURSE_KEYS = ['starts', 'ends', 'format', 'audience', 'registration', 'organiser', 'location'] as const;

/** JSON-LD read per page at most: scripts, characters per script, objects visited, nesting. */
const LIMITS = { scripts: 20, chars: 512 * 1024, nodes: 10_000, depth: 12 };
const MAX_VALUE = 1000;

export interface StructuredCourse extends RawCourse {
  url?: string;
  name?: string;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

function short(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const text = squash(value);
  return text && text.length <= MAX_VALUE ? text : undefined;
}

/** A name out of a string, an object with `name`, or a list of either (the first). */
function nameOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map(nameOf).find(Boolean);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return short(o.name) ?? short(o.audienceType) ?? short(o.alternateName);
  }
  return short(value);
}

function first(value: unknown): Record<string, unknown> | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
}

const COURSE_TYPES = /^(?:https?:\/\/schema\.org\/)?(?:\w*Event|Course|CourseInstance)$/;

function typesOf(node: Record<string, unknown>): string[] {
  const type = node['@type'];
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string');
}

function fromNode(node: Record<string, unknown>, base: string): StructuredCourse {
  // A Course carries its sessions in hasCourseInstance: the first one gives dates and mode.
  const instance = first(node.hasCourseInstance) ?? {};
  const pick = (key: string) => node[key] ?? instance[key];
  const location = first(pick('location'));
  const offers = first(pick('offers'));
  const mode = pick('eventAttendanceMode') ?? pick('courseMode');
  const locationType = location ? typesOf(location).join(' ') : '';
  return {
    name: short(node.name),
    url: resolveUrl(short(node.url), base),
    starts: short(pick('startDate')),
    ends: short(pick('endDate')),
    format: short(Array.isArray(mode) ? mode[0] : mode) ?? (/VirtualLocation/.test(locationType) ? 'online' : undefined),
    audience: nameOf(pick('audience')),
    organiser: nameOf(pick('organizer') ?? node.provider),
    location: location && !/VirtualLocation/.test(locationType) ? (nameOf(location) ?? short(first(location.address)?.addressLocality)) : short(pick('location')),
    registration: resolveUrl(short(offers?.url) ?? short(pick('registrationUrl')), base),
    language: nameOf(pick('inLanguage')),
  };
}

/** Event and Course objects of the page's JSON-LD, within LIMITS; a malformed script is skipped. */
export function structuredCourses($: CheerioAPI, base: string): StructuredCourse[] {
  const found: StructuredCourse[] = [];
  let visited = 0;
  const scripts = $('script[type="application/ld+json" i]').toArray().slice(0, LIMITS.scripts);
  for (const script of scripts) {
    const text = $(script).text();
    if (text.length > LIMITS.chars) continue;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      continue;
    }
    const stack: Array<{ value: unknown; depth: number }> = [{ value: data, depth: 0 }];
    while (stack.length > 0 && visited < LIMITS.nodes) {
      const { value, depth } = stack.pop()!;
      visited++;
      if (!value || typeof value !== 'object' || depth > LIMITS.depth) continue;
      if (Array.isArray(value)) {
        for (const entry of value) stack.push({ value: entry, depth: depth + 1 });
        continue;
      }
      const node = value as Record<string, unknown>;
      if (typesOf(node).some((t) => COURSE_TYPES.test(t))) {
        found.push(fromNode(node, base));
        continue;
      }
      for (const key of ['@graph', 'itemListElement', 'item', 'mainEntity', 'subEvent', 'event', 'events']) {
        if (node[key] !== undefined) stack.push({ value: node[key], depth: depth + 1 });
      }
    }
  }
  return found;
}

/** schema.org microdata inside the item element. */
export function microdataCourse($item: Cheerio<AnyNode>, base: string): RawCourse | undefined {
  const prop = (name: string): string | undefined => {
    const $el = $item.find(`[itemprop~="${name}"]`).first();
    if ($el.length === 0) return undefined;
    return short($el.attr('content') ?? $el.attr('datetime') ?? $el.attr('href') ?? $el.text());
  };
  const nested = (outer: string, inner: string): string | undefined => {
    const $el = $item.find(`[itemprop~="${outer}"]`).first();
    if ($el.length === 0) return undefined;
    const $inner = $el.find(`[itemprop~="${inner}"]`).first();
    return short($inner.length ? ($inner.attr('content') ?? $inner.attr('href') ?? $inner.text()) : $el.text());
  };
  const $offer = $item.find('[itemprop~="offers"] [itemprop~="url"]').first();
  const course: RawCourse = {
    starts: prop('startDate'),
    ends: prop('endDate'),
    format: prop('eventAttendanceMode') ?? prop('courseMode'),
    audience: nested('audience', 'audienceType'),
    organiser: nested('organizer', 'name'),
    location: nested('location', 'name'),
    registration: resolveUrl(short($offer.attr('href') ?? $offer.attr('content')), base),
    language: prop('inLanguage'),
  };
  return Object.values(course).some(Boolean) ? course : undefined;
}

const sameUrl = (a: string | undefined, b: string | undefined) => Boolean(a && b && a.replace(/[#?].*$/, '').replace(/\/$/, '') === b.replace(/[#?].*$/, '').replace(/\/$/, ''));

/** The structured course of an item: same link, else same title. */
export function matchStructured(list: StructuredCourse[], link: string | undefined, title: string): StructuredCourse | undefined {
  const name = squash(title).toLowerCase();
  return list.find((c) => sameUrl(c.url, link)) ?? list.find((c) => c.name !== undefined && c.name.toLowerCase() === name);
}

/** For each fact, the first place that has it; undefined when none has any. */
export function mergeCourse(...parts: Array<RawCourse | undefined>): RawCourse | undefined {
  const course: RawCourse = {};
  for (const key of [...COURSE_KEYS, 'language'] as const) {
    const value = parts.map((p) => p?.[key]).find((v) => v !== undefined && v !== '');
    if (value !== undefined) course[key] = value;
  }
  return Object.keys(course).length > 0 ? course : undefined;
}

/** Whether a source's items are read for course facts: training sections, or course selectors. */
export function readsCourses(source: HtmlSourceConfig): boolean {
  return source.section === 'services' || COURSE_KEYS.some((key) => source.select[key] !== undefined);
}
