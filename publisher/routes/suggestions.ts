// The opinions and suggestions form: message required; name, email and topic optional; the page's
// language and the page it is about; a privacy notice (law 09-08); a signed anti-forgery token, a
// honeypot, a rate limit per client, length limits, and errors that keep what was typed.
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { issueToken, verifyToken } from '../csrf.ts';
import { formatNumber } from '../format.ts';
import { clientKey } from '../client.ts';
import { languageOf } from './pages.ts';
import { pick } from '../views.ts';
import { DAY_MS, withoutInvisible } from '../../config/index.ts';

export const SUGGESTION_TOPICS = ['content', 'search', 'claims', 'other'] as const;
export const LIMITS = { message: { min: 10, max: 5000 }, name: 100, email: 200, about: 300 };
/** Accepted suggestions per client and window before 429: refused posts (empty, invalid) do not count. */
export const RATE = { max: 5, timeWindow: 10 * 60_000 };
/** Every post per client and window, accepted or not: a ceiling against scripted floods only. */
export const FLOOD = { max: 60, timeWindow: 10 * 60_000 };

/**
 * Accepted submissions per client in a sliding window, in memory (nothing is written: the client
 * key is an address), bounded to `maxClients` entries, the oldest dropped first.
 */
export class SubmissionLimit {
  private readonly times = new Map<string, number[]>();

  constructor(
    private readonly max = RATE.max,
    private readonly windowMs = RATE.timeWindow,
    private readonly maxClients = 20_000,
  ) {}

  /** Milliseconds before `client` may submit again; 0 when it may now. */
  wait(client: string, now: number): number {
    const recent = (this.times.get(client) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length < this.max) return 0;
    return recent[recent.length - this.max]! + this.windowMs - now;
  }

  accepted(client: string, now: number): void {
    const recent = (this.times.get(client) ?? []).filter((at) => at > now - this.windowMs);
    recent.push(now);
    this.times.delete(client);
    this.times.set(client, recent.slice(-this.max));
    if (this.times.size > this.maxClients) this.times.delete(this.times.keys().next().value!);
  }
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,190}\.[a-z]{2,}$/i;

interface FormValues {
  message: string;
  name: string;
  email: string;
  topic: string;
  about: string;
}

type FieldErrors = Partial<Record<keyof FormValues | 'form', string>>;

function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' ? text : '';
}

/** A reference to a page of this portal ("/fr/items/…"), or '' for anything else. */
export function localPath(value: string): string {
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > LIMITS.about || !trimmed.startsWith('/') || trimmed.startsWith('//') || CONTROL.test(trimmed) || /[\s<>"'\\]/.test(trimmed)) return '';
  return trimmed;
}

export async function suggestionRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.portal;
  const { i18n } = ctx;
  const limit = new SubmissionLimit();

  async function render(request: FastifyRequest, reply: FastifyReply, lang: string, values: FormValues, errors: FieldErrors, status = 200, sent = false) {
    const t = (key: string, vars?: Record<string, unknown>) => i18n.t(lang, key, vars);
    const portal = ctx.settings().portal;
    const controller = pick(portal.privacy.controller, lang) || pick(portal.site.name, lang);
    const published = ctx.store.suggestions.published(20).map((s) => ({
      date: s.created_at,
      message: s.message,
      answer: s.answer,
      language: s.language,
      answeredAt: s.answered_at,
    }));
    const errorList = Object.entries(errors).map(([name, message]) => ({ name, message, anchor: name === 'form' ? 'suggestion-form' : `field-${name}` }));
    return app.renderer.page(
      request,
      reply,
      lang,
      'suggestions',
      {
        action: `/${lang}/suggestions`,
        token: issueToken(ctx.secret, 'suggestions'),
        values,
        errors,
        errorList,
        hasErrors: errorList.length > 0,
        sent,
        topics: SUGGESTION_TOPICS.map((topic) => ({ value: topic, label: t(`suggestions.topic_${topic}`), selected: values.topic === topic })),
        privacy: t('suggestions.privacy_text', { controller, days: Math.round(portal.privacy.contact_retention / DAY_MS) }),
        published,
        limits: LIMITS,
      },
      {
        // The page's title says an error first: a screen reader announces it when the form comes back.
        title: errorList.length > 0 ? t('suggestions.title_with_errors', { count: errorList.length }) : t('suggestions.title'),
        nav: 'suggestions',
        status,
        breadcrumbs: [{ label: t('suggestions.title') }],
      },
    );
  }

  app.get('/:lang/suggestions', async (request, reply) => {
    const lang = languageOf(app, request);
    if (!lang) return reply.callNotFound();
    request.visitGroup = 'suggestions';
    request.visitLang = lang;
    const query = request.query as Record<string, unknown>;
    const about = localPath(field(query, 'about'));
    return render(request, reply, lang, { message: '', name: '', email: '', topic: '', about }, {}, 200, field(query, 'sent') === '1');
  });

  app.post(
    '/:lang/suggestions',
    {
      config: {
        // The error page says it in the visitor's language from the Retry-After header.
        rateLimit: {
          max: FLOOD.max,
          timeWindow: FLOOD.timeWindow,
          errorResponseBuilder: () => Object.assign(new Error('too many requests'), { statusCode: 429 }),
        },
      },
    },
    async (request, reply) => {
      const lang = languageOf(app, request);
      if (!lang) return reply.callNotFound();
      const t = (key: string) => i18n.t(lang, key);
      const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
      // Bidi overrides and isolates, zero-width and other invisible characters are dropped: a name
      // or message could otherwise show operators reversed text (U+202E "gnp.exe") or pass for
      // another's name (config/text.ts).
      const values: FormValues = {
        message: withoutInvisible(field(body, 'message')).replace(/\r\n/g, '\n').trim(),
        name: withoutInvisible(field(body, 'name')).trim(),
        email: withoutInvisible(field(body, 'email')).trim(),
        topic: field(body, 'topic').trim(),
        about: localPath(withoutInvisible(field(body, 'about'))),
      };
      const errors: FieldErrors = {};
      // The form is the portal's own: a token it signed (a post from another site's page is
      // refused before this, by the Origin check of app.ts).
      if (!verifyToken(ctx.secret, 'suggestions', body.csrf)) {
        errors.form = t('suggestions.error_csrf');
        return render(request, reply, lang, values, errors, 403);
      }
      // A filled honeypot is a robot: thank it and keep nothing.
      if (field(body, 'website')) return reply.redirect(`/${lang}/suggestions?sent=1`, 303);

      const all = [values.message, values.name, values.email, values.topic];
      if (all.some((v) => v.includes('\ufffd') || CONTROL.test(v.replace(/[\n\t]/g, '')))) {
        errors.form = t('suggestions.error_invalid_chars');
        values.message = values.message.replace(/[\ufffd\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
        values.name = values.name.replace(/[\ufffd\u0000-\u001f\u007f]/g, '');
        values.email = values.email.replace(/[\ufffd\u0000-\u001f\u007f]/g, '');
      }
      if (!values.message) errors.message = t('suggestions.error_message_required');
      else if (values.message.length < LIMITS.message.min) errors.message = t('suggestions.error_message_short');
      else if (values.message.length > LIMITS.message.max) errors.message = t('suggestions.error_message_long');
      if (values.name.length > LIMITS.name) errors.name = t('suggestions.error_name_long');
      if (values.email && (values.email.length > LIMITS.email || !EMAIL.test(values.email))) errors.email = t('suggestions.error_email_invalid');
      if (values.topic && !(SUGGESTION_TOPICS as readonly string[]).includes(values.topic)) errors.topic = t('suggestions.error_topic');
      const keepTyped = () => {
        // Keep what was typed, bounded so the page stays reasonable.
        values.message = values.message.slice(0, LIMITS.message.max + 100);
        values.name = values.name.slice(0, LIMITS.name + 20);
        values.email = values.email.slice(0, LIMITS.email + 20);
      };
      if (Object.keys(errors).length > 0) {
        keepTyped();
        return render(request, reply, lang, values, errors, 400);
      }
      // Only accepted suggestions count toward the limit: someone whose empty or invalid posts were
      // refused is not punished for them. Past it, the form comes back with the message kept.
      const now = ctx.now().getTime();
      const client = clientKey(request.ip);
      const wait = limit.wait(client, now);
      if (wait > 0) {
        const minutes = Math.max(1, Math.ceil(wait / 60_000));
        errors.form = i18n.t(lang, 'suggestions.error_rate', { max: RATE.max, window: Math.round(RATE.timeWindow / 60_000), minutes: formatNumber(i18n.locale(lang), minutes) });
        keepTyped();
        reply.header('retry-after', String(Math.ceil(wait / 1000)));
        return render(request, reply, lang, values, errors, 429);
      }
      limit.accepted(client, now);
      ctx.store.suggestions.add(
        { language: lang, pageRef: values.about || null, topic: values.topic || null, message: values.message, name: values.name || null, email: values.email || null },
        ctx.now().toISOString(),
      );
      return reply.redirect(`/${lang}/suggestions?sent=1`, 303);
    },
  );
}
