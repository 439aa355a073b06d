// Reads a config directory (portal.yaml, partners/*.yaml, directory.yaml), validates every file
// and reports every error with its file, line, column and key path, not just the first.
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { type z } from 'zod';
import {
  checkDirectory,
  checkPartner,
  describeValue,
  type CrossCheckIssue,
  directorySchema,
  partnerSchema,
  portalSchema,
  type DirectoryConfig,
  type PartnerConfig,
  type PortalConfig,
} from './schema.ts';
import { SOURCE_TYPES } from './domain.ts';
import { closest } from './suggest.ts';

/** A config file larger than this is refused before parsing (a 50 MB file is an accident or an attack). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** Nesting deeper than this is refused: no real config needs it, and it protects the parser. */
export const MAX_NESTING = 32;
/** YAML aliases allowed per file; a "billion laughs" alias bomb fails fast instead of expanding. */
export const MAX_ALIASES = 100;

export interface ConfigError {
  file: string;
  line: number;
  col: number;
  /** Key path inside the file, e.g. `sources[2].select.item`, or `(file)` for the file as a whole. */
  path: string;
  message: string;
}

export function formatConfigError(error: ConfigError): string {
  return `${error.file}:${error.line}:${error.col}: ${error.path}: ${error.message}`;
}

export interface PortalSettings {
  dir: string;
  portal: PortalConfig;
  partners: PartnerConfig[];
  directory: DirectoryConfig;
}

export interface LoadResult {
  /** Every error found, in file order. */
  errors: ConfigError[];
  /**
   * The valid part of the configuration: undefined when portal.yaml itself is unusable. Partners
   * whose file is invalid are left out and listed in `invalidPartnerIds`, so callers can keep
   * their sources as they were instead of disabling them.
   */
  config?: PortalSettings;
  invalidPartnerIds: string[];
  /** Every file read, for watching. */
  files: string[];
}

type PathKey = string | number;

export function formatPath(keys: readonly PathKey[]): string {
  if (keys.length === 0) return '(file)';
  let out = '';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out || '(file)';
}

interface ParsedFile {
  data?: unknown;
  errors: ConfigError[];
  locate: (keys: readonly PathKey[], onKey?: boolean) => { line: number; col: number };
}

/**
 * The offset where the text's nesting first exceeds `max` levels, or undefined: flow collections
 * ([ and {, outside quotes and comments) and block indentation are both counted. A cheap upper
 * bound run before parsing; the exact depth is measured on the parsed tree afterwards.
 */
export function textNestingOver(text: string, max: number): number | undefined {
  let flow = 0;
  const indents: number[] = [];
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        indent++;
        continue;
      }
      lineStart = false;
      if (c !== '#' && c !== '\r' && flow === 0) {
        while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
        indents.push(indent);
        if (indents.length > max) return i;
      }
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++;
      i--;
      continue;
    }
    if ((c === '"' || c === "'") && /(?:^|[:\-[{,])\s*$/.test(text.slice(text.lastIndexOf('\n', i - 1) + 1, i))) {
      for (i++; i < text.length && text[i] !== c; i++) if (c === '"' && text[i] === '\\') i++;
      continue;
    }
    if (c === '[' || c === '{') {
      flow++;
      if (flow + indents.length > max) return i;
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
  }
  return undefined;
}

/** The deepest nesting of a YAML tree, measured without recursion. */
function nestingDepth(root: Node | null | undefined): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      max = Math.max(max, depth);
      if (max > MAX_NESTING) return max;
      for (const item of node.items as unknown[]) {
        if (isMap(node)) {
          const pair = item as { key: unknown; value: unknown };
          stack.push([pair.value, depth + 1]);
        } else {
          stack.push([item, depth + 1]);
        }
      }
    }
  }
  return max;
}

/**
 * Finds where a key path is written. A value that is a scalar or a flow collection is reported at
 * the value; a block mapping or list, a missing key, or `onKey` at the key's own line, which is
 * what an operator looks for.
 */
function makeLocator(doc: Document | undefined, lines: LineCounter) {
  return (keys: readonly PathKey[], onKey = false) => {
    let node: unknown = doc?.contents;
    let anchor: number | undefined = (node as Node | null)?.range?.[0];
    let complete = true;
    let lastKey: number | undefined;
    for (const key of keys) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair) {
          complete = false;
          break;
        }
        lastKey = (pair.key as Node | null)?.range?.[0];
        node = pair.value;
        anchor = lastKey;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
        node = node.items[key];
        lastKey = undefined;
        anchor = (node as Node).range?.[0] ?? anchor;
      } else {
        complete = false;
        break;
      }
    }
    if (complete && !onKey) {
      const value = node as Node | null;
      const isBlock = (isMap(value) || isSeq(value)) && !value.flow;
      if (value?.range && !(isBlock && lastKey !== undefined)) anchor = value.range[0];
    }
    if (anchor === undefined) return { line: 1, col: 1 };
    const pos = lines.linePos(anchor);
    return { line: pos.line, col: pos.col };
  };
}

function parseYamlFile(file: string, displayName: string): ParsedFile {
  const errors: ConfigError[] = [];
  const at = (line: number, col: number, message: string, keys: PathKey[] = []): ConfigError => ({
    file: displayName,
    line,
    col,
    path: formatPath(keys),
    message,
  });
  const noLocation = () => ({ line: 1, col: 1 });

  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    return { errors: [at(1, 1, `cannot read the file: ${(error as Error).message}`)], locate: noLocation };
  }
  if (size > MAX_CONFIG_FILE_BYTES) {
    const mb = (size / 1024 / 1024).toFixed(1);
    return {
      errors: [at(1, 1, `the file is ${mb} MB; config files are limited to ${MAX_CONFIG_FILE_BYTES / 1024} KB`)],
      locate: noLocation,
    };
  }
  const text = fs.readFileSync(file, 'utf8');
  const lines = new LineCounter();
  // The YAML parser recurses on nesting: thousands of levels would exhaust the stack, so they are
  // measured on the text first.
  const deep = textNestingOver(text, MAX_NESTING);
  if (deep !== undefined) {
    const before = text.slice(0, deep);
    const line = before.split('\n').length;
    const col = deep - before.lastIndexOf('\n');
    return { errors: [at(line, col, `the YAML is nested more than ${MAX_NESTING} levels deep`)], locate: noLocation };
  }
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (error) {
    if (error instanceof RangeError) return { errors: [at(1, 1, 'the YAML is nested too deeply to be read')], locate: noLocation };
    throw error;
  }
  const locate = makeLocator(doc, lines);
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      errors.push(at(pos.line, pos.col, `YAML syntax error: ${message}`));
    }
    return { errors, locate };
  }
  const depth = nestingDepth(doc.contents as Node | null);
  if (depth > MAX_NESTING) {
    return { errors: [at(1, 1, `the YAML is nested more than ${MAX_NESTING} levels deep`)], locate };
  }
  try {
    const data = doc.toJS({ maxAliasCount: MAX_ALIASES });
    return { data: data ?? {}, errors, locate };
  } catch (error) {
    const message = (error as Error).message;
    if (/alias/i.test(message)) {
      const aliasPos = text.search(/\*[^\s,\]}]+/);
      const pos = aliasPos >= 0 ? lines.linePos(aliasPos) : { line: 1, col: 1 };
      return {
        errors: [
          at(pos.line, pos.col, `too many YAML aliases (more than ${MAX_ALIASES}): refusing to expand what looks like an alias bomb`),
        ],
        locate,
      };
    }
    return { errors: [at(1, 1, `cannot read the YAML: ${message}`)], locate };
  }
}

type Issue = z.core.$ZodIssue & { input?: unknown; keys?: string[]; values?: unknown[]; note?: string; discriminator?: string };

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value lines)',
  array: 'a list',
};

/** Known keys of the object schema at `keys`, for "did you mean" on unknown keys. */
function knownKeysAt(schema: z.ZodType, keys: readonly PathKey[], data: unknown): string[] {
  let current: unknown = schema;
  let value: unknown = data;
  const unwrap = (s: unknown): unknown => {
    let x = s as { def?: { type?: string; innerType?: unknown; in?: unknown; schema?: unknown } };
    for (let i = 0; i < 10 && x?.def; i++) {
      const def = x.def;
      if (def.innerType) x = def.innerType as typeof x;
      else if (def.type === 'pipe' && def.in) x = def.in as typeof x;
      else break;
    }
    return x;
  };
  for (const key of keys) {
    current = unwrap(current);
    const def = (current as { def?: Record<string, unknown> }).def;
    if (!def) return [];
    if (def.type === 'object') {
      current = (def.shape as Record<string, unknown>)[key as string];
    } else if (def.type === 'array') {
      current = def.element;
    } else if (def.type === 'union') {
      const discriminator = (def as { discriminator?: string }).discriminator;
      const options = def.options as Array<{ def: { shape: Record<string, { def: { values?: unknown[] } }> } }>;
      const tag = discriminator ? (value as Record<string, unknown> | undefined)?.[discriminator] : undefined;
      const match = options.find((o) => o.def.shape?.[discriminator ?? '']?.def.values?.includes(tag));
      current = match ? (match as unknown as { def: { shape: Record<string, unknown> } }).def.shape[key as string] : undefined;
    } else {
      return [];
    }
    value = (value as Record<PathKey, unknown> | undefined)?.[key];
  }
  current = unwrap(current);
  const def = (current as { def?: Record<string, unknown> } | undefined)?.def;
  if (def?.type === 'union') {
    const discriminator = (def as { discriminator?: string }).discriminator;
    const options = def.options as Array<{ def: { shape: Record<string, { def: { values?: unknown[] } }> } }>;
    const tag = discriminator ? (value as Record<string, unknown> | undefined)?.[discriminator] : undefined;
    const match = options.find((o) => o.def.shape?.[discriminator ?? '']?.def.values?.includes(tag));
    return match ? Object.keys(match.def.shape) : [];
  }
  if (def?.type === 'object') return Object.keys(def.shape as object);
  return [];
}

function issueToErrors(issue: Issue, schema: z.ZodType, data: unknown, parsed: ParsedFile, file: string): ConfigError[] {
  const keys = issue.path as PathKey[];
  const make = (pathKeys: PathKey[], message: string, onKey = false): ConfigError => {
    const pos = parsed.locate(pathKeys, onKey);
    return { file, line: pos.line, col: pos.col, path: formatPath(pathKeys), message };
  };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, keys, data);
      return (issue.keys ?? []).map((key) => {
        const guess = closest(key, known);
        const hint = guess ? ` (did you mean "${guess}"?)` : known.length ? ` (expected one of: ${known.join(', ')})` : '';
        return make([...keys, key], `unknown key "${key}"${hint}`, true);
      });
    }
    case 'invalid_type': {
      if (issue.input === undefined) {
        return [make(keys, `required: add "${String(keys.at(-1) ?? 'value')}"`, true)];
      }
      const expected = TYPE_NAMES[issue.expected as string] ?? String(issue.expected);
      return [make(keys, `expected ${expected}, got ${describeValue(issue.input)}`)];
    }
    case 'invalid_value': {
      const values = (issue.values ?? []).map(String);
      const input = issue.input;
      const guess = typeof input === 'string' ? closest(input, values) : undefined;
      const hint = guess ? ` (did you mean "${guess}"?)` : '';
      if (input === undefined) return [make(keys, `required: one of ${values.join(', ')}`, true)];
      return [make(keys, `${describeValue(input)} is not allowed here; expected one of: ${values.join(', ')}${hint}`)];
    }
    case 'invalid_union': {
      if (issue.note === 'No matching discriminator' || issue.discriminator) {
        const field = issue.discriminator ?? 'type';
        const at = keys.at(-1) === field ? keys.slice(0, -1) : keys;
        const value = (issue.input as Record<string, unknown> | undefined)?.[field];
        const allowed: readonly string[] = SOURCE_TYPES;
        if (value === undefined) return [make(at, `required: add "${field}" (one of: ${allowed.join(', ')})`)];
        // Operators often name the format instead of the connector: RSS and Atom are feeds.
        const synonyms: Record<string, string> = {
          rss: 'feed',
          atom: 'feed',
          xml: 'feed',
          page: 'html',
          listing: 'html',
          // …and data files are datasets.
          csv: 'dataset',
          xlsx: 'dataset',
          excel: 'dataset',
          json: 'dataset',
          data: 'dataset',
          statistics: 'dataset',
        };
        const guess = typeof value === 'string' ? (synonyms[value.toLowerCase()] ?? closest(value, allowed)) : undefined;
        return [
          make(
            [...at, field],
            `${describeValue(value)} is not allowed here; expected one of: ${allowed.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`,
          ),
        ];
      }
      return [make(keys, issue.message)];
    }
    case 'too_small': {
      if (issue.origin === 'string') return [make(keys, 'must not be empty')];
      if (issue.origin === 'number') return [make(keys, `must be at least ${String(issue.minimum)}`)];
      return [make(keys, issue.message)];
    }
    case 'too_big': {
      if (issue.origin === 'number') return [make(keys, `must be at most ${String(issue.maximum)}`)];
      return [make(keys, issue.message)];
    }
    default:
      return [make(keys, issue.message)];
  }
}

function validate<S extends z.ZodType>(
  schema: S,
  parsed: ParsedFile,
  file: string,
  crossCheck?: (raw: unknown) => CrossCheckIssue[],
): { value?: z.output<S>; errors: ConfigError[] } {
  const result = schema.safeParse(parsed.data, { reportInput: true });
  const errors = result.success
    ? []
    : result.error.issues.flatMap((issue) => issueToErrors(issue as Issue, schema, parsed.data, parsed, file));
  for (const issue of crossCheck?.(parsed.data) ?? []) {
    const pos = parsed.locate(issue.path);
    errors.push({ file, line: pos.line, col: pos.col, path: formatPath(issue.path), message: issue.message });
  }
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  return { value: errors.length === 0 && result.success ? result.data : undefined, errors };
}

/** Reads and validates the config directory. Never throws for bad input: everything is in `errors`. */
export function loadConfig(dir: string): LoadResult {
  const errors: ConfigError[] = [];
  const files: string[] = [];
  const invalidPartnerIds: string[] = [];
  const display = (name: string) => path.join(dir, name);

  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    return {
      errors: [{ file: dir, line: 1, col: 1, path: '(file)', message: 'config directory not found' }],
      invalidPartnerIds,
      files,
    };
  }

  // portal.yaml
  let portal: PortalConfig | undefined;
  const portalFile = path.join(dir, 'portal.yaml');
  files.push(portalFile);
  if (!fs.existsSync(portalFile)) {
    errors.push({ file: display('portal.yaml'), line: 1, col: 1, path: '(file)', message: 'portal.yaml is missing (it needs at least `site: {name: …, base_url: …}`)' });
  } else {
    const parsed = parseYamlFile(portalFile, display('portal.yaml'));
    errors.push(...parsed.errors);
    if (parsed.errors.length === 0) {
      const result = validate(portalSchema, parsed, display('portal.yaml'));
      errors.push(...result.errors);
      portal = result.value;
    }
  }

  // partners/*.yaml
  const partners: PartnerConfig[] = [];
  const partnersDir = path.join(dir, 'partners');
  const partnerFiles = fs.existsSync(partnersDir)
    ? fs
        .readdirSync(partnersDir)
        .filter((name) => /\.ya?ml$/i.test(name))
        .sort()
    : [];
  const seenIds = new Map<string, string>();
  for (const name of partnerFiles) {
    const file = path.join(partnersDir, name);
    const shown = display(path.join('partners', name));
    const stem = name.replace(/\.ya?ml$/i, '');
    files.push(file);
    const parsed = parseYamlFile(file, shown);
    const fileErrors = [...parsed.errors];
    let partner: PartnerConfig | undefined;
    if (parsed.errors.length === 0) {
      const result = validate(partnerSchema, parsed, shown, checkPartner);
      fileErrors.push(...result.errors);
      partner = result.value;
      const id = (parsed.data as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id !== stem) {
        const pos = parsed.locate(['id']);
        fileErrors.push({
          file: shown,
          line: pos.line,
          col: pos.col,
          path: 'id',
          message: `partner id "${id}" does not match the file name "${name}" (rename the file to ${id}.yaml or change the id)`,
        });
      }
      if (typeof id === 'string') {
        const first = seenIds.get(id);
        if (first) {
          const pos = parsed.locate(['id']);
          fileErrors.push({ file: shown, line: pos.line, col: pos.col, path: 'id', message: `duplicate partner id "${id}" (already used in ${first})` });
        } else {
          seenIds.set(id, shown);
        }
      }
    }
    fileErrors.sort((a, b) => a.line - b.line || a.col - b.col);
    errors.push(...fileErrors);
    if (fileErrors.length === 0 && partner) partners.push(partner);
    else invalidPartnerIds.push(stem);
  }

  // directory.yaml (optional: an empty directory when absent)
  let directory: DirectoryConfig = { operators: {}, channels: [], platforms: [], guidance: [] };
  const directoryFile = path.join(dir, 'directory.yaml');
  if (fs.existsSync(directoryFile)) {
    files.push(directoryFile);
    const parsed = parseYamlFile(directoryFile, display('directory.yaml'));
    errors.push(...parsed.errors);
    if (parsed.errors.length === 0) {
      const result = validate(directorySchema, parsed, display('directory.yaml'), checkDirectory);
      errors.push(...result.errors);
      if (result.value) directory = result.value;
    }
  }

  return {
    errors,
    config: portal ? { dir, portal, partners, directory } : undefined,
    invalidPartnerIds,
    files,
  };
}
