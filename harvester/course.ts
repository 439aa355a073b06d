// Course facts of a training item, from what the page wrote (connectors/course.ts) to what the
// course page shows: dates as "YYYY-MM-DD" (a range written in one field is split), the format
// recognised in French, Arabic and English or from schema.org's attendance modes, a language,
// short plain-text audience, organiser and place, and a web registration link.
import { LANGUAGES, type CourseFormat, type DateOrder, type Language } from '../config/index.ts';
import { type RawCourse } from '../connectors/index.ts';
import { parseDate } from './dates.ts';
import { canonicalUrl } from './identity.ts';
import { type CourseFacts } from './ports.ts';
import { cleanLine } from './sanitize.ts';

const ONLINE = /en ligne|(?<!\p{L})(?:à|a) distance|distanciel|online|virtual|virtuel|webinaire|webinar|e-?learning|mooc|visioconf|عن بعد|عن بُعد|افتراضي|عبر الإنترنت|عبر الانترنت|OnlineEventAttendanceMode/iu;
const IN_PERSON = /présentiel|presentiel|en personne|in[- ]person|sur place|on[- ]?site|face à face|حضوري|OfflineEventAttendanceMode/iu;
const HYBRID = /hybride?|mixte|blended|هجين|مختلط|MixedEventAttendanceMode/iu;

/** online, in_person or hybrid from a partner's words or a schema.org mode; null when unclear. */
export function courseFormat(text: string | undefined): CourseFormat | null {
  if (!text) return null;
  if (HYBRID.test(text)) return 'hybrid';
  const online = ONLINE.test(text);
  const inPerson = IN_PERSON.test(text);
  if (online && inPerson) return 'hybrid';
  return online ? 'online' : inPerson ? 'in_person' : null;
}

const LANGUAGE_NAMES: Array<[Language, RegExp]> = [
  ['ar', /^(?:ar(?:[-_]\w+)?|ara|arabic|arabe|العربية|عربي)$/i],
  ['fr', /^(?:fr(?:[-_]\w+)?|fra|fre|french|français|francais|الفرنسية)$/i],
  ['en', /^(?:en(?:[-_]\w+)?|eng|english|anglais|الإنجليزية|الانجليزية)$/i],
  ['zgh', /^(?:zgh|tzm|ber|amazigh|tamazight|ⵜⴰⵎⴰⵣⵉⵖⵜ|الأمازيغية)$/i],
];

export function courseLanguage(text: string | undefined): Language | null {
  const value = text?.trim();
  if (!value) return null;
  if ((LANGUAGES as readonly string[]).includes(value)) return value as Language;
  return LANGUAGE_NAMES.find(([, pattern]) => pattern.test(value))?.[0] ?? null;
}

const RANGE = /^(?:du|from|من)?\s*(.+?)\s+(?:au|to|until|jusqu'au|إلى|الى|-|–|—)\s+(.+)$/iu;
const YEAR = /(?:^|\D)(\d{4})\s*$/;

/** "du 3 au 5 mars 2025", "28 février - 2 mars 2025", "3-5/03/2025" as two dates. */
function splitRange(text: string, order: DateOrder, now: Date): { starts: string | null; ends: string | null } {
  const single = parseDate(text, { order, now });
  const match = RANGE.exec(text.trim());
  if (!match) return { starts: single, ends: null };
  const [, left, right] = match as unknown as [string, string, string];
  const ends = parseDate(right, { order, now });
  if (!ends) return { starts: single, ends: null };
  // The first part often leaves out what the second says: "3" or "28 février" before "5 mars 2025".
  let starts = parseDate(left, { order, now });
  if (!starts || !YEAR.test(left)) {
    const rightWords = right.trim().split(/\s+/);
    const leftWords = left.trim().split(/\s+/);
    const completed = /^\d{1,2}$/.test(left.trim()) ? [left.trim(), ...rightWords.slice(1)].join(' ') : [...leftWords, ...rightWords.slice(-1)].join(' ');
    starts = parseDate(completed, { order, now }) ?? starts;
  }
  if (!starts || starts > ends) return { starts: single, ends: null };
  return { starts, ends };
}

function webUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? canonicalUrl(url.href) : null;
  } catch {
    return null;
  }
}

/** The course facts of a raw item; null when it states none. */
export function normaliseCourse(raw: RawCourse | undefined, options: { order: DateOrder; now: Date }): CourseFacts | null {
  if (!raw) return null;
  let startsOn: string | null = null;
  let endsOn: string | null = null;
  if (raw.starts) ({ starts: startsOn, ends: endsOn } = splitRange(raw.starts, options.order, options.now));
  if (raw.ends) endsOn = parseDate(raw.ends, options) ?? endsOn;
  if (startsOn && endsOn && endsOn < startsOn) endsOn = null;
  if (!startsOn && endsOn) [startsOn, endsOn] = [endsOn, null];
  const course: CourseFacts = {
    startsOn,
    endsOn: endsOn === startsOn ? null : endsOn,
    format: courseFormat(raw.format),
    audience: cleanLine(raw.audience, 200) || null,
    language: courseLanguage(raw.language),
    registrationUrl: webUrl(raw.registration),
    organiser: cleanLine(raw.organiser, 200) || null,
    location: cleanLine(raw.location, 200) || null,
  };
  return Object.values(course).some((v) => v !== null) ? course : null;
}
