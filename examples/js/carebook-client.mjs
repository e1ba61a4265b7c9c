// A small client of Carebook's sync API (docs/records.md): log in, find one record in the change
// feed, push an edited record. Only Node's own modules and @automerge/automerge.

import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import * as Automerge from "@automerge/automerge";

/** An error answer of the server: `{code, ja, en, message}` (and `problems` for invalid input):
 * `ja` and `en` are the message in Japanese and in English, `message` both in one string (what
 * older servers send alone). */
export class ServerError extends Error {
  constructor(status, body) {
    super(`${body.code ?? status}: ${body.message ?? ""}`);
    this.status = status;
    this.code = body.code;
    this.body = body;
  }
}

/** The server refused a pushed record: the code (`invalid`, `schema_mismatch`, `forbidden`, …) and the reason. */
export class Refused extends Error {
  constructor(result) {
    super(`${result.code}: ${result.reason}`);
    this.code = result.code;
    this.reason = result.reason;
  }
}

async function call(server, path, { token, json, method = "GET" } = {}) {
  const headers = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    // The server takes gzip bodies (Content-Encoding) and answers gzip when asked; Node's
    // fetch asks (Accept-Encoding) and inflates the answer by itself.
    body = gzipSync(Buffer.from(JSON.stringify(json)));
    headers["content-type"] = "application/json";
    headers["content-encoding"] = "gzip";
  }
  const res = await fetch(new URL(path, server), { method, headers, body });
  const text = await res.text();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = { code: String(res.status), message: text.slice(0, 200) };
  }
  if (!res.ok) throw new ServerError(res.status, answer);
  return answer;
}

/**
 * Logs in as a device of its own (each login is a device on the server, listed by
 * `carebook server device list`). Returns `{token, device_id, expires_at, user}`.
 */
export async function login(server, username, password, deviceName = "JavaScript (examples/js)") {
  return call(server, "/api/v1/login", { method: "POST", json: { username, password, device_name: deviceName } });
}

/** SHA-256 over the sorted, distinct child ids, each followed by a newline, in lowercase hex. */
export function bucketsDigest(childIds) {
  const h = createHash("sha256");
  for (const id of [...new Set(childIds)].sort()) h.update(`${id}\n`);
  return h.digest("hex");
}

/**
 * Walks the change feed from the start until it finds the record `id`: `{id, kind, child_id,
 * seq, bytes}` (bytes as a Uint8Array), or null. The feed answers a device only when it names
 * the children it may read (their digest); the first answer tells which they are.
 */
export async function fetchRecord(server, token, id) {
  let since = 0;
  let digest = bucketsDigest([]);
  for (;;) {
    const page = await call(server, `/api/v1/changes?since=${since}&buckets=${digest}`, { token });
    if (page.buckets) {
      const next = bucketsDigest(page.buckets);
      if (next === digest) throw new Error("the server keeps answering buckets for the same set");
      digest = next;
      continue;
    }
    const doc = page.documents.find((d) => d.id === id);
    if (doc) return { ...doc, bytes: new Uint8Array(Buffer.from(doc.bytes, "base64")) };
    if (!page.more) return null;
    since = page.cursor;
  }
}

/**
 * Pushes a record's whole document (the server merges it with its copy). Resolves to the
 * record's new sequence number; throws `Refused` when the server will not take it (it keeps a
 * copy in its quarantine for the office) and `ServerError` for an error answer.
 */
export async function pushRecord(server, token, kind, id, doc) {
  const bytes = Buffer.from(Automerge.save(doc)).toString("base64");
  const { results } = await call(server, "/api/v1/push", { method: "POST", token, json: { documents: [{ id, kind, bytes }] } });
  const result = results[0];
  if (result.outcome !== "accepted") throw new Refused(result);
  return result.seq;
}
