/** The readers' API (/api/v1), typed with the server's own JSON shapes. */
import type {
  CountsResponse,
  ErrorResponse,
  FormTokenResponse,
  OwnCommentsResponse,
  PostCommentResponse,
  PreviewResponse,
  PublicComment,
  PublicStatus,
  SessionResponse,
  ThreadResponse,
} from '../../src/http/readers/dto.js';

export type { CountsResponse, FormTokenResponse, PostCommentResponse, PublicComment, PublicStatus, SessionResponse, ThreadResponse };

export interface ThreadSelector {
  url?: string;
  threadId?: string;
}

export type Sort = 'oldest' | 'newest';

export interface PostInput extends ThreadSelector {
  /** Absent for a signed-in commenter (the session names them). */
  name?: string;
  email?: string;
  website?: string;
  body: string;
  parentId?: string;
  formToken?: string;
  commenterToken?: string;
  /** Random per comment, the same on a retry: a retry whose first answer was lost gets the original comment back. */
  idempotencyKey?: string;
  /** Mail replies to this comment (double opt-in); `lang` words those mails. */
  notifyReplies?: boolean;
  lang?: string;
  [honeypot: string]: string | boolean | undefined;
}

/** An answer from the server that is not a success; `fields` names each bad field with its code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly fields: Record<string, string>,
  ) {
    super(code);
  }
}

/** The request never got an answer (offline, DNS, CORS refusal, server down). */
export class NetworkError extends Error {}

export const PAGE_SIZE = 30;

export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.append(k, String(v));
  return q.toString();
}

/** One JSON call to the API at `base`; `token`: an edit token or a commenter session (Authorization: Bearer). */
export function createCall(base: string) {
  return async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: 'omit',
        mode: 'cors',
      });
    } catch {
      throw new NetworkError();
    }
    if (res.status === 204) return undefined as T;
    const data = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const err = (data as ErrorResponse | null)?.error;
      throw new ApiError(res.status, err?.code ?? 'http_error', err?.fields ?? {});
    }
    return data as T;
  };
}

export function createApi(base: string) {
  const call = createCall(base);
  return {
    thread: (sel: ThreadSelector, sort: Sort, cursor?: string | null) =>
      call<ThreadResponse>('GET', `/threads?${query({ ...sel, sort, limit: PAGE_SIZE, cursor })}`),
    formToken: (sel: ThreadSelector) => call<FormTokenResponse>('GET', `/form-token?${query({ ...sel })}`),
    post: (input: PostInput, session?: string) => call<PostCommentResponse>('POST', '/comments', input, session),
    sso: (token: string) => call<SessionResponse>('POST', '/sso/session', { token }),
    signOut: (session: string) => call<void>('DELETE', '/me/session', undefined, session),
    mine: (comments: { id: string; editToken: string }[]) => call<OwnCommentsResponse>('POST', '/comments/mine', { comments }),
    edit: (id: string, token: string, body: string) =>
      call<{ comment: PublicComment; status: PublicStatus }>('PATCH', `/comments/${encodeURIComponent(id)}`, { body }, token),
    preview: (body: string) => call<PreviewResponse>('POST', '/preview', { body }),
    remove: (id: string, token: string) => call<void>('DELETE', `/comments/${encodeURIComponent(id)}`, undefined, token),
  };
}

export type Api = ReturnType<typeof createApi>;
