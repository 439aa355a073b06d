// Builds a config directory for a test from plain objects, written as YAML like an operator would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, formatConfigError, type PortalSettings } from '../../config/index.ts';

export interface TestPartner {
  id: string;
  name?: Record<string, string>;
  kind?: string;
  website?: string;
  commitment?: { update_every?: string };
  sources: Array<Record<string, unknown>>;
  contacts?: Array<{ name: string; email: string; languages?: string[] }>;
  review_deposits?: boolean;
}

export interface TestConfig {
  harvest?: Record<string, unknown>;
  partners: TestPartner[];
  directory?: Record<string, unknown>;
  portal?: Record<string, unknown>;
}

export function writeConfig(config: TestConfig, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-test-config-'))): string {
  fs.mkdirSync(path.join(dir, 'partners'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'portal.yaml'),
    stringify({
      site: { name: { ar: 'البوابة الوطنية للنزاهة', fr: "Portail national de l'intégrité", en: 'National Integrity Portal' }, base_url: 'https://portal.example' },
      languages: ['ar', 'fr', 'en'],
      // A generous request timeout: loopback answers take milliseconds, but a machine running
      // other suites can stall one for seconds. Tests of the timeout itself set their own.
      harvest: { timeout: '30s', per_host_delay: '0s', allow_private_networks: true, ...config.harvest },
      ...config.portal,
    }),
  );
  for (const partner of config.partners) {
    fs.writeFileSync(
      path.join(dir, 'partners', `${partner.id}.yaml`),
      stringify({
        id: partner.id,
        name: partner.name ?? { fr: `Partenaire ${partner.id}`, ar: `شريك ${partner.id}`, en: `Partner ${partner.id}` },
        kind: partner.kind ?? 'government',
        ...(partner.website ? { website: partner.website } : {}),
        ...(partner.commitment ? { commitment: partner.commitment } : {}),
        sources: partner.sources,
        ...(partner.contacts ? { contacts: partner.contacts } : {}),
        ...(partner.review_deposits !== undefined ? { review_deposits: partner.review_deposits } : {}),
      }),
    );
  }
  if (config.directory) fs.writeFileSync(path.join(dir, 'directory.yaml'), stringify(config.directory));
  return dir;
}

export function loadTestConfig(dir: string): PortalSettings {
  const result = loadConfig(dir);
  if (result.errors.length || !result.config) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.config;
}
