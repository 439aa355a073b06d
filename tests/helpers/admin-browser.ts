// An operator's browser for app.inject: a cookie jar, forms with their CSRF tokens, sign-in.
import { load } from 'cheerio';
import { BROWSER, type TestApp } from './app.ts';

export const PASSWORD = 'a long enough password';

export class Browser {
  cookie = '';
  constructor(
    private readonly bed: TestApp,
    private readonly ip = '10.5.5.5',
  ) {}

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>, multipart?: { payload: Buffer; contentType: string }) {
    const response = await this.bed.app.inject({
      method,
      url,
      headers: { ...BROWSER, cookie: this.cookie, ...(multipart ? { 'content-type': multipart.contentType } : form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      payload: multipart ? multipart.payload : form ? new URLSearchParams(form).toString() : undefined,
      remoteAddress: this.ip,
    });
    const set = response.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=');
      const jar = new Map(this.cookie ? this.cookie.split('; ').map((c) => c.split('=') as [string, string]) : []);
      if (value) jar.set(name!, value);
      else jar.delete(name!);
      this.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    return { status: response.statusCode, headers: response.headers, body: response.body, $: load(response.body) };
  }

  get(url: string) {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string>) {
    return this.request('POST', url, form);
  }

  /** A multipart form as a browser sends it: the fields in order, then the file (if any). */
  upload(url: string, fields: Record<string, string>, file?: { name: string; type?: string; bytes: Buffer }) {
    return this.request('POST', url, undefined, multipartBody(fields, file));
  }

  async login(name: string, password = PASSWORD) {
    const page = await this.get('/admin/login');
    return this.post('/admin/login', { csrf: page.$('input[name=csrf]').val() as string, name, password, next: '' });
  }

  /** The CSRF token of the current admin page. */
  async token(url = '/admin/suggestions') {
    return (await this.get(url)).$('input[name=csrf]').first().val() as string;
  }
}

/** A multipart/form-data body: the fields in the given order, then the file part. */
export function multipartBody(fields: Record<string, string>, file?: { name: string; type?: string; bytes: Buffer; field?: string }): { payload: Buffer; contentType: string } {
  const boundary = `----portal-test-${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/pdf'}\r\n\r\n`));
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
