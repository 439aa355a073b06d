// What the admin area's route files share (built once in routes/admin.ts): the page renderer with
// the operators' layout, the guard that signs in and checks roles, CSRF, and the audit log.
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type Role, type SessionRow } from '../../store/index.ts';
import { type PageOptions } from '../render.ts';

export type Body = Record<string, unknown>;

export interface AdminArea {
  /** Renders an admin page (no-store, noindex, the operators' navigation for the session's role). */
  page(
    request: FastifyRequest,
    reply: FastifyReply,
    lang: string,
    session: SessionRow | undefined,
    template: string,
    data: Record<string, unknown>,
    options: Omit<PageOptions, 'path'> & { section?: string },
  ): Promise<FastifyReply>;
  /** The signed-in user with one of the roles, or an answer (login redirect, 403) already sent. */
  guard(request: FastifyRequest, reply: FastifyReply, roles?: Role[]): Promise<{ session: SessionRow; lang: string } | undefined>;
  csrfOk(session: SessionRow, body: Body): boolean;
  refuseCsrf(request: FastifyRequest, reply: FastifyReply, lang: string, session: SessionRow): Promise<FastifyReply>;
  audit(session: SessionRow, action: string, target: string | null, detail?: unknown): void;
}

/** A form field as one string ('' when absent or not a string). */
export const field = (body: Body, name: string): string => {
  const value = body[name];
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
};
