// Summaries an older sanitiser left unbalanced ("<b>gras</span>": a refused link's frame closed the
// next allowed tag) are sanitised again once, at the start of a harvest pass (harvester/repair.ts),
// over a real SQLite catalogue: balanced afterwards, pages' validators moved, the rest untouched.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { repairSummaries, SUMMARY_SANITIZER } from '../../harvester/repair.ts';
import { openStore } from '../../store/index.ts';
import { loadTestConfig, writeConfig } from '../helpers/config.ts';
import { seed, SEED_CONFIG, SEED_ITEMS } from '../helpers/app.ts';
import { unbalanced } from '../helpers/markup.ts';

t.test('unbalanced summaries are sanitised again once; the others are left as they are', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-repair-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = openStore(path.join(dir, 'portal.db'));
  t.teardown(() => store.close());
  store.syncConfig(loadTestConfig(writeConfig(SEED_CONFIG)), new Date().toISOString());
  seed(store, SEED_ITEMS);
  const [broken, fine] = store.items.list({}, 1, 2).items;
  // As the sanitiser before version 2 stored them.
  const stored = 'menu<p><a rel="nofollow noopener noreferrer" href="http://evil.example/phish">Cliquez ici</a></span><p>fin du résumé</p>';
  store.items.rewriteSummaries([
    { pk: broken!.pk, summary: stored },
    { pk: fine!.pk, summary: '<p>Un résumé <span>sain</span>.</p>' },
  ]);
  store.setSummariesSanitizedWith(1);
  t.ok(unbalanced(stored), 'the stored summary is unbalanced');
  const before = store.items.itemWatermark(broken!.id)!;

  t.equal(repairSummaries(store), 1, 'one summary rewritten');
  const repaired = store.items.get(broken!.id)!.summary;
  t.equal(repaired, 'menu<p><a rel="nofollow noopener noreferrer" href="http://evil.example/phish">Cliquez ici</a></p><p>fin du résumé</p>');
  t.equal(unbalanced(repaired), undefined, 'balanced');
  t.equal(store.items.get(fine!.id)!.summary, '<p>Un résumé <span>sain</span>.</p>', 'a balanced summary is left alone');
  t.ok(store.items.itemWatermark(broken!.id)!.version > before.version, "the item's validator moved: cached pages are not served again");
  t.equal(store.summariesSanitizedWith(), SUMMARY_SANITIZER);
  t.equal(repairSummaries(store), 0, 'done once: the next pass does nothing');
});
