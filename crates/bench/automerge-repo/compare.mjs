// The automerge-repo side of Carebook's sync comparison (crates/bench, `sync-bench --compare`).
//
// The Rust bench writes the same documents Carebook syncs (one automerge file per record) and
// drives this script as three processes, so the server's memory is its own and the bench's
// counting TCP proxy sits between client and server, exactly as it does for Carebook:
//
//   node compare.mjs prepare <docs-dir> <store-dir> <ids-file>
//       stores every <docs-dir>/*.am in NodeFS storage as the server's documents, writes the ids.
//   node compare.mjs serve <store-dir>
//       a sync server: Repo + NodeFS storage + WebSocket server adapter on 127.0.0.1:0.
//       Prints "LISTENING <port>". On stdin, "change <documentId>" changes that document (as if
//       another client had) and answers "CHANGED <heads json>". Exits when stdin closes.
//   node compare.mjs client <ws-url> <ids-file> <store-dir> [<documentId> <heads json>]
//       a client Repo on NodeFS storage: finds every id and waits until each handle is ready
//       (and, given a document and heads, until that document has them), then flushes. At most
//       256 finds are in flight at a time (see WINDOW).
//       Prints one JSON line with the times in milliseconds.

import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";

import { generateAutomergeUrl, parseAutomergeUrl, Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter, WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";

const [, , command, ...args] = process.argv;
const WINDOW = 256;

function vmHwmKb() {
  const status = readFileSync("/proc/self/status", "utf8");
  const m = status.match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) : 0;
}

async function prepare(docsDir, storeDir, idsFile) {
  // Writes each document into the server's NodeFS storage as automerge-repo itself stores a
  // snapshot ([documentId, "snapshot", key] → the document's bytes), under a new document id.
  // (Going through `repo.import` + `flush` does the same but takes many minutes for 10,000.)
  const started = performance.now();
  const storage = new NodeFSStorageAdapter(storeDir);
  const files = readdirSync(docsDir).filter((f) => f.endsWith(".am")).sort();
  const ids = [];
  let bytes = 0;
  for (const f of files) {
    const binary = new Uint8Array(readFileSync(join(docsDir, f)));
    bytes += binary.length;
    const { documentId } = parseAutomergeUrl(generateAutomergeUrl());
    await storage.save([documentId, "snapshot", "seed"], binary);
    ids.push(documentId);
  }
  writeFileSync(idsFile, JSON.stringify(ids));
  console.log(JSON.stringify({ imported: ids.length, bytes, ms: performance.now() - started }));
}

async function serve(storeDir) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.once("listening", resolve));
  const repo = new Repo({
    network: [new WebSocketServerAdapter(wss)],
    storage: new NodeFSStorageAdapter(storeDir),
    // A sync server answers what clients ask for and announces nothing.
    sharePolicy: async () => false,
  });
  console.log(`LISTENING ${wss.address().port}`);
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [cmd, id] = line.trim().split(/\s+/);
    if (cmd === "change") {
      const handle = await repo.find(id);
      handle.change((d) => {
        d.place = "祖父母宅";
      });
      await repo.flush([handle.documentId]);
      console.log(`CHANGED ${JSON.stringify(handle.heads())}`);
    } else if (cmd === "memory") {
      console.log(`MEMORY ${vmHwmKb()}`);
    }
  }
  await repo.shutdown();
  wss.close();
  process.exit(0);
}

async function client(url, idsFile, storeDir, changedId, headsJson) {
  const ids = JSON.parse(readFileSync(idsFile, "utf8"));
  const started = performance.now();
  const repo = new Repo({ network: [new WebSocketClientAdapter(url)], storage: new NodeFSStorageAdapter(storeDir) });
  // At most WINDOW finds in flight: each handle gives up after 60 s (automerge-repo's
  // timeoutDelay), which thousands of requests queued at once on one server overrun.
  const handles = new Array(ids.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < ids.length) {
      const i = nextIndex++;
      handles[i] = await repo.find(ids[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WINDOW, ids.length) }, worker));
  const ready = performance.now() - started;
  let changed = null;
  if (changedId) {
    const want = JSON.parse(headsJson);
    const handle = handles.find((h) => h.documentId === changedId);
    const has = () => want.every((h) => handle.heads().includes(h));
    if (!has()) {
      await new Promise((resolve) => {
        const check = () => {
          if (has()) {
            handle.off("change", check);
            resolve();
          }
        };
        handle.on("change", check);
        check();
      });
    }
    changed = performance.now() - started;
  }
  await repo.flush();
  const flushed = performance.now() - started;
  const docs = handles.filter((h) => h.isReady()).length;
  console.log(JSON.stringify({ docs, ready_ms: ready, changed_ms: changed, flushed_ms: flushed, client_hwm_kb: vmHwmKb() }));
  await repo.shutdown();
  process.exit(0);
}

switch (command) {
  case "prepare":
    await prepare(args[0], args[1], args[2]);
    break;
  case "serve":
    await serve(args[0]);
    break;
  case "client":
    await client(args[0], args[1], args[2], args[3], args[4]);
    break;
  default:
    console.error("usage: node compare.mjs prepare|serve|client … (see the top of this file)");
    process.exit(2);
}
