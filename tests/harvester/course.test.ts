// Remote training: course facts of training items harvested from a real loopback site, through
// the three ways a partner's page can carry them (the source's selectors, schema.org microdata,
// a JSON-LD Event/Course graph), their normalisation (date ranges, formats in three languages,
// languages, web links only), hostile JSON-LD, and a changed date making a new version.
import t from 'tap';
import { courseFormat, courseLanguage, normaliseCourse } from '../../harvester/course.ts';
import { testSource } from '../../harvester/test-source.ts';
import { makeBed } from '../helpers/harvest.ts';
import { startServer, type FixtureServer } from '../helpers/server.ts';

const NOW = new Date('2025-06-01T10:00:00Z');

t.test('formats and languages in French, Arabic, English and schema.org', async (t) => {
  const cases: Array<[string | undefined, string | null]> = [
    ['En ligne (Zoom)', 'online'],
    ['Formation à distance', 'online'],
    ['تكوين عن بعد', 'online'],
    ['https://schema.org/OnlineEventAttendanceMode', 'online'],
    ['En présentiel à Rabat', 'in_person'],
    ['حضوري', 'in_person'],
    ['OfflineEventAttendanceMode', 'in_person'],
    ['Hybride', 'hybrid'],
    ['Présentiel et à distance', 'hybrid'],
    ['MixedEventAttendanceMode', 'hybrid'],
    ['Salle 3', null],
    [undefined, null],
  ];
  for (const [text, expected] of cases) t.equal(courseFormat(text), expected, `format of ${JSON.stringify(text)}`);
  for (const [text, expected] of [['fr-MA', 'fr'], ['Français', 'fr'], ['العربية', 'ar'], ['English', 'en'], ['ar', 'ar'], ['klingon', null]] as const) {
    t.equal(courseLanguage(text), expected, `language of ${text}`);
  }
});

t.test('dates: one field holding a range, ends before starts, links that are not web addresses', async (t) => {
  const norm = (starts?: string, ends?: string, registration?: string) => normaliseCourse({ starts, ends, registration }, { order: 'dmy', now: NOW });
  t.match(norm('du 3 au 5 mars 2025'), { startsOn: '2025-03-03', endsOn: '2025-03-05' });
  t.match(norm('28 février - 2 mars 2025'), { startsOn: '2025-02-28', endsOn: '2025-03-02' });
  t.match(norm('من 10 إلى 12 يونيو 2025'), { startsOn: '2025-06-10', endsOn: '2025-06-12' });
  t.match(norm('2025-09-15T09:00:00+01:00', '2025-09-17T17:00:00+01:00'), { startsOn: '2025-09-15', endsOn: '2025-09-17' });
  t.match(norm('2025-09-15', '2025-09-01'), { startsOn: '2025-09-15', endsOn: null }, 'an end before the start is dropped');
  t.match(norm('2025-09-15', '2025-09-15'), { startsOn: '2025-09-15', endsOn: null }, 'one day');
  t.match(norm(undefined, undefined, 'javascript:alert(1)'), null, 'a javascript: link is no registration link');
  t.match(norm('soon', undefined, 'https://add.example/inscription?utm_source=x'), { startsOn: null, registrationUrl: 'https://add.example/inscription' });
});

const JSON_LD = JSON.stringify({
  '@context': 'https://schema.org',
  '@graph': [
    {
      '@type': 'Event',
      name: 'Atelier sur la commande publique',
      url: '/formations/commande-publique/',
      startDate: '2025-07-08T09:00:00+01:00',
      endDate: '2025-07-10T17:00:00+01:00',
      eventAttendanceMode: 'https://schema.org/MixedEventAttendanceMode',
      organizer: { '@type': 'Organization', name: 'Agence de Développement du Digital' },
      location: { '@type': 'Place', name: 'Rabat, siège de l’Agence' },
      audience: { '@type': 'Audience', audienceType: 'Acheteurs publics' },
      offers: { '@type': 'Offer', url: 'https://add.example/inscription/commande-publique' },
      inLanguage: 'fr',
    },
    {
      '@type': 'Course',
      name: 'دورة تكوينية حول أخلاقيات المرفق العام',
      provider: { '@type': 'Organization', name: 'الهيئة الوطنية للنزاهة' },
      inLanguage: 'ar',
      hasCourseInstance: { '@type': 'CourseInstance', courseMode: 'online', startDate: '2025-05-02', endDate: '2025-05-04', location: { '@type': 'VirtualLocation', url: 'https://meet.example/x' } },
    },
  ],
});

function page(extra = ''): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Formations</title>
<script type="application/ld+json">${JSON_LD}</script>
<script type="application/ld+json">{ not json at all</script>
<script type="application/ld+json">${'['.repeat(5000)}${']'.repeat(5000)}</script>
${extra}</head><body><main>
<article class="training"><h2><a href="/formations/integrite/">Formation à distance : l'intégrité au quotidien</a></h2>
  <time class="published" datetime="2025-04-01">1 avril 2025</time>
  <p class="when">du 16 au 18 juin 2025</p><p class="mode">En ligne</p><p class="for">Fonctionnaires des collectivités</p>
  <a class="register" href="/inscription?c=integrite">S'inscrire</a></article>
<article class="training"><h2><a href="/formations/commande-publique/">Atelier sur la commande publique</a></h2>
  <time class="published" datetime="2025-04-20">20 avril 2025</time></article>
<article class="training"><h2><a href="/formations/ethique/">دورة تكوينية حول أخلاقيات المرفق العام</a></h2>
  <time class="published" datetime="2025-03-15">15 مارس 2025</time></article>
<article class="training" itemscope itemtype="https://schema.org/EducationEvent"><h2><a href="/formations/donnees/" itemprop="url"><span itemprop="name">Données ouvertes et redevabilité</span></a></h2>
  <time class="published" datetime="2025-05-10">10 mai 2025</time>
  <meta itemprop="startDate" content="2025-09-22"><meta itemprop="endDate" content="2025-09-23">
  <link itemprop="eventAttendanceMode" href="https://schema.org/OfflineEventAttendanceMode">
  <span itemprop="location" itemscope itemtype="https://schema.org/Place"><span itemprop="name">Casablanca</span></span>
  <span itemprop="offers" itemscope itemtype="https://schema.org/Offer"><a itemprop="url" href="javascript:alert(1)">S'inscrire</a></span></article>
<article class="training"><h2><a href="/formations/sans-date/">Formation : sans date annoncée</a></h2></article>
</main></body></html>`;
}

let server: FixtureServer;
t.before(async () => {
  server = await startServer({ '/formations/': { headers: { 'content-type': 'text/html; charset=utf-8' }, body: page() } });
});
t.teardown(() => server.close());

t.test('a training listing harvested: selectors, microdata and JSON-LD each give course facts', async (t) => {
  const bed = makeBed({
    partners: [
      {
        id: 'add',
        sources: [
          {
            id: 'training',
            type: 'html',
            url: `${server.url}/formations/`,
            section: 'services',
            doc_type: 'training',
            select: { item: 'article.training', title: 'h2 a', link: 'h2 a@href', date: 'time.published@datetime', starts: '.when', format: '.mode', audience: '.for', registration: 'a.register@href' },
          },
        ],
      },
    ],
  });
  t.teardown(() => bed.close());
  const [outcome] = await bed.harvest({ now: () => NOW });
  t.match(outcome, { status: 'ok', items_new: 5, error: null });
  const byTitle = (start: string) => bed.store.items.list({}, 1, 10).items.find((i) => i.title.startsWith(start))!;
  const course = (start: string) => bed.store.library.course(byTitle(start).id);

  t.match(course('Formation à distance'), {
    startsOn: '2025-06-16',
    endsOn: '2025-06-18',
    format: 'online',
    audience: 'Fonctionnaires des collectivités',
    registrationUrl: `${server.url}/inscription?c=integrite`,
    organiser: null,
  }, 'from the selectors, the registration link resolved against the page');
  t.match(course('Atelier'), {
    startsOn: '2025-07-08',
    endsOn: '2025-07-10',
    format: 'hybrid',
    audience: 'Acheteurs publics',
    organiser: 'Agence de Développement du Digital',
    location: 'Rabat, siège de l’Agence',
    registrationUrl: 'https://add.example/inscription/commande-publique',
    language: 'fr',
  }, 'from the JSON-LD Event with the same link');
  t.match(course('دورة'), { startsOn: '2025-05-02', endsOn: '2025-05-04', format: 'online', organiser: 'الهيئة الوطنية للنزاهة', language: 'ar', location: null }, 'from a JSON-LD Course matched by its name');
  t.match(course('Données'), { startsOn: '2025-09-22', endsOn: '2025-09-23', format: 'in_person', location: 'Casablanca', registrationUrl: null }, 'from microdata; a javascript: link is dropped');
  t.equal(course('Formation : sans date'), undefined, 'no facts, no course row');

  t.same(
    bed.store.library.courses('upcoming', '2025-06-01', 10).map((c) => c.startsOn),
    ['2025-06-16', '2025-07-08', '2025-09-22'],
    'upcoming sessions soonest first',
  );
  t.same(bed.store.library.courses('past', '2025-06-01', 10).map((c) => c.startsOn), ['2025-05-02'], 'past sessions');

  // The partner moves a session: the item changes, its history says what changed.
  server.set('/formations/', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: page().replace('du 16 au 18 juin 2025', 'du 23 au 25 juin 2025') });
  const [second] = await bed.harvest({ now: () => NOW });
  t.match(second, { status: 'ok', items_changed: 1 });
  const moved = bed.store.items.get(byTitle('Formation à distance').id)!;
  t.same(moved.versions.at(-1)?.changed_fields, ['course']);
  t.match(course('Formation à distance'), { startsOn: '2025-06-23', endsOn: '2025-06-25' });
  const atelier = bed.store.items.get(byTitle('Atelier').id)!;
  t.equal(atelier.versions.length, 1, 'the other sessions did not change');
});

t.test('"test a source" says which course facts each item has, and which could not be read', async (t) => {
  const bed = makeBed({ partners: [{ id: 'add', sources: [] }] });
  t.teardown(() => bed.close());
  const source = {
    id: 'training',
    type: 'html' as const,
    url: `${server.url}/formations/`,
    section: 'services' as const,
    doc_type: 'training' as const,
    enabled: true,
    date_order: 'dmy' as const,
    follow_pdf: false,
    select: { item: { css: 'article.training', source: 'article.training' }, title: { css: 'h2 a', source: 'h2 a' }, starts: { css: '.for', source: '.for' }, format: { css: '.mode', source: '.mode' } },
  };
  const result = await testSource(bed.settings, 'add', source);
  t.equal(result.ok, true);
  const fields = (start: string) => result.items.find((i) => i.title.startsWith(start))!.fields;
  t.same(fields('Formation à distance'), ['title', 'link', 'course start (unreadable: "Fonctionnaires des collectivités")', 'course format']);
  t.same(fields('Atelier'), ['title', 'link', 'course start', 'course end', 'course format', 'course audience', 'registration link', 'course organiser', 'course location']);
  t.same(fields('Formation : sans date'), ['title', 'link', 'course (none found)']);
});

t.test('course facts are read only for training sections or course selectors', async (t) => {
  const bed = makeBed({
    partners: [{ id: 'beta', sources: [{ id: 'pubs', type: 'html', url: `${server.url}/formations/`, section: 'publications', select: { item: 'article.training', title: 'h2 a' } }] }],
  });
  t.teardown(() => bed.close());
  await bed.harvest({ now: () => NOW });
  t.same(bed.store.library.courses('upcoming', '2000-01-01', 10), [], 'publications carry no course facts');
});
