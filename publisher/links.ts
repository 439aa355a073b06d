// Absolute addresses of the portal, for what other systems keep (OAI-PMH, DCAT-AP, sitemaps,
// citations): built from `site.base_url`, never from a request's Host header, which a client
// chooses.
import { type PortalContext } from './context.ts';

/** Used only while `site.base_url` is not set (it is required for publishing). */
const UNSET_BASE = 'http://localhost';

/** The portal's address, without a trailing slash. */
export function siteBase(ctx: PortalContext): string {
  return (ctx.settings().portal.site.base_url ?? UNSET_BASE).replace(/\/+$/, '');
}

/** The portal's host name ("integrite.inpplc.ma"): its OAI-PMH repository identifier. */
export function siteHost(ctx: PortalContext): string {
  return new URL(siteBase(ctx)).hostname;
}

/** Who answers for the machine interfaces: site.admin_email, else privacy.contact_email, else webmaster@host. */
export function adminEmail(ctx: PortalContext): string {
  const portal = ctx.settings().portal;
  return portal.site.admin_email ?? portal.privacy.contact_email ?? `webmaster@${siteHost(ctx)}`;
}

/** An item's page in a language the portal serves (the item's own when it is one). */
export function itemPageUrl(ctx: PortalContext, id: string, language: string | null): string {
  const languages = ctx.settings().portal.languages as readonly string[];
  const lang = language && languages.includes(language) ? language : languages[0]!;
  return `${siteBase(ctx)}/${lang}/items/${id}`;
}

/** Characters XML 1.0 forbids, and the escapes of text and attribute values. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
