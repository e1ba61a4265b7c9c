// The fake backend's people commands (an office managing its station's accounts): a test double,
// not the server's rules. Fictional people (見本, 架空). Like the real commands they need the
// server, so they fail with `offline` when the scenario is offline. Refusals: `forbidden` (acting
// on oneself, making an administrator), `not_found`, `username_taken`, `invalid` (name, kana).
import type { NewPerson, OneTimePassword, PersonDetail, Problem } from "../../src/bindings";
import { fail, type Handlers, type FakeBackend } from "./backend";

/** 2026-11-24T10:00 JST, the scenario's "now", in Unix seconds. */
export const NOW = Date.parse("2026-11-24T10:00:00+09:00") / 1000;
const DAY = 86400;

function basePeople(): PersonDetail[] {
  const person = (p: Partial<PersonDetail> & Pick<PersonDetail, "id" | "username" | "name" | "kana" | "role">): PersonDetail => ({
    profession: null,
    org_id: "ST-MIHON",
    disabled_at: null,
    one_time_until: null,
    devices: [],
    children: [],
    created_at: NOW - 200 * DAY,
    ...p,
  });
  return [
    person({
      id: "u-nurse",
      username: "mihon-kango",
      name: "見本 看護師",
      kana: "みほん かんごし",
      role: "nurse",
      profession: "nurse",
      devices: [
        { id: "d-tab-01", name: "見本タブレット1", last_seen: NOW - 3600, revoked_at: null },
        { id: "d-tab-02", name: "見本タブレット2", last_seen: NOW - 5 * DAY, revoked_at: null },
      ],
    }),
    person({ id: "u-mihon-natsu", username: "mihon-natsu", name: "見本 夏子", kana: "みほん なつこ", role: "nurse", profession: "associate_nurse", one_time_until: NOW + 6 * DAY }),
    person({ id: "u-parent", username: "mihon-hogosha", name: "見本 保護者", kana: "みほん ほごしゃ", role: "parent", devices: [{ id: "d-phone-01", name: "見本スマホ", last_seen: NOW - DAY, revoked_at: null }] }),
    person({ id: "u-office", username: "mihon-jimu", name: "見本 事務", kana: "みほん じむ", role: "office", devices: [{ id: "d-office-01", name: "事務所PC", last_seen: NOW - 60, revoked_at: null }] }),
    person({ id: "u-kakuu-old", username: "kakuu-taishoku", name: "架空 退職", kana: "かくう たいしょく", role: "nurse", profession: "nurse", disabled_at: NOW - 30 * DAY }),
  ];
}

type PeopleData = { people: PersonDetail[]; issued: number };

function data(b: FakeBackend): PeopleData {
  const d = b.s.data as { people?: PeopleData };
  if (!d.people) d.people = { people: basePeople(), issued: 0 };
  return d.people;
}

function online(b: FakeBackend) {
  if (!b.s.sync.online) fail("offline", "サーバーに接続できません。職員の管理には接続が必要です", "cannot reach the server; managing people needs a connection");
}

function find(b: FakeBackend, username: string): PersonDetail {
  const p = data(b).people.find((x) => x.username === username);
  if (!p) fail("not_found", `アカウント ${username} が見つかりません`, `no account ${username}`);
  return p;
}

function notSelf(b: FakeBackend, username: string) {
  if (b.s.user?.username === username) fail("forbidden", "自分自身のアカウントは変更できません", "an office cannot act on its own account");
}

function checkNames(name: string | null, kana: string | null): Problem[] {
  const p: Problem[] = [];
  if (name !== null && !name.trim()) p.push({ field: "name", code: "required", ja: "名前を入れてください", en: "a name is needed" });
  if (kana !== null && !/^[\u3041-\u309f\u30a0-\u30ff\s\u3000ー]+$/.test(kana.trim()))
    p.push({ field: "kana", code: "kana", ja: `よみがなはひらがなかカタカナで入れてください（${kana}）`, en: `the reading must be in kana (${kana})` });
  return p;
}

function issue(b: FakeBackend, p: PersonDetail): OneTimePassword {
  const d = data(b);
  d.issued += 1;
  const expires_at = NOW + 7 * DAY;
  p.one_time_until = expires_at;
  return { username: p.username, password: `KARI-${String(d.issued).padStart(4, "0")}-MIHON`, expires_at };
}

export const peopleCommands: Handlers = {
  people: (b) => {
    online(b);
    // A copy, as the wire gives: the screen must not share the fake's objects.
    return structuredClone(data(b).people);
  },
  add_person: (b, a) => {
    online(b);
    const np: NewPerson = a.person;
    if (np.role === "admin") fail("forbidden", "管理者のアカウントは事務からは作れません", "an office cannot make administrators");
    const problems = checkNames(np.name, np.kana);
    if (!np.username.trim()) problems.unshift({ field: "username", code: "required", ja: "アカウント名を入れてください", en: "an account name is needed" });
    if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
    if (data(b).people.some((x) => x.username === np.username)) fail("username_taken", `アカウント名 ${np.username} はすでに使われています`, `the account name ${np.username} is taken`);
    const person: PersonDetail = {
      id: `u-${np.username}`,
      username: np.username,
      name: np.name.trim(),
      kana: np.kana.trim(),
      role: np.role,
      profession: np.profession,
      org_id: np.org_id ?? b.s.user?.org_id ?? "ST-MIHON",
      disabled_at: null,
      one_time_until: null,
      devices: [],
      children: [],
      created_at: NOW,
    };
    const one_time_password = issue(b, person);
    data(b).people.push(person);
    return structuredClone({ person, one_time_password });
  },
  change_person: (b, a) => {
    online(b);
    notSelf(b, a.username);
    const p = find(b, a.username);
    const c = a.change;
    if (c.role === "admin") fail("forbidden", "管理者のアカウントは事務からは作れません", "an office cannot make administrators");
    const problems = checkNames(c.name, c.kana);
    if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
    if (c.name !== null) p.name = c.name.trim();
    if (c.kana !== null) p.kana = c.kana.trim();
    if (c.role !== null) p.role = c.role;
    if (c.profession !== null) p.profession = c.profession;
    return structuredClone(p);
  },
  disable_person: (b, a) => {
    online(b);
    notSelf(b, a.username);
    const p = find(b, a.username);
    p.disabled_at = NOW;
    let devices_revoked = 0;
    for (const dv of p.devices)
      if (dv.revoked_at === null) {
        dv.revoked_at = NOW;
        devices_revoked += 1;
      }
    return { username: p.username, devices_revoked };
  },
  enable_person: (b, a) => {
    online(b);
    notSelf(b, a.username);
    const p = find(b, a.username);
    p.disabled_at = null;
    return structuredClone(p);
  },
  reset_person_password: (b, a) => {
    online(b);
    notSelf(b, a.username);
    return issue(b, find(b, a.username));
  },
};
