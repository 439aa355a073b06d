// OCR of scanned PDFs: each page rasterised by poppler's `pdftoppm` and recognised by Tesseract
// (Arabic, French, English), every program in a child process of its own process group under a
// memory limit (ulimit -v), a CPU-time limit (ulimit -t) and a wall-clock watchdog that kills the
// whole group, at a lower CPU priority (nice 10) and with one thread each (OMP_THREAD_LIMIT=1).
// Documents wait in a bounded queue served `concurrency` at a time. Nothing runs on the event
// loop but waiting, so OCR never holds up a page or a harvest; a page that fails fails alone.
//
// Not wired into harvests yet (issue 17, second part). A scan becomes text with one call:
//   const result = await engine.recognise({ pdf, language: source.language, pages });
// `result.pages` is the text page by page; when Tesseract or poppler is missing the engine says
// so once in the log and every call answers `{ status: 'unavailable' }`: the scan stays flagged.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type HarvestSettings, type Language } from '../config/index.ts';

/** Rasterising resolution: 200 dpi reads 10-point text well (measured: README, "OCR"). */
export const OCR_DPI = 200;
/** Pixels of one rasterised page at most: an oversized page is rendered at a lower resolution. */
export const OCR_MAX_PIXELS = 40_000_000;
/** Characters of recognised text kept per page (a page of dense text is about 5,000). */
export const OCR_MAX_PAGE_CHARS = 100_000;

export interface OcrOptions {
  /** Documents recognised at the same time; 0 turns OCR off. */
  concurrency: number;
  /** Documents waiting; more are refused with `queue_full` until the queue drains. */
  maxQueue: number;
  /** Wall-clock time of one program run (pdfinfo, rasterising or recognising one page). */
  pageTimeoutMs: number;
  /** Address space of one program run. */
  memoryBytes: number;
  /** Pages of one document recognised at most. */
  maxPages: number;
  dpi?: number;
  /** Program names or paths (default: found on PATH). */
  binaries?: { tesseract?: string; pdftoppm?: string; pdfinfo?: string };
  /** Where each document gets its scratch folder (default: the system's temporary folder). */
  tempDir?: string;
  /** pino-like logger: told once when OCR is unavailable, and about pages that fail. */
  log?: { warn(object: Record<string, unknown>, message: string): void };
}

/** The OCR settings of portal.yaml (`harvest.ocr_*`). */
export function ocrOptionsFrom(harvest: HarvestSettings, extra: Partial<OcrOptions> = {}): OcrOptions {
  return {
    concurrency: harvest.ocr_concurrency,
    maxQueue: harvest.ocr_queue,
    pageTimeoutMs: harvest.ocr_timeout,
    memoryBytes: harvest.ocr_memory,
    maxPages: harvest.ocr_max_pages,
    ...extra,
  };
}

export type OcrFailureCode = 'timeout' | 'memory' | 'parse' | 'queue_full' | 'closed' | 'failed';

export interface OcrPage {
  /** 1-based page number in the PDF. */
  page: number;
  text: string;
  /** The page's language: the source's, or Arabic when Tesseract's script detection says so. */
  language: Language | null;
  /** The script Tesseract detected on the page ("Arabic", "Latin"), when it was asked. */
  script: string | null;
  /** The Tesseract languages it was read with ("ara", "fra+eng"). */
  tesseractLanguages: string;
  /** Resolution it was rasterised at. */
  dpi: number;
  truncated: boolean;
}

export interface OcrPageFailure {
  page: number;
  code: OcrFailureCode;
  message: string;
}

export type OcrResult =
  | {
      status: 'ok';
      /** Pages recognised, in page order (failed pages are left out and listed in `failed`). */
      pages: OcrPage[];
      failed: OcrPageFailure[];
      /** Pages in the document. */
      pageCount: number;
      /** Pages asked for but beyond `maxPages` or the document. */
      skipped: number[];
      durationMs: number;
    }
  | { status: 'unavailable'; message: string }
  | { status: 'failed'; code: OcrFailureCode; message: string };

export interface OcrRequest {
  pdf: Buffer;
  /** The source's language; null or absent: detected per page (Arabic or Latin script). */
  language?: Language | null;
  /** 1-based pages to recognise (those without a text layer); default: every page up to maxPages. */
  pages?: number[];
  /** Stops a waiting or running document (its programs are killed). */
  signal?: AbortSignal;
}

export interface OcrAvailability {
  available: boolean;
  message?: string;
  /** Tesseract languages installed ("ara", "fra", "eng", "osd"). */
  languages: string[];
}

const TESSERACT_LANGUAGE: Partial<Record<Language, string>> = { ar: 'ara', fr: 'fra', en: 'eng' };
const INSTALL_HINT = 'apt-get install tesseract-ocr tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-eng poppler-utils';

interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  /** Stopped by the request's signal. */
  aborted: boolean;
  /** The program could not be started (not installed). */
  missing: boolean;
}

class OcrFailure extends Error {
  constructor(
    readonly code: OcrFailureCode,
    message: string,
  ) {
    super(message);
  }
}

/** Events for tests and monitoring: `job-start`, `job-end`, `process-start`, `process-end`. */
export class OcrEngine extends EventEmitter {
  private readonly options: Required<Omit<OcrOptions, 'log' | 'binaries'>> & Pick<OcrOptions, 'log'>;
  private readonly binaries: { tesseract: string; pdftoppm: string; pdfinfo: string };
  private readonly waiting: Array<{ start: () => void; cancel: (result: OcrResult) => void }> = [];
  private readonly children = new Set<number>();
  private running = 0;
  private peak = 0;
  private closed = false;
  private probing: Promise<OcrAvailability> | undefined;
  private warnedUnavailable = false;
  private readonly warnedLanguages = new Set<string>();

  constructor(options: OcrOptions) {
    super();
    this.options = {
      concurrency: options.concurrency,
      maxQueue: options.maxQueue,
      pageTimeoutMs: options.pageTimeoutMs,
      memoryBytes: options.memoryBytes,
      maxPages: options.maxPages,
      dpi: options.dpi ?? OCR_DPI,
      tempDir: options.tempDir ?? os.tmpdir(),
      log: options.log,
    };
    this.binaries = {
      tesseract: options.binaries?.tesseract ?? 'tesseract',
      pdftoppm: options.binaries?.pdftoppm ?? 'pdftoppm',
      pdfinfo: options.binaries?.pdfinfo ?? 'pdfinfo',
    };
  }

  /** Documents running and waiting now, and the most that ever ran at once. */
  stats(): { running: number; queued: number; peakRunning: number; processes: number } {
    return { running: this.running, queued: this.waiting.length, peakRunning: this.peak, processes: this.children.size };
  }

  /** Whether the programs and language data are installed (asked once, then remembered). */
  availability(): Promise<OcrAvailability> {
    this.probing ??= this.probe().then((result) => {
      if (!result.available && !this.warnedUnavailable) {
        this.warnedUnavailable = true;
        this.options.log?.warn({ reason: result.message }, 'OCR unavailable: scanned documents stay flagged without text');
      }
      return result;
    });
    return this.probing;
  }

  private async probe(): Promise<OcrAvailability> {
    const limits = { timeoutMs: 30_000, memoryBytes: Math.max(this.options.memoryBytes, 256 * 1024 * 1024) };
    const tesseract = await this.run(this.binaries.tesseract, ['--list-langs'], limits);
    if (tesseract.missing) return { available: false, message: `tesseract is not installed (${INSTALL_HINT})`, languages: [] };
    const languages = `${tesseract.stdout}\n${tesseract.stderr}`
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^[a-z_]{3,}$/i.test(line) && line !== 'List');
    for (const [program, args] of [
      [this.binaries.pdftoppm, ['-v']],
      [this.binaries.pdfinfo, ['-v']],
    ] as const) {
      const outcome = await this.run(program, [...args], limits);
      if (outcome.missing) return { available: false, message: `${path.basename(program)} is not installed (${INSTALL_HINT})`, languages };
    }
    if (!['ara', 'fra', 'eng'].some((l) => languages.includes(l))) {
      return { available: false, message: `Tesseract has no Arabic, French or English data (${INSTALL_HINT})`, languages };
    }
    return { available: true, languages };
  }

  /**
   * Recognises the pages of a scanned PDF. Resolves (never rejects) with the text page by page,
   * `unavailable` when OCR is off or not installed, or `failed` with a code when the queue is
   * full, the engine closed, or the document itself cannot be read.
   */
  async recognise(request: OcrRequest): Promise<OcrResult> {
    if (this.options.concurrency === 0) return { status: 'unavailable', message: 'OCR is turned off (harvest.ocr_concurrency: 0)' };
    if (this.closed) return { status: 'failed', code: 'closed', message: 'the OCR engine is closed' };
    const availability = await this.availability();
    if (!availability.available) return { status: 'unavailable', message: availability.message ?? 'OCR is unavailable' };
    if (this.running >= this.options.concurrency && this.waiting.length >= this.options.maxQueue) {
      return {
        status: 'failed',
        code: 'queue_full',
        message: `${this.waiting.length} documents already wait for OCR (harvest.ocr_queue): try again at the next harvest`,
      };
    }
    return new Promise<OcrResult>((resolve) => {
      const entry = {
        start: () => {
          this.running++;
          this.peak = Math.max(this.peak, this.running);
          this.emit('job-start', { running: this.running });
          this.document(request, availability.languages)
            .catch((error: unknown): OcrResult =>
              error instanceof OcrFailure ? { status: 'failed', code: error.code, message: error.message } : { status: 'failed', code: 'failed', message: (error as Error).message },
            )
            .then((result) => {
              this.running--;
              this.emit('job-end', { running: this.running, status: result.status });
              resolve(result);
              this.pump();
            });
        },
        cancel: resolve,
      };
      request.signal?.addEventListener(
        'abort',
        () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) {
            this.waiting.splice(index, 1);
            resolve({ status: 'failed', code: 'closed', message: 'cancelled before it started' });
          }
        },
        { once: true },
      );
      this.waiting.push(entry);
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed && this.running < this.options.concurrency && this.waiting.length > 0) this.waiting.shift()!.start();
  }

  /** Kills every running program and answers every waiting document `closed`. */
  close(): void {
    this.closed = true;
    for (const entry of this.waiting.splice(0)) entry.cancel({ status: 'failed', code: 'closed', message: 'the OCR engine was closed' });
    for (const pid of this.children) killGroup(pid);
  }

  // ------------------------------------------------------------------ one document

  private async document(request: OcrRequest, installed: string[]): Promise<OcrResult> {
    const started = Date.now();
    const dir = await fs.mkdtemp(path.join(this.options.tempDir, 'portal-ocr-'));
    try {
      const file = path.join(dir, 'document.pdf');
      await fs.writeFile(file, request.pdf);
      const info = await this.pdfInfo(file, request.signal);
      const wanted = request.pages ? [...new Set(request.pages)].sort((a, b) => a - b) : Array.from({ length: info.pages }, (_, i) => i + 1);
      const inDocument = wanted.filter((p) => Number.isInteger(p) && p >= 1 && p <= info.pages);
      const chosen = inDocument.slice(0, this.options.maxPages);
      const skipped = wanted.filter((p) => !chosen.includes(p));
      const pages: OcrPage[] = [];
      const failed: OcrPageFailure[] = [];
      for (const page of chosen) {
        if (request.signal?.aborted || this.closed) {
          failed.push({ page, code: 'closed', message: 'stopped before this page' });
          continue;
        }
        try {
          pages.push(await this.page(file, dir, page, info.sizes.get(page), request.language ?? null, installed, request.signal));
        } catch (error) {
          const failure = error instanceof OcrFailure ? error : new OcrFailure('failed', (error as Error).message);
          failed.push({ page, code: failure.code, message: failure.message });
          this.options.log?.warn({ page, code: failure.code, reason: failure.message }, 'OCR of a page failed');
        }
      }
      return { status: 'ok', pages, failed, pageCount: info.pages, skipped, durationMs: Date.now() - started };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  private limits() {
    return { timeoutMs: this.options.pageTimeoutMs, memoryBytes: this.options.memoryBytes };
  }

  /** Page count and page sizes (points) from pdfinfo. */
  private async pdfInfo(file: string, signal?: AbortSignal): Promise<{ pages: number; sizes: Map<number, { width: number; height: number }> }> {
    // Sizes of the first pages only: enough to size the rasters of the pages read.
    const last = Math.max(1, this.options.maxPages);
    const outcome = await this.run(this.binaries.pdfinfo, ['-f', '1', '-l', String(last), file], this.limits(), signal);
    this.check(outcome, 'pdfinfo', 'reading the PDF');
    const pages = Number(/^Pages:\s+(\d+)/m.exec(outcome.stdout)?.[1]);
    if (!Number.isInteger(pages) || pages < 1) throw new OcrFailure('parse', 'the PDF has no pages poppler can read');
    const sizes = new Map<number, { width: number; height: number }>();
    for (const match of outcome.stdout.matchAll(/^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts/gm)) {
      sizes.set(Number(match[1]), { width: Number(match[2]), height: Number(match[3]) });
    }
    return { pages, sizes };
  }

  private async page(
    file: string,
    dir: string,
    page: number,
    size: { width: number; height: number } | undefined,
    language: Language | null,
    installed: string[],
    signal?: AbortSignal,
  ): Promise<OcrPage> {
    // An oversized page (a poster, a plan, or a hostile MediaBox) is rendered at a lower
    // resolution so its raster stays under OCR_MAX_PIXELS.
    let dpi = this.options.dpi;
    if (size && size.width > 0 && size.height > 0) {
      const squareInches = (size.width / 72) * (size.height / 72);
      dpi = Math.max(10, Math.min(dpi, Math.floor(Math.sqrt(OCR_MAX_PIXELS / squareInches))));
    }
    const prefix = path.join(dir, `page-${page}`);
    const raster = await this.run(
      this.binaries.pdftoppm,
      ['-f', String(page), '-l', String(page), '-r', String(dpi), '-gray', '-png', '-singlefile', file, prefix],
      this.limits(),
      signal,
    );
    this.check(raster, 'pdftoppm', `rasterising page ${page}`);
    const image = `${prefix}.png`;
    try {
      let languages = language ? TESSERACT_LANGUAGE[language] : undefined;
      let script: string | null = null;
      let pageLanguage: Language | null = language;
      if (!languages) {
        script = await this.script(image, dpi, installed, signal);
        languages = script === 'Arabic' ? 'ara' : script === 'Latin' ? 'fra+eng' : 'ara+fra';
        if (script === 'Arabic') pageLanguage = 'ar';
      }
      languages = this.installedLanguages(languages, installed);
      const outcome = await this.run(this.binaries.tesseract, [image, 'stdout', '-l', languages, '--dpi', String(dpi), '--psm', '3'], this.limits(), signal);
      this.check(outcome, 'tesseract', `recognising page ${page}`);
      let text = outcome.stdout.normalize('NFC').replace(/\f/g, '').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
      const truncated = outcome.truncated || text.length > OCR_MAX_PAGE_CHARS;
      if (text.length > OCR_MAX_PAGE_CHARS) text = text.slice(0, OCR_MAX_PAGE_CHARS);
      return { page, text, language: pageLanguage, script, tesseractLanguages: languages, dpi, truncated };
    } finally {
      await fs.rm(image, { force: true });
    }
  }

  /** The page's script through Tesseract's orientation and script detection (needs `osd`). */
  private async script(image: string, dpi: number, installed: string[], signal?: AbortSignal): Promise<string | null> {
    if (!installed.includes('osd')) return null;
    const outcome = await this.run(this.binaries.tesseract, [image, 'stdout', '--psm', '0', '--dpi', String(dpi)], this.limits(), signal);
    // Too little text to tell fails here: the page is then read with Arabic and French together.
    if (outcome.code !== 0) return null;
    return /^Script:\s*(\S+)/m.exec(outcome.stdout)?.[1] ?? null;
  }

  /** Keeps the installed ones of "ara+fra"; says once which data is missing. */
  private installedLanguages(wanted: string, installed: string[]): string {
    const parts = wanted.split('+');
    const present = parts.filter((l) => installed.includes(l));
    for (const missing of parts.filter((l) => !installed.includes(l))) {
      if (this.warnedLanguages.has(missing)) continue;
      this.warnedLanguages.add(missing);
      this.options.log?.warn({ language: missing }, `OCR: Tesseract has no "${missing}" data (apt-get install tesseract-ocr-${missing}); pages are read with what is installed`);
    }
    if (present.length > 0) return present.join('+');
    return ['fra', 'eng', 'ara'].find((l) => installed.includes(l))!;
  }

  /** Throws the failure an outcome stands for. */
  private check(outcome: ChildOutcome, program: string, what: string): void {
    if (outcome.aborted) throw new OcrFailure('closed', `${program} was stopped ${what}`);
    if (outcome.timedOut) throw new OcrFailure('timeout', `${program} took longer than ${Math.round(this.options.pageTimeoutMs / 1000)} s ${what}`);
    if (outcome.missing) throw new OcrFailure('failed', `${program} is not installed (${INSTALL_HINT})`);
    if (outcome.code === 0 && !outcome.signal) return;
    const detail = firstLine(outcome.stderr);
    if (/bad_alloc|out of memory|memory exhausted|cannot allocate|failed to map segment/i.test(outcome.stderr) || outcome.signal === 'SIGABRT' || outcome.signal === 'SIGSEGV') {
      throw new OcrFailure('memory', `${program} ran out of memory ${what} (limit ${Math.round(this.options.memoryBytes / 1024 / 1024)} MB, harvest.ocr_memory)${detail ? `: ${detail}` : ''}`);
    }
    if (outcome.signal === 'SIGXCPU' || outcome.signal === 'SIGKILL') {
      throw new OcrFailure('timeout', `${program} used up its CPU time ${what}`);
    }
    const code = program === 'tesseract' ? 'failed' : 'parse';
    throw new OcrFailure(code, `${program} failed ${what} (${outcome.signal ?? `exit ${outcome.code}`})${detail ? `: ${detail}` : ''}`);
  }

  // ------------------------------------------------------------------ child processes

  /**
   * Runs a program under the limits: sh sets them on itself and becomes the program, so they hold
   * for it and anything it starts; it leads its own process group, which the watchdog kills whole.
   * Its environment is a minimal one: nothing of the portal's (credentials) reaches it.
   */
  private run(command: string, args: string[], limits: { timeoutMs: number; memoryBytes: number }, signal?: AbortSignal): Promise<ChildOutcome> {
    const memoryKb = Math.max(1024, Math.floor(limits.memoryBytes / 1024));
    const cpuSeconds = Math.max(1, Math.ceil(limits.timeoutMs / 1000));
    const script = 'ulimit -v "$1" && ulimit -t "$2" || exit 126; shift 2; exec nice -n 10 "$@"';
    return new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', OMP_THREAD_LIMIT: '1' };
      if (process.env.TESSDATA_PREFIX) env.TESSDATA_PREFIX = process.env.TESSDATA_PREFIX;
      const child = spawn('/bin/sh', ['-c', script, 'portal-ocr', String(memoryKb), String(cpuSeconds), command, ...args], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      });
      const pid = child.pid;
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let stderr = '';
      let timedOut = false;
      let truncated = false;
      const maxBytes = OCR_MAX_PAGE_CHARS * 4;
      if (pid !== undefined) {
        this.children.add(pid);
        this.emit('process-start', { pid, command: path.basename(command), processes: this.children.size });
      }
      const watchdog = setTimeout(() => {
        timedOut = true;
        if (pid !== undefined) killGroup(pid);
      }, limits.timeoutMs);
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        if (pid !== undefined) killGroup(pid);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Stopped before it started (between two programs of a page): it does not run.
      if (signal?.aborted) onAbort();
      child.stdout.on('data', (chunk: Buffer) => {
        if (stdoutBytes + chunk.length > maxBytes) {
          truncated = true;
          stdout.push(chunk.subarray(0, Math.max(0, maxBytes - stdoutBytes)));
          stdoutBytes = maxBytes;
          if (pid !== undefined) killGroup(pid);
          return;
        }
        stdout.push(chunk);
        stdoutBytes += chunk.length;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 8192) stderr += chunk.toString('utf8');
      });
      let finished = false;
      const finish = (code: number | null, sig: NodeJS.Signals | null, spawnError?: Error) => {
        if (finished) return;
        finished = true;
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', onAbort);
        if (pid !== undefined) {
          // Whatever the program left behind in its group goes with it.
          killGroup(pid);
          this.children.delete(pid);
          this.emit('process-end', { pid, command: path.basename(command), processes: this.children.size });
        }
        resolve({
          code,
          signal: sig,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: spawnError ? spawnError.message : stderr,
          timedOut,
          truncated,
          aborted,
          // sh answers 127 when it cannot find the program, 126 when it cannot run it (127 is also
          // the dynamic loader's answer when the memory limit stops it: that is not "missing").
          missing:
            Boolean(spawnError) ||
            ((code === 127 || code === 126) && /not found|No such file|Permission denied|cannot execute/i.test(stderr) && !/error while loading shared libraries/i.test(stderr)),
        });
      };
      child.once('error', (error) => finish(null, null, error));
      child.once('close', (code, sig) => finish(code, sig));
    });
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !/^Estimating resolution|^Warning\. Invalid resolution|^Detected \d+ diacritics/.test(l))
      ?.slice(0, 200) ?? ''
  );
}
