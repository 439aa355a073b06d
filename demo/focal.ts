// The demo's focal point: an account for the Ministry of Digital Transition (whose simulated site
// is down, the case deposits exist for), with a fresh password printed at every start, and one
// deposited PDF waiting for an administrator's approval. The deposit goes through the same path
// as one made in the admin area: the file judged by its bytes, its text extracted, a revision.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { type PortalSettings } from '../config/index.ts';
import { depositLimits, depositPages, readDepositFile } from '../harvester/deposit.ts';
import { depositItem } from '../harvester/deposit-item.ts';
import { hashPassword } from '../publisher/admin/passwords.ts';
import { type Store } from '../store/index.ts';
import { makePdf } from './pdf.ts';

export const DEMO_FOCAL_POINT = { name: 'focal-mtnra', partner: 'mtnra' };

export async function prepareDemoFocalPoint(store: Store, settings: PortalSettings): Promise<{ name: string; password: string; depositId: string | null }> {
  const { name, partner } = DEMO_FOCAL_POINT;
  const password = randomBytes(12).toString('base64url');
  const hash = await hashPassword(password);
  const now = new Date().toISOString();
  if (store.users.get(name)) store.users.setPassword(name, hash);
  else store.users.add(name, 'partner', hash, now, partner);
  const existing = store.deposits.listByPartner(partner)[0];
  if (existing) return { name, password, depositId: existing.id };

  const bytes = await makePdf({
    title: 'Guide de la transformation numérique des services publics',
    pages: [
      'Guide de la transformation numérique des services publics\nMinistère de la Transition Numérique et de la Réforme de l\'Administration',
      'La simplification des procédures administratives réduit les occasions de corruption.\nChaque démarche en ligne laisse une trace et un délai de réponse.',
      'تبسيط المساطر الإدارية يقلص فرص الرشوة.\nكل خدمة رقمية تترك أثرا وتحدد أجلا للجواب.',
    ],
  });
  const temp = store.files.tempPath();
  fs.writeFileSync(temp, bytes, { mode: 0o600 });
  const read = await readDepositFile(temp, depositLimits(settings.portal));
  if (!read.ok) {
    fs.rmSync(temp, { force: true });
    throw new Error(`the demo's deposit was refused: ${read.detail}`);
  }
  const fileHash = await store.files.adopt(temp);
  const config = settings.partners.find((p) => p.id === partner);
  const depositId = store.deposits.create(
    partner,
    name,
    {
      titles: { fr: 'Guide de la transformation numérique des services publics', ar: 'دليل التحول الرقمي للمرافق العمومية' },
      description: 'Déposé par le point focal pendant que le site du ministère est indisponible.',
      section: 'publications',
      docType: 'guide',
      language: 'fr',
      documentDate: now.slice(0, 10),
      kind: 'file',
      file: { hash: fileHash, name: 'guide-transformation-numerique.pdf', size: bytes.length, text: read.extract.text, pages: read.extract.pages, scanned: read.extract.scanned, note: null, ...depositPages(read.extract) },
      linkUrl: null,
    },
    now,
    { review: config?.review_deposits ?? true, baseUrl: settings.portal.site.base_url, maxTextChars: settings.portal.harvest.max_text_chars, makeItem: depositItem },
  );
  store.users.audit(name, 'deposit_submit', `deposit:${depositId}`, JSON.stringify({ partner, kind: 'file', file: fileHash, status: 'pending', demo: true }), now);
  return { name, password, depositId };
}
