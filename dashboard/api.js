// The service's API as the dashboard uses it: every request carries the bearer token, taken from
// the page's #token=… (never sent to the server in a URL) and kept for this tab only.

const KEY = 'switchyard-token';

/** Takes a `token=` out of the location hash into session storage; the token, if any. */
export function token() {
  const match = /(?:^#|[&?])token=([^&]+)/u.exec(location.hash);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    location.hash = location.hash.replace(/[&?]?token=[^&]+/u, '') || '#/runs';
  }
  return sessionStorage.getItem(KEY) ?? undefined;
}

function headers(extra = {}) {
  const t = token();
  return t ? { ...extra, authorization: `Bearer ${t}` } : extra;
}

/** A coded error from the service, as the page shows it. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'HTTP_ERROR';
  }
}

async function answer(res) {
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export const get = async (path) => answer(await fetch(path, { headers: headers() }));

export const post = async (path, body = {}) =>
  answer(
    await fetch(path, {
      method: 'POST',
      headers: headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    }),
  );

/**
 * Follows a run's Server-Sent Events with fetch (EventSource cannot send the token), calling
 * `onEvent(name, data)` for each; resolves when the server ends the stream, or `signal` aborts.
 */
export async function follow(path, onEvent, signal) {
  const res = await fetch(path, { headers: headers(), signal });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => undefined));
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, cut);
      buffered = buffered.slice(cut + 2);
      if (block.startsWith(':')) continue;
      const field = (name) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      onEvent(field('event') ?? 'message', JSON.parse(field('data') ?? 'null'));
    }
  }
}
