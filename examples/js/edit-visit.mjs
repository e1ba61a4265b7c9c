#!/usr/bin/env node
// Edits a Carebook visit record from JavaScript: logs in, pulls the visit's automerge document,
// appends to a part of its SOAP note and sets a vital reading's pulse, and pushes it. The server
// merges the edit with whatever other devices changed meanwhile. See README.md and docs/records.md.
//
//   CAREBOOK_PASSWORD=… node edit-visit.mjs --server http://127.0.0.1:8080 --user mihon-nurse \
//     --visit VISIT_ID --append "（架空）夜はよく眠れたとのこと。" --pulse 112
//
// The password comes from CAREBOOK_PASSWORD or, without it, the first line of standard input
// (never an argument: other users of the machine can read those).
// Exit status: 0 accepted (prints {"id", "seq"}), 2 refused by the server (the code and the
// reason on standard error), 1 anything else.

import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import * as Automerge from "@automerge/automerge";
import { fetchRecord, login, pushRecord, Refused, ServerError } from "./carebook-client.mjs";

const SOAP_PARTS = ["subjective", "objective", "assessment", "plan"];

const usage = `usage: node edit-visit.mjs --server URL --user NAME --visit ID [--part ${SOAP_PARTS.join("|")}] [--append TEXT]
                          [--vital READING_ID] [--pulse N] [--pulse-as-js-number]
  --server  the server's URL (or CAREBOOK_SERVER_URL)
  --user    the account (or CAREBOOK_USER); the password from CAREBOOK_PASSWORD or standard input
  --visit   the visit's id
  --part    the SOAP part --append adds to (default subjective)
  --append  text added at the end of that part (automerge text: a splice, merged with others' typing)
  --vital   the vital reading whose pulse --pulse sets (its id; default the first reading)
  --pulse   beats per minute, written as an automerge uint (new Automerge.Uint(n))
  --pulse-as-js-number  write the pulse as a plain JS number instead (an automerge int: the
            schema refuses it; shows what the server answers)`;

function fail(message, status = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(status);
}

async function readPassword() {
  if (process.env.CAREBOOK_PASSWORD) return process.env.CAREBOOK_PASSWORD;
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) return line;
  return "";
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        server: { type: "string", default: process.env.CAREBOOK_SERVER_URL },
        user: { type: "string", default: process.env.CAREBOOK_USER },
        visit: { type: "string" },
        part: { type: "string", default: "subjective" },
        append: { type: "string" },
        vital: { type: "string" },
        pulse: { type: "string" },
        "pulse-as-js-number": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (e) {
    fail(`${e.message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (!values.server || !values.user || !values.visit) fail(usage);
  if (!SOAP_PARTS.includes(values.part)) fail(`--part: expected one of ${SOAP_PARTS.join(", ")}, got ${values.part}`);
  if (values.append === undefined && values.pulse === undefined) fail(`nothing to change: give --append, --pulse or both\n${usage}`);
  let pulse;
  if (values.pulse !== undefined) {
    pulse = Number(values.pulse);
    if (!/^[0-9]+$/.test(values.pulse) || !Number.isSafeInteger(pulse)) fail(`--pulse: expected a whole number of beats per minute, got ${values.pulse}`);
  }

  const password = await readPassword();
  const session = await login(values.server, values.user, password);
  const record = await fetchRecord(values.server, session.token, values.visit);
  if (!record) fail(`記録が見つかりません / no visit ${values.visit} that ${values.user} may read`);
  if (record.kind !== "visit") fail(`${values.visit} は訪問記録ではありません / ${values.visit} is a ${record.kind}, not a visit`);

  // Everything Carebook writes, the official automerge reads: SOAP parts are text (JS strings
  // here), ids, enums and dates are plain strings (ImmutableString), readings are uint or f64.
  const visit = Automerge.load(record.bytes);
  if (String(visit.id) !== values.visit) fail(`the document holds record ${visit.id}, not ${values.visit}`);

  let reading = -1;
  if (pulse !== undefined) {
    const vitals = visit.vitals ?? [];
    reading = values.vital === undefined ? 0 : vitals.findIndex((v) => String(v.id) === values.vital);
    if (reading < 0 || reading >= vitals.length) {
      fail(values.vital === undefined ? "この記録にはバイタルがありません / the visit has no vital readings" : `no vital reading ${values.vital} in the visit`);
    }
  }

  const edited = Automerge.change(visit, (d) => {
    if (values.append !== undefined) {
      // A splice into the text: a nurse typing into the same note on a tablet keeps her words.
      // Indexes count UTF-16 code units, as JS strings do.
      Automerge.splice(d, ["note", values.part], d.note[values.part].length, 0, values.append);
    }
    if (pulse !== undefined) {
      // The schema wants an unsigned integer. A plain JS number would be written as a signed
      // int (automerge's type for JS numbers that are whole), which the server refuses.
      d.vitals[reading].pulse = values["pulse-as-js-number"] ? pulse : new Automerge.Uint(pulse);
    }
  });

  try {
    const seq = await pushRecord(values.server, session.token, "visit", values.visit, edited);
    process.stdout.write(`${JSON.stringify({ id: values.visit, seq })}\n`);
  } catch (e) {
    if (e instanceof Refused) {
      fail(`サーバーが変更を受け付けませんでした / the server refused the edit: ${e.code}: ${e.reason}`, 2);
    }
    throw e;
  }
}

main().catch((e) => fail(`${e instanceof ServerError ? "サーバーのエラー / server error" : "エラー / error"}: ${e.message}`));
