// Remote training: the course block of a training item's page and the sessions listed on
// /{lang}/services (upcoming first), from the course facts harvested with the items.
import { type Language } from '../config/index.ts';
import { type CourseListRow, type CourseRow } from '../store/index.ts';
import { type PortalContext } from './context.ts';
import { dirOf, formatDate } from './format.ts';
import { partnerNames } from './views.ts';

export type CourseStatus = 'upcoming' | 'ongoing' | 'past' | 'undated';

export interface CourseView {
  status: CourseStatus;
  statusLabel: string;
  /** `tag` classes of the status (past sessions in grey). */
  statusClass: string;
  /** "Du 16 juin 2025 au 18 juin 2025", "16 juin 2025", or "" without dates. */
  dates: string;
  startsOn: string | null;
  endsOn: string | null;
  formatLabel: string;
  audience: string | null;
  languageLabel: string;
  organiser: string;
  location: string | null;
  registrationUrl: string | null;
}

export interface SessionView extends CourseView {
  href: string;
  title: string;
  dir: string;
  language: string | null;
}

/** Today in Morocco ("YYYY-MM-DD"): a session that ends today is not over for a Moroccan visitor. */
export function moroccoDay(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Casablanca', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function courseStatus(course: Pick<CourseRow, 'startsOn' | 'endsOn'>, today: string): CourseStatus {
  if (!course.startsOn) return 'undated';
  const last = course.endsOn ?? course.startsOn;
  if (last < today) return 'past';
  return course.startsOn > today ? 'upcoming' : 'ongoing';
}

export function courseView(ctx: PortalContext, lang: string, course: CourseRow, fallback: { organiser: string; language: Language | null }, today: string): CourseView {
  const { i18n } = ctx;
  const status = courseStatus(course, today);
  const language = course.language ?? fallback.language;
  const locale = i18n.locale(lang);
  const dates = !course.startsOn
    ? ''
    : course.endsOn
      ? i18n.t(lang, 'library.course_from_to', { from: formatDate(locale, course.startsOn), to: formatDate(locale, course.endsOn) })
      : formatDate(locale, course.startsOn);
  return {
    status,
    statusLabel: i18n.t(lang, `library.course_${status}`),
    statusClass: status === 'past' || status === 'undated' ? 'tag tag-soft' : 'tag',
    dates,
    startsOn: course.startsOn,
    endsOn: course.endsOn,
    formatLabel: course.format ? i18n.t(lang, `library.format_${course.format}`) : '',
    audience: course.audience,
    languageLabel: language ? i18n.t(lang, `languages.${language}`) : '',
    organiser: course.organiser ?? fallback.organiser,
    location: course.location,
    registrationUrl: course.registrationUrl,
  };
}

/** Upcoming and ongoing sessions soonest first, and the latest past ones, for /{lang}/services. */
export function sessions(ctx: PortalContext, lang: string, limits = { upcoming: 12, past: 5 }): { upcoming: SessionView[]; past: SessionView[] } {
  const today = moroccoDay(ctx.now());
  const names = partnerNames(ctx, lang);
  const view = (row: CourseListRow): SessionView => ({
    ...courseView(ctx, lang, row, { organiser: names.get(row.partner) ?? row.partner, language: row.itemLanguage }, today),
    href: `/${lang}/items/${row.itemId}`,
    title: row.title,
    dir: dirOf(row.itemLanguage),
    language: row.itemLanguage,
  });
  return {
    upcoming: ctx.store.library.courses('upcoming', today, limits.upcoming).map(view),
    past: ctx.store.library.courses('past', today, limits.past).map(view),
  };
}
