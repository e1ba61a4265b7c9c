// The fake backend's municipality settings: a test double, not the app's rules. Fictional
// built-in settings for the children's two municipalities, and a rule book holding one published
// version (港区 from 2026-10-01: the cap 120 h → 144 h, the doctor's fee 3,000 → 3,300 yen).
// Publishing needs the server (offline → `offline`), an office or admin (`forbidden`), and a
// date from the fake's today on (`invalid` on `effective_from`); a version already in force
// cannot be replaced; the settings' own checks give problems on `rules.*`.
// The station ST-MIHON has a list of canned phrases (定型文) from 2026-04-01; only an office of
// that station (or an admin) publishes one (`forbidden` otherwise), and the list's checks give
// problems on `phrases.items[i].*`, as the domain's do.
import type { MunicipalityRules, PhraseList, Problem, RuleBook, RuleVersion, Visit } from "../../src/bindings";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { NOW } from "./people";

/** Built-in settings (fictional numbers). */
export const BUILTIN: Record<string, MunicipalityRules> = {
  "13103": {
    code: "13103",
    name_ja: "港区",
    name_en: "Minato",
    annual_cap_minutes: 7200,
    unit_minutes: 30,
    min_use_minutes: 120,
    max_use_minutes: 240,
    pro_rating: { kind: "proportional_months" },
    rate_per_unit_yen: { public_assistance: 1500, tax_exempt: 1500, taxed: 1200 },
    doctor_instruction_fee_yen: 3000,
    tokyo_share_percent: 50,
    daytime_bands: [{ from_minutes: 480, to_minutes: 540, yen: 30000 }],
    daytime_user_charge: { public_assistance: { kind: "per_day", yen: 0 }, tax_exempt: { kind: "per_day", yen: 0 }, taxed: { kind: "percent", percent: 10 } },
    daytime_tokyo_share_percent: 100,
  },
  "13105": {
    code: "13105",
    name_ja: "文京区",
    name_en: "Bunkyo",
    annual_cap_minutes: 17280,
    unit_minutes: 30,
    min_use_minutes: 120,
    max_use_minutes: 240,
    pro_rating: { kind: "none" },
    rate_per_unit_yen: {},
    doctor_instruction_fee_yen: 3000,
    tokyo_share_percent: 50,
    daytime_bands: [{ from_minutes: 480, to_minutes: 540, yen: 30000 }],
    daytime_user_charge: { public_assistance: { kind: "per_day", yen: 0 }, tax_exempt: { kind: "per_day", yen: 0 }, taxed: { kind: "percent", percent: 10 } },
    daytime_tokyo_share_percent: 100,
  },
};

/** 2026-09-15 10:00 JST, when 見本 事務 published the one version. */
const PUBLISHED_AT = Date.parse("2026-09-15T10:00:00+09:00") / 1000;

function baseBook(): RuleBook {
  return {
    versions: [
      {
        key: "13103",
        effective_from: "2026-10-01",
        rules: { ...BUILTIN["13103"], annual_cap_minutes: 8640, doctor_instruction_fee_yen: 3300 },
        template: null,
        author: "見本 事務",
        recorded_at: PUBLISHED_AT,
      },
      {
        key: "ST-MIHON",
        effective_from: "2026-04-01",
        rules: null,
        template: null,
        phrases: {
          station_id: "ST-MIHON",
          items: [
            { text: "本人の機嫌良好。", places: ["s", "o"], category: "全身状態" },
            { text: "吸引時、白色痰少量あり。", places: ["o", "care"], category: "吸引" },
            { text: "胃ろう周囲の発赤なし。", places: ["o", "care"], category: "胃ろう" },
            { text: "次回も同様に観察を続ける。", places: ["p"], category: "" },
          ],
        },
        author: "見本 事務",
        recorded_at: PUBLISHED_AT,
      },
    ],
  };
}

/** A station's phrases in force on a date (the latest version from on or before it). */
function phrasesOn(b: FakeBackend, station: string, on: string): PhraseList {
  const v = book(b)
    .versions.filter((x) => x.key === station && x.phrases && x.effective_from <= on)
    .sort((x, y) => (x.effective_from < y.effective_from ? 1 : x.effective_from > y.effective_from ? -1 : y.recorded_at - x.recorded_at))[0];
  return structuredClone(v?.phrases ?? { station_id: station, items: [] });
}

/** Roughly the domain's checks of a phrase list, on `phrases.*`. */
function checkPhrases(l: PhraseList): Problem[] {
  const p: Problem[] = [];
  if (l.items.length > 200) p.push({ field: "phrases.items", code: "too_many", ja: `定型文は200件までです（${l.items.length}件）`, en: `at most 200 phrases, got ${l.items.length}` });
  l.items.forEach((it, i) => {
    const f = `phrases.items[${i}]`;
    const text = it.text.trim();
    if (!text) p.push({ field: `${f}.text`, code: "required", ja: "定型文を入力してください", en: "the phrase is empty" });
    else if (l.items.slice(0, i).some((o) => o.text.trim() === text))
      p.push({ field: `${f}.text`, code: "duplicate", ja: `定型文「${text}」が重複しています`, en: `the phrase "${text}" appears twice` });
    if ([...it.text].length > 200) p.push({ field: `${f}.text`, code: "too_long", ja: `200文字以内で入力してください（${[...it.text].length}文字）`, en: `at most 200 characters, got ${[...it.text].length}` });
    if (!it.places.length) p.push({ field: `${f}.places`, code: "required", ja: "使う欄（S・O・A・P・ケアのメモ）を1つ以上選んでください", en: "choose at least one place (s, o, a, p, care)" });
    if ([...it.category].length > 20) p.push({ field: `${f}.category`, code: "too_long", ja: "20文字以内で入力してください", en: "at most 20 characters" });
  });
  return p;
}

function book(b: FakeBackend): RuleBook {
  const d = b.s.data as { rules?: RuleBook };
  if (!d.rules) d.rules = baseBook();
  return d.rules;
}

function rulesOn(b: FakeBackend, code: string, on: string): MunicipalityRules {
  const v = book(b)
    .versions.filter((x) => x.key === code && x.rules && x.effective_from <= on)
    .sort((x, y) => (x.effective_from < y.effective_from ? 1 : -1))[0];
  if (v?.rules) return v.rules;
  const builtin = BUILTIN[code];
  if (!builtin) fail("not_found", `区市町村 ${code} の設定がありません`, `no settings for municipality ${code}`);
  return builtin;
}

/** Roughly the domain's checks of a municipality's settings, on `rules.*`. */
function check(r: MunicipalityRules): Problem[] {
  const p: Problem[] = [];
  if (!r.unit_minutes || r.min_use_minutes % r.unit_minutes || r.max_use_minutes % r.unit_minutes)
    p.push({ field: "rules.unit_minutes", code: "unit", ja: "利用時間の上下限が単位の倍数ではありません", en: `min and max use must be multiples of the unit ${r.unit_minutes} min` });
  if (r.min_use_minutes > r.max_use_minutes)
    p.push({ field: "rules.min_use_minutes", code: "use_range", ja: "最短利用時間が最長利用時間を超えています", en: `shortest use ${r.min_use_minutes} min is longer than the longest ${r.max_use_minutes} min` });
  return p;
}

export const rulesCommands: Handlers = {
  // The book as last synced: on the device, so it reads offline too.
  rule_book: (b) => structuredClone(book(b)),
  municipality_rules: (b, a) => structuredClone(rulesOn(b, a.code, a.on)),
  visit_phrases: (b, a) => {
    const v: Visit = a.visit;
    const on = (v.actual_start ?? v.scheduled_start ?? b.s.today.date).slice(0, 10);
    return phrasesOn(b, v.station.id, on);
  },
  station_phrases: (b, a) => {
    const user = b.s.user;
    if (!user) fail("not_logged_in", "ログインしていません", "not logged in");
    return phrasesOn(b, user.org_id, a.on ?? b.s.today.date);
  },
  publish_rule_version: (b, a) => {
    if (!b.s.sync.online) fail("offline", "サーバーに接続できません。設定の公開には接続が必要です", "cannot reach the server; publishing settings needs a connection");
    const user = b.s.user;
    if (!user || (user.role !== "office" && user.role !== "admin"))
      fail("forbidden", "区市町村の設定とひな形は事務担当と管理者が変更します", "only office staff and administrators change municipality settings and templates");
    const v: RuleVersion = a.version;
    const today = b.s.today.date;
    if (v.phrases && user.role === "office" && v.key !== user.org_id)
      fail("forbidden", "他の事業所の定型文は変更できません。自分の事業所の定型文だけを変更できます", "an office changes its own station's canned phrases only, not another station's");
    const problems = v.rules
      ? check(v.rules)
      : v.phrases
        ? checkPhrases(v.phrases)
        : [{ field: "rules", code: "one_of", ja: "区市町村の設定・ひな形・定型文のどれか1つを指定してください", en: "give exactly one of rules, template and phrases" }];
    if (v.effective_from < today && user.role !== "admin")
      problems.push({
        field: "effective_from",
        code: "in_the_past",
        ja: `適用開始日は今日（${today}）以降にしてください。記録済みの訪問の設定は変わりません`,
        en: `the version must apply from today (${today}) or later: visits already recorded keep their settings`,
      });
    if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
    const versions = book(b).versions;
    const same = versions.findIndex((x) => x.key === v.key && x.effective_from === v.effective_from && !!x.rules === !!v.rules && !!x.phrases === !!v.phrases);
    if (same >= 0 && v.effective_from <= today)
      fail("invalid", "入力内容に問題があります", "the input is invalid", [
        {
          field: "effective_from",
          code: "in_force",
          ja: `${v.effective_from} からの版はすでに適用中です。後の日付から新しい版を作ってください`,
          en: `the version from ${v.effective_from} is already in force: publish a new one from a later date`,
        },
      ]);
    const published: RuleVersion = { ...structuredClone(v), author: user.name || user.username, recorded_at: NOW };
    if (same >= 0) versions.splice(same, 1, published);
    else versions.push(published);
    return structuredClone(published);
  },
};
