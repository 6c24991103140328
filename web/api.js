// The page's API: Connect JSON calls on the daemon's own services (the same
// ones the CLI uses), with the session cookie and its CSRF token.
let csrf = "";

export function setCsrf(token) { csrf = token; }

export class ApiError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

// A unary call: POST /<service>/<method> with a JSON body.
export async function call(path, body = {}) {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) throw new ApiError(data.code || "unknown", data.message || res.statusText);
  return data;
}

// A Connect server stream (application/connect+json): each message is
// handed to onMessage; resolves when the stream ends.
export async function stream(path, body, onMessage, signal) {
  const json = new TextEncoder().encode(JSON.stringify(body));
  const req = new Uint8Array(5 + json.length);
  new DataView(req.buffer).setUint32(1, json.length);
  req.set(json, 5);
  const res = await fetch(path, {
    method: "POST", credentials: "same-origin", signal,
    headers: { "content-type": "application/connect+json", "x-csrf-token": csrf },
    body: req,
  });
  if (!res.ok) throw new ApiError("unavailable", res.statusText);
  const reader = res.body.getReader();
  let buf = new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    const joined = new Uint8Array(buf.length + value.length);
    joined.set(buf); joined.set(value, buf.length); buf = joined;
    while (buf.length >= 5) {
      const flags = buf[0];
      const len = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
      if (buf.length < 5 + len) break;
      const msg = JSON.parse(new TextDecoder().decode(buf.subarray(5, 5 + len)));
      buf = buf.slice(5 + len);
      if (flags & 2) {
        if (msg.error) throw new ApiError(msg.error.code, msg.error.message);
        return;
      }
      onMessage(msg);
    }
  }
}

export const Admin = (m, b) => call(`/brs.admin.v1.Admin/${m}`, b);
export const Web = (m, b) => call(`/brs.web.v1.Web/${m}`, b);
