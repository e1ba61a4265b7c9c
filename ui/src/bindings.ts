// Generated from the Rust types by `cargo test -p carebook-app` (src-tauri/src/bindings.rs).
// Do not edit: change the Rust types and run the tests again.

export type AccessRemoval = { 
/**
 * The child.
 */
child_id: string, 
/**
 * The child's name as the device had it, if it had the face sheet.
 */
child_name: string | null, 
/**
 * Records removed.
 */
records: number, 
/**
 * Of those, edits the server refused: they are in the server's quarantine, not lost.
 */
quarantined: number, 
/**
 * When (JST).
 */
at: string, 
/**
 * Why, for people (Japanese / English).
 */
reason: string, };

export type AppStatus = { 
/**
 * The account, once logged in.
 */
user: UserInfo | null, 
/**
 * The server, once logged in.
 */
server_url: string | null, 
/**
 * The server address to offer on first run.
 */
default_server_url: string | null, 
/**
 * A PIN is set on this device.
 */
pin_set: boolean, 
/**
 * The PIN has opened the app in this run (always true when no PIN is set yet).
 */
unlocked: boolean, 
/**
 * Seconds without a touch or a key after which the app locks itself
 * (`CAREBOOK_IDLE_LOCK_MINUTES`, 5 minutes unless set; 0 never).
 */
idle_lock_secs: number, 
/**
 * Today (JST) and the fiscal year.
 */
today: Today, 
/**
 * How to log in as the demo's other people (demo runs only).
 */
demo_hint: string | null, 
/**
 * The account must enrol a second factor before the app can sync (office, municipality,
 * administrator without one): the app shows the enrolment first.
 */
second_factor_enrolment_required: boolean, };

export type ApproveResult = { 
/**
 * The record.
 */
id: VisitId, 
/**
 * Why it was not approved, if so.
 */
error: ErrorBody | null, };

export type CareGiven = { 
/**
 * Merge key.
 */
id: string, 
/**
 * The item.
 */
item: CareItem, 
/**
 * How many times (suction count …).
 */
count: number | null, 
/**
 * Volume, mL (feeding).
 */
amount_ml: number | null, 
/**
 * Pump rate, mL/h.
 */
rate_ml_per_h: number | null, 
/**
 * Oxygen, L/min.
 */
oxygen_l_per_min: number | null, 
/**
 * Free text: secretions, ventilator settings and alarms …
 */
note: string, };

export type CareItem = "ventilator" | "tracheostomy" | "nasopharyngeal_airway" | "oxygen" | "suction" | "nebulizer" | "tube_feeding" | "feeding_pump" | "central_venous_catheter" | "subcutaneous_injection" | "subcutaneous_pump" | "blood_glucose" | "dialysis" | "intermittent_catheterisation" | "continuous_urinary_drainage" | "stoma" | "disimpaction" | "enema" | "seizure_care";

export type CheckEntry = { 
/**
 * Ok / problem / absent.
 */
status: CheckStatus, 
/**
 * A note (what the problem is).
 */
note: string, };

export type CheckStatus = "ok" | "problem" | "absent";

export type CheckedItem = { 
/**
 * The template's item id.
 */
id: string, 
/**
 * Its Japanese name.
 */
ja: string, 
/**
 * Its English name.
 */
en: string, 
/**
 * `None`: not checked on the record.
 */
status: CheckStatus | null, 
/**
 * The note (what the problem is).
 */
note: string, };

export type Checklist = { 
/**
 * The template it was filled from.
 */
template_id: string, 
/**
 * Item id → entry.
 */
items: { [key in string]: CheckEntry }, };

export type ChecklistTemplate = { 
/**
 * Stable id, e.g. `first_visit_equipment`.
 */
id: string, 
/**
 * Title in Japanese.
 */
title_ja: string, 
/**
 * Title in English.
 */
title_en: string, 
/**
 * The items, in display order.
 */
items: Array<TemplateItem>, };

export type Child = { 
/**
 * Id.
 */
id: ChildId, 
/**
 * Name (氏名).
 */
name: string, 
/**
 * Name in kana (ふりがな).
 */
kana: string, 
/**
 * Birth date.
 */
birth_date: Date, 
/**
 * Municipality code (5 digits), which sets the respite rules.
 */
municipality: string, 
/**
 * Household income tier (世帯区分).
 */
income_tier: IncomeTier, 
/**
 * When the child enrolled in respite, if mid-year (for pro-rating).
 */
respite_enrolled_on: Date | null, 
/**
 * Diagnosis.
 */
diagnosis: string, 
/**
 * Guardians (保護者).
 */
guardians: Array<Contact>, 
/**
 * Devices at home: 人工呼吸器, 吸引器 …
 */
devices: Array<string>, 
/**
 * Medical-care score items.
 */
score: Array<ScoreEntry>, 
/**
 * The doctor's instruction.
 */
doctor_instruction: DoctorInstruction | null, 
/**
 * Emergency contacts (doctor, family, hospital).
 */
emergency_contacts: Array<Contact>, 
/**
 * The guardian's consent to share the records with the municipality, if recorded (schema
 * version 3: absent in older documents, read as none).
 */
sharing: SharingConsent | null, 
/**
 * Changes of the household's income tier, each from a day, in day order: `income_tier` is
 * the tier before the first (schema version 4: absent in older documents, read as none).
 */
income_tier_changes: Array<TierChange>, 
/**
 * The doctor's instructions before the current one, oldest first: each was issued, and is
 * claimed, once (schema version 4: absent in older documents, read as none).
 */
past_instructions: Array<DoctorInstruction>, };

export type ChildCard = { 
/**
 * Id.
 */
id: ChildId, 
/**
 * Name.
 */
name: string, 
/**
 * Kana.
 */
kana: string, 
/**
 * Municipality code.
 */
municipality: string, 
/**
 * Medical-care score.
 */
score_total: number, 
/**
 * The doctor's instruction today.
 */
instruction_state: InstructionState, 
/**
 * Respite minutes left this fiscal year (negative past the cap).
 */
remaining_minutes: number, 
/**
 * This fiscal year's cap, minutes.
 */
cap_minutes: number, };

export type ChildChecklist = { 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * Name.
 */
child_name: string, 
/**
 * The visit it was read from; `None` when no visit of the year carries it.
 */
visit_id: VisitId | null, 
/**
 * That visit's day.
 */
date: Date | null, 
/**
 * Every item of the template, in its order.
 */
items: Array<CheckedItem>, 
/**
 * Items checked ok.
 */
ok: number, 
/**
 * Items with a problem.
 */
problem: number, 
/**
 * Items absent.
 */
absent: number, 
/**
 * Items not checked.
 */
unchecked: number, };

export type ChildClaim = { 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * Name.
 */
name: string, 
/**
 * Kana (for sorting).
 */
kana: string, 
/**
 * Claimed sessions, in time order.
 */
lines: Array<ClaimLine>, 
/**
 * Sessions of the month not claimed, in time order.
 */
unclaimed: Array<UnclaimedSession>, 
/**
 * Minutes claimed this month.
 */
month_minutes: number, 
/**
 * Minutes used in the fiscal year up to the month's end (every recorded session).
 */
year_used_minutes: number, 
/**
 * The annual cap, minutes.
 */
cap_minutes: number, 
/**
 * Cap minus used (negative past the cap).
 */
remaining_minutes: number, 
/**
 * Doctor's instructions issued this month.
 */
instructions: Array<InstructionFee>, 
/**
 * Sessions plus instruction fees.
 */
total: Fee, };

export type ChildFound = { 
/**
 * Id.
 */
id: ChildId, 
/**
 * Name.
 */
name: string, 
/**
 * Kana.
 */
kana: string, 
/**
 * Birth date.
 */
birth_date: Date, };

export type ChildId = string;

export type ChildSheet = { 
/**
 * The face sheet.
 */
child: Child, 
/**
 * The medical-care score.
 */
score: Score, 
/**
 * The doctor's instruction today (warns when expired or expiring).
 */
instruction_state: InstructionState, 
/**
 * Respite hours this fiscal year.
 */
respite: RespiteReport, 
/**
 * Age in whole years today.
 */
age_years: number, };

export type ClaimLine = { 
/**
 * The visit.
 */
visit_id: VisitId, 
/**
 * Start.
 */
start: DateTime, 
/**
 * End.
 */
end: DateTime, 
/**
 * Minutes billed.
 */
billable_minutes: number, 
/**
 * Uses.
 */
uses: number, 
/**
 * The lead nurse.
 */
lead: string, 
/**
 * The household's tier on the session's day.
 */
tier: IncomeTier, 
/**
 * Units billed (`billable_minutes` / the unit).
 */
units: number, 
/**
 * Yen per unit for the tier, from the settings in force on the day.
 */
unit_yen: number, 
/**
 * `units × unit_yen`, split.
 */
fee: Fee, };

export type Contact = { 
/**
 * Name.
 */
name: string, 
/**
 * Relation or role: 母, 父, 主治医, 訪問看護ステーション …
 */
relation: string, 
/**
 * Phone number.
 */
phone: string, };

export type CoordinatorChild = { 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * Name (from the face sheet the device holds; empty when it holds none).
 */
name: string, 
/**
 * The work of the year against the 8 hours.
 */
ledger: CoordinatorLedger, 
/**
 * The work of the year, in the ledger's order.
 */
work: Array<CoordinatorWorkRecord>, 
/**
 * The subsidy: the cost of the work within the 8 hours (work past them is not counted),
 * at most 32,000 yen, Tokyo 3/4.
 */
amount: PersonAmount, 
/**
 * The cost of the work past the 8 hours, yen (not subsidised).
 */
past_hours_cost_yen: number, };

export type CoordinatorLedger = { 
/**
 * Cap, minutes.
 */
cap_minutes: number, 
/**
 * Used, minutes.
 */
used_minutes: number, 
/**
 * Remaining, minutes (negative when passed).
 */
remaining_minutes: number, 
/**
 * Every piece of work, in day order (then id).
 */
entries: Array<CoordinatorWork>, 
/**
 * The pieces that took the child past the 8 hours: the one that crossed them and every
 * later one — flagged, never dropped. Empty when within (reaching 8 h exactly is within).
 */
over_cap: Array<number>, };

export type CoordinatorReport = { 
/**
 * The station.
 */
station: string, 
/**
 * The fiscal year.
 */
fiscal_year: FiscalYear, 
/**
 * Children with work in the year, by name.
 */
children: Array<CoordinatorChild>, 
/**
 * The meetings and trainings of the year.
 */
meetings: MeetingsYear, 
/**
 * The meetings as recorded (titles, who recorded them), by day.
 */
meeting_records: Array<RegionalMeetingRecord>, 
/**
 * The children's subsidies and the meetings', summed.
 */
total: Fee, };

export type CoordinatorWork = { 
/**
 * The work record (the server's id).
 */
id: number, 
/**
 * The day of the work.
 */
date: Date, 
/**
 * Its minutes.
 */
minutes: number, };

export type CoordinatorWorkRecord = { 
/**
 * The server's id.
 */
id: number, 
/**
 * Who recorded it (their name).
 */
by: string, 
/**
 * When (Unix seconds).
 */
at: number, 
/**
 * The coordinator's station (the child's owner).
 */
station: string, 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * The day of the work (JST).
 */
date: Date, 
/**
 * Minutes spent.
 */
minutes: number, 
/**
 * What it cost (the coordinator's pay for it), whole yen.
 */
cost_yen: number, 
/**
 * What was done.
 */
kind: WorkKind, 
/**
 * A short note (one line; no clinical detail — the records hold that).
 */
note: string, };

export type Date = string;

export type DateFilter = { "kind": "day", 
/**
 * The day.
 */
date: Date, } | { "kind": "month", 
/**
 * The month.
 */
month: YearMonth, } | { "kind": "month_day", 
/**
 * 1–12.
 */
month: number, 
/**
 * 1–31.
 */
day: number, };

export type DateTime = string;

export type DaytimeBand = { 
/**
 * Shortest continuous minutes of the band (inclusive).
 */
from_minutes: number, 
/**
 * Minutes the band ends before (exclusive); none for the last, open band.
 */
to_minutes: number | null, 
/**
 * Subsidy base amount for the day, yen.
 */
yen: number, };

export type DaytimeChildClaim = { 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * Name.
 */
name: string, 
/**
 * Kana (for sorting).
 */
kana: string, 
/**
 * The score on the face sheet (none when not entered).
 */
score: number | null, 
/**
 * Paid days, in time order.
 */
lines: Array<DaytimeLine>, 
/**
 * Records of the month not paid, in time order.
 */
unclaimed: Array<DaytimeUnclaimedDay>, 
/**
 * Sum of the lines' base amounts, yen.
 */
fee_yen: number, 
/**
 * Sum of the lines' user charges, yen.
 */
user_charge_yen: number, 
/**
 * Sum of the lines' subsidies.
 */
subsidy: Fee, };

export type DaytimeClaim = { 
/**
 * Municipality code.
 */
municipality: string, 
/**
 * Its name (Japanese).
 */
municipality_name: string, 
/**
 * Its name in English.
 */
municipality_name_en: string, 
/**
 * The month.
 */
month: YearMonth, 
/**
 * Children with a record this month, by kana.
 */
children: Array<DaytimeChildClaim>, 
/**
 * Every child's base amounts, yen.
 */
fee_yen: number, 
/**
 * Every child's user charges, yen.
 */
user_charge_yen: number, 
/**
 * Every child's subsidy.
 */
subsidy: Fee, };

export type DaytimeLine = { 
/**
 * The visit.
 */
visit_id: VisitId, 
/**
 * Start.
 */
start: DateTime, 
/**
 * End.
 */
end: DateTime, 
/**
 * Continuous minutes.
 */
minutes: number, 
/**
 * The lead.
 */
lead: string, 
/**
 * The kind of institution.
 */
provider: ProviderKind, 
/**
 * The household's tier on the day.
 */
tier: IncomeTier, 
/**
 * The band of the table in force on the day.
 */
band: DaytimeBand, 
/**
 * The band's base amount, yen.
 */
fee_yen: number, 
/**
 * The tier's user charge, yen.
 */
user_charge_yen: number, 
/**
 * `fee_yen − user_charge_yen`, split.
 */
subsidy: Fee, };

export type DaytimeUnclaimed = "not_done" | "no_provider" | "not_approved" | "refused" | "score_16_or_more" | "score_unknown" | "no_band" | "no_charge" | "same_day";

export type DaytimeUnclaimedDay = { 
/**
 * The visit.
 */
visit_id: VisitId, 
/**
 * Start.
 */
start: DateTime, 
/**
 * End, if recorded.
 */
end: DateTime | null, 
/**
 * Continuous minutes (0 without an end).
 */
minutes: number, 
/**
 * The lead.
 */
lead: string, 
/**
 * The kind of institution, if recorded.
 */
provider: ProviderKind | null, 
/**
 * Every reason, in the order of [`DaytimeUnclaimed`].
 */
reasons: Array<DaytimeUnclaimed>, };

export type DeviceBrief = { 
/**
 * Device id.
 */
id: string, 
/**
 * The name given at login.
 */
name: string, 
/**
 * Unix seconds of its last request (to the minute).
 */
last_seen: number | null, 
/**
 * Unix seconds it was revoked, if it was.
 */
revoked_at: number | null, };

export type Directory = { 
/**
 * Organisations, by id.
 */
orgs: Array<Org>, 
/**
 * People who may log in, by organisation then kana.
 */
people: Array<Person>, 
/**
 * The transfers of children from or to the account's station, oldest first (an
 * administrator's: all of them; empty from an older server).
 */
transfers: Array<Transfer>, };

export type DoctorInstruction = { 
/**
 * The doctor.
 */
doctor: string, 
/**
 * The hospital or clinic.
 */
institution: string, 
/**
 * First valid day.
 */
valid_from: Date, 
/**
 * Last valid day.
 */
valid_until: Date, };

export type ErrorBody = { 
/**
 * Stable machine-readable code: `invalid`, `not_found`, `locked`, `corrupt_record` …
 */
code: string, 
/**
 * Both languages in one string, `日本語 / English`. Kept only for older devices and apps,
 * which read it (and split it on ` / `); read `ja` and `en` instead.
 */
message: string, 
/**
 * What went wrong, in Japanese (empty in a body from a server older than the field).
 */
ja: string, 
/**
 * What went wrong, in English (empty in a body from a server older than the field).
 */
en: string, 
/**
 * Field-level problems (empty unless `code` is `invalid`).
 */
problems?: Array<Problem>, };

export type ExportFormat = "csv" | "csv_shift_jis" | "xlsx" | "pdf";

export type ExportedFile = { 
/**
 * Where it was written.
 */
path: string, 
/**
 * Its name.
 */
file_name: string, 
/**
 * Its size.
 */
bytes: number, };

export type Fee = { 
/**
 * Total, yen.
 */
total_yen: number, 
/**
 * Tokyo's share, yen (rounded down).
 */
tokyo_yen: number, 
/**
 * The municipality's share, yen (the rest).
 */
municipality_yen: number, };

export type FieldChange = { 
/**
 * Where in the record (`actual_end`, `vitals[vt1].spo2`, `note.plan`,
 * `checklist.items.ventilator`, `status` …): list entries by their merge key.
 */
field: string, 
/**
 * The field in people's words, with the entry it belongs to (`終了時刻` / `end time`).
 */
label: Message, 
/**
 * The value before (`None`: not there, or empty).
 */
old: string | null, 
/**
 * The value after (`None`: removed, or emptied).
 */
new: string | null, };

export type FiscalYear = number;

export type Grant = { 
/**
 * The station.
 */
station: string, 
/**
 * The fiscal year.
 */
fiscal_year: FiscalYear, 
/**
 * Whole yen.
 */
granted_yen: number, 
/**
 * The day of the decision.
 */
decided_on: Date, 
/**
 * A note.
 */
note: string, 
/**
 * Who recorded it last (their name).
 */
by: string, 
/**
 * When (Unix seconds).
 */
at: number, };

export type GuardianConfirmation = { "kind": "confirmed", 
/**
 * Guardian's name.
 */
name: string, 
/**
 * When.
 */
at: DateTime, 
/**
 * The drawn signature as SVG path data (may be empty).
 */
signature: string, } | { "kind": "not_confirmed", 
/**
 * Why.
 */
reason: string, };

export type Handover = { 
/**
 * The experienced station handing the child over.
 */
from_station: Station, 
/**
 * The station taking the child over.
 */
to_station: Station, 
/**
 * Topics handed over.
 */
topics: Array<HandoverTopic>, 
/**
 * Sign-off by the nurse of the station handing over.
 */
from_sign_off: SignOff | null, 
/**
 * Sign-off by the nurse of the station taking over.
 */
to_sign_off: SignOff | null, };

export type HandoverLine = { 
/**
 * The visit.
 */
visit_id: VisitId, 
/**
 * Its day.
 */
date: Date, 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * The child's name (empty when this device does not know it).
 */
child_name: string, 
/**
 * The station handing over.
 */
from_station: ReportStation, 
/**
 * The station taking over.
 */
to_station: ReportStation, 
/**
 * Everyone on the record's staff, in the record's order.
 */
people: Array<PersonPresent>, 
/**
 * Who signed for the giving station.
 */
from_signed_by: string | null, 
/**
 * Who signed for the receiving station.
 */
to_signed_by: string | null, 
/**
 * What was handed over (the topics).
 */
topics: Array<string>, 
/**
 * Draft, submitted or approved.
 */
status: VisitStatus, };

export type HandoverTopic = { 
/**
 * Merge key.
 */
id: string, 
/**
 * What: 吸引の手順, 抱っこの仕方, 緊急時対応 …
 */
topic: string, 
/**
 * Details.
 */
detail: string, };

export type HistoryEntry = { 
/**
 * What this entry changed from the entry before it (the first: every filled-in field, from
 * nothing), field by field ([`carebook_domain::visit_changes`]). Empty when `unknown`, and
 * for an entry that changed nothing a person sees.
 */
changes: Array<FieldChange>, 
/**
 * The device cannot tell what changed: it does not have the version after this entry, or
 * the one before it (not synced yet), or cannot read it. Syncing usually fills it in.
 */
unknown: boolean, 
/**
 * Record id.
 */
record_id: string, 
/**
 * Account name.
 */
username: string, 
/**
 * The person's name as screens show it (empty when none is set, or from an older server:
 * show the account name).
 */
name: string, 
/**
 * Device id.
 */
device_id: string, 
/**
 * Unix seconds.
 */
at: number, 
/**
 * The document's heads after the change (hex change hashes, comma-separated).
 */
change_hash: string, 
/**
 * `created` or `changed`; `transferred` for a face sheet's child moved to another station.
 */
action: string, 
/**
 * What was done, when it was not a change of the record (a transfer: from which station to
 * which, from when); `None` for changes and from older servers.
 */
note: Message | null, };

export type IncomeTier = "public_assistance" | "tax_exempt" | "taxed";

export type InstructionFee = { 
/**
 * The doctor.
 */
doctor: string, 
/**
 * The hospital or clinic.
 */
institution: string, 
/**
 * Its first valid day (when it was issued).
 */
issued: Date, 
/**
 * The fee in force that day, split.
 */
fee: Fee, };

export type InstructionState = "valid" | "expiring_soon" | "expired" | "not_yet_valid" | "missing";

export type LabelEntry = { 
/**
 * The stable name (what records and commands use).
 */
name: string, 
/**
 * Japanese.
 */
ja: string, 
/**
 * English.
 */
en: string, };

export type Labels = { 
/**
 * Visit kinds.
 */
visit_kind: Array<LabelEntry>, 
/**
 * Outcomes.
 */
outcome: Array<LabelEntry>, 
/**
 * Statuses.
 */
status: Array<LabelEntry>, 
/**
 * Professions.
 */
profession: Array<LabelEntry>, 
/**
 * Roles on a visit.
 */
staff_role: Array<LabelEntry>, 
/**
 * The score's care items.
 */
care_item: Array<LabelEntry>, 
/**
 * Watch levels.
 */
watch: Array<LabelEntry>, 
/**
 * Doctor's instruction states.
 */
instruction_state: Array<LabelEntry>, 
/**
 * Checklist answers.
 */
check_status: Array<LabelEntry>, 
/**
 * Account roles.
 */
role: Array<LabelEntry>, 
/**
 * Household income tiers.
 */
income_tier: Array<LabelEntry>, 
/**
 * What a guardian's consent to share with the municipality covers.
 */
sharing_scope: Array<LabelEntry>, 
/**
 * Why a session of the month is not claimed.
 */
unclaimed: Array<LabelEntry>, 
/**
 * The kinds of institution giving daytime care.
 */
provider: Array<LabelEntry>, 
/**
 * Why a daytime-care day of the month is not paid.
 */
daytime_unclaimed: Array<LabelEntry>, 
/**
 * What a coordinator did for a child.
 */
work_kind: Array<LabelEntry>, 
/**
 * Regional meeting or training.
 */
meeting_kind: Array<LabelEntry>, };

export type LoopStatus = { 
/**
 * A sync is running.
 */
syncing: boolean, 
/**
 * Progress of the running sync.
 */
progress: SyncProgress | null, 
/**
 * Last successful sync (JST).
 */
last_success_at: DateTime | null, 
/**
 * The last sync's report.
 */
last_report: SyncReport | null, 
/**
 * The last failure (offline, server error), cleared by a success.
 */
last_error: ErrorBody | null, 
/**
 * Failures in a row.
 */
failures: number, };

export type MeetingKind = "meeting" | "training";

export type MeetingsYear = { 
/**
 * The fiscal year.
 */
fiscal_year: FiscalYear, 
/**
 * The first three of the year, in date order: the ones subsidised.
 */
counted: Array<RegionalMeeting>, 
/**
 * Every later one of the year: held and kept, not subsidised (past 3 a year).
 */
past_limit: Array<RegionalMeeting>, 
/**
 * The counted ones' cost, yen.
 */
cost_yen: number, 
/**
 * What is subsidised: that cost, at most 420,000 yen.
 */
subsidised_yen: number, 
/**
 * The counted cost past 420,000 yen, yen.
 */
over_cap_yen: number, 
/**
 * The subsidy (Tokyo all of it).
 */
fee: Fee, };

export type Message = { 
/**
 * Japanese.
 */
ja: string, 
/**
 * English.
 */
en: string, };

export type MonthRespiteRow = { 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * Name.
 */
child_name: string, 
/**
 * Municipality name.
 */
municipality_name: string, 
/**
 * Sessions in the month.
 */
sessions: number, 
/**
 * Uses in the month.
 */
uses: number, 
/**
 * Minutes counted in the month.
 */
month_minutes: number, 
/**
 * Minutes used in the fiscal year up to the end of the month.
 */
year_used_minutes: number, 
/**
 * The fiscal year's cap.
 */
cap_minutes: number, 
/**
 * Cap minus used up to the end of the month.
 */
remaining_minutes: number, 
/**
 * Past the cap by the end of the month.
 */
over_cap: boolean, };

export type MonthlyClaim = { 
/**
 * Municipality code.
 */
municipality: string, 
/**
 * Its name (Japanese).
 */
municipality_name: string, 
/**
 * Its name in English.
 */
municipality_name_en: string, 
/**
 * The month.
 */
month: YearMonth, 
/**
 * Its fiscal year.
 */
fiscal_year: FiscalYear, 
/**
 * Children with a session or an instruction this month, by kana.
 */
children: Array<ChildClaim>, 
/**
 * Every child's total.
 */
total: Fee, };

export type MunicipalityRules = { 
/**
 * Local-government code (全国地方公共団体コード, 5 digits), e.g. `13105` for Bunkyo.
 */
code: string, 
/**
 * Name in Japanese.
 */
name_ja: string, 
/**
 * Name in English.
 */
name_en: string, 
/**
 * Annual respite cap per child, minutes.
 */
annual_cap_minutes: number, 
/**
 * Billing unit, minutes (30).
 */
unit_minutes: number, 
/**
 * Shortest use, minutes (120).
 */
min_use_minutes: number, 
/**
 * Longest use, minutes (240).
 */
max_use_minutes: number, 
/**
 * Mid-year enrolment.
 */
pro_rating: ProRating, 
/**
 * Subsidy base amount per unit, yen, by income tier.
 */
rate_per_unit_yen: { [key in IncomeTier]?: number }, 
/**
 * Doctor's instruction document (医師指示書), yen.
 */
doctor_instruction_fee_yen: number, 
/**
 * Tokyo's share of the subsidy, percent (the municipality pays the rest).
 */
tokyo_share_percent: number, 
/**
 * Daytime care (日中預かり): the subsidy base amount (補助基準額) by the day's continuous
 * hours, bands in order, none overlapping. A day in no band is not paid, with that reason.
 * Absent from versions published before it existed: the built-in table.
 */
daytime_bands: Array<DaytimeBand>, 
/**
 * Daytime care: the user's charge per day (利用者負担) by household income tier. A tier
 * without an entry is not paid, with that reason. Absent: the built-in charges.
 */
daytime_user_charge: { [key in IncomeTier]?: UserCharge }, 
/**
 * Daytime care: Tokyo's share of the subsidy (base amount − user charge), percent.
 * Absent: 100 (assumed: the handout names the institutions as the ones subsidised and no
 * municipal share).
 */
daytime_tokyo_share_percent: number, };

export type NewCoordinatorWork = { 
/**
 * The coordinator's station (the child's owner).
 */
station: string, 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * The day of the work (JST).
 */
date: Date, 
/**
 * Minutes spent.
 */
minutes: number, 
/**
 * What it cost (the coordinator's pay for it), whole yen.
 */
cost_yen: number, 
/**
 * What was done.
 */
kind: WorkKind, 
/**
 * A short note (one line; no clinical detail — the records hold that).
 */
note: string, };

export type NewGrant = { 
/**
 * The station granted.
 */
station: string, 
/**
 * The fiscal year of the grant.
 */
fiscal_year: FiscalYear, 
/**
 * The amount granted, whole yen.
 */
granted_yen: number, 
/**
 * The day of the decision (交付決定日), within the fiscal year and not after today.
 */
decided_on: Date, 
/**
 * A note (the notice's number …).
 */
note: string, };

export type NewPerson = { 
/**
 * Account name.
 */
username: string, 
/**
 * Role.
 */
role: Role, 
/**
 * Organisation; an office may only give its own (and may leave it out).
 */
org_id: string | null, 
/**
 * Name in kanji.
 */
name: string, 
/**
 * Its reading in kana.
 */
kana: string, 
/**
 * Profession.
 */
profession: Profession | null, };

export type NewPurchase = { 
/**
 * The station that bought it.
 */
station: string, 
/**
 * What was bought (小児用パルスオキシメーター …).
 */
item: string, 
/**
 * The day it was bought (JST).
 */
date: Date, 
/**
 * What it cost, whole yen, tax included.
 */
cost_yen: number, 
/**
 * A note (supplier, quantity …).
 */
note: string, };

export type NewRegionalMeeting = { 
/**
 * The station holding it.
 */
station: string, 
/**
 * The day it was held (JST).
 */
date: Date, 
/**
 * Meeting or training.
 */
kind: MeetingKind, 
/**
 * Its title (地域の協議の場 …).
 */
title: string, 
/**
 * What it cost, whole yen.
 */
cost_yen: number, };

export type Notice = { 
/**
 * What it is about.
 */
kind: NoticeKind, 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * The child's name.
 */
child_name: string, 
/**
 * The record, for those about one.
 */
visit_id: VisitId | null, 
/**
 * The day: the instruction's last day, or the record's.
 */
on: Date | null, 
/**
 * What to look at, in both languages: the checklist items with a problem, the office's
 * reason for sending back.
 */
detail: Message | null, };

export type NoticeKind = "instruction_expiring" | "instruction_expired" | "awaiting_confirmation" | "checklist_problem" | "sent_back";

export type OneTimePassword = { 
/**
 * Account name.
 */
username: string, 
/**
 * The password.
 */
password: string, 
/**
 * Unix seconds after which it no longer works.
 */
expires_at: number, };

export type Org = { 
/**
 * Its id (a short code such as `st-kakuu`).
 */
id: string, 
/**
 * What it is.
 */
kind: OrgKind, 
/**
 * Its name (empty until set: the id is shown instead).
 */
name: string, 
/**
 * The municipality code a welfare section pays for (`13101`); `None` for the others.
 */
municipality: string | null, };

export type OrgKind = "station" | "municipality" | "operator";

export type Outcome = "done" | "absent" | "cancelled";

export type Person = { 
/**
 * Account id: the staff code a visit's staff row keeps.
 */
id: string, 
/**
 * Name in kanji (漢字), as records show it.
 */
name: string, 
/**
 * Its reading (かな), for sorting and searching.
 */
kana: string, 
/**
 * Profession (職種); `None` for parents and others without one.
 */
profession: Profession | null, 
/**
 * What the account may do.
 */
role: Role, 
/**
 * The organisation.
 */
org_id: string, };

export type PersonAdded = { 
/**
 * The person.
 */
person: PersonDetail, 
/**
 * Their first password.
 */
one_time_password: OneTimePassword, };

export type PersonAmount = { 
/**
 * What the work cost, yen.
 */
cost_yen: number, 
/**
 * What is subsidised: the cost, at most 32,000 yen.
 */
subsidised_yen: number, 
/**
 * The cost past the limit (not subsidised), yen.
 */
over_cap_yen: number, 
/**
 * The subsidy split: Tokyo 3/4 (rounded down to the yen), the municipality the rest.
 */
fee: Fee, };

export type PersonChange = { 
/**
 * New role.
 */
role: Role | null, 
/**
 * New organisation (administrators only).
 */
org_id: string | null, 
/**
 * New name in kanji.
 */
name: string | null, 
/**
 * New reading in kana.
 */
kana: string | null, 
/**
 * New profession.
 */
profession: Profession | null, };

export type PersonDetail = { 
/**
 * Account name (what they log in with).
 */
username: string, 
/**
 * Unix seconds the account was disabled, if it is.
 */
disabled_at: number | null, 
/**
 * Unix seconds until which a one-time password waits to be replaced, if one was issued.
 */
one_time_until: number | null, 
/**
 * Their devices, newest first.
 */
devices: Array<DeviceBrief>, 
/**
 * Children assigned (a nurse's) or their own (a parent's), sorted.
 */
children: Array<string>, 
/**
 * Unix seconds.
 */
created_at: number, 
/**
 * Account id: the staff code a visit's staff row keeps.
 */
id: string, 
/**
 * Name in kanji (漢字), as records show it.
 */
name: string, 
/**
 * Its reading (かな), for sorting and searching.
 */
kana: string, 
/**
 * Profession (職種); `None` for parents and others without one.
 */
profession: Profession | null, 
/**
 * What the account may do.
 */
role: Role, 
/**
 * The organisation.
 */
org_id: string, };

export type PersonDisabled = { 
/**
 * Account name.
 */
username: string, 
/**
 * How many of their devices were revoked now.
 */
devices_revoked: number, };

export type PersonPresent = { 
/**
 * Name.
 */
name: string, 
/**
 * Profession.
 */
profession: Profession, 
/**
 * Lead or accompanying.
 */
role: StaffRole, 
/**
 * Their station.
 */
station: ReportStation, };

export type Phrase = { 
/**
 * The text inserted (one line).
 */
text: string, 
/**
 * Where it may be inserted (at least one place).
 */
places: Array<PhrasePlace>, 
/**
 * A short label grouping phrases in the picker (吸引, 胃ろう …); empty for none.
 */
category: string, };

export type PhraseList = { 
/**
 * The station whose list it is (the organisation id of its staff).
 */
station_id: string, 
/**
 * The phrases, in the order the picker shows them.
 */
items: Array<Phrase>, };

export type PhrasePlace = "s" | "o" | "a" | "p" | "care";

export type PreviousVisit = { 
/**
 * The visit.
 */
id: VisitId, 
/**
 * Its kind.
 */
kind: VisitKind, 
/**
 * When it started.
 */
start: DateTime, 
/**
 * When it ended.
 */
end: DateTime | null, 
/**
 * Staff names, lead first.
 */
staff: Array<string>, 
/**
 * Its vital signs (to read, not to copy).
 */
vitals: Array<VitalReading>, 
/**
 * The care given.
 */
care: Array<CareGiven>, 
/**
 * Its SOAP note.
 */
note: SoapNote, };

export type ProRating = { "kind": "none" } | { "kind": "proportional_months" } | { "kind": "per_remaining_month", 
/**
 * Minutes per remaining month.
 */
minutes_per_month: number, };

export type Problem = { 
/**
 * The field, as a path: `actual_end`, `vitals[2].spo2`, `handover.to_station`.
 */
field: string, 
/**
 * A stable machine-readable code, e.g. `respite_unit`.
 */
code: string, 
/**
 * The message in Japanese.
 */
ja: string, 
/**
 * The message in English (lowercase, names the bad value, no trailing period).
 */
en: string, };

export type Profession = "nurse" | "associate_nurse" | "public_health_nurse" | "physiotherapist" | "occupational_therapist" | "speech_therapist" | "care_worker" | "other";

export type ProviderKind = "hospital" | "clinic" | "geriatric_health_facility" | "integrated_care_facility";

export type Purchase = { 
/**
 * The server's id.
 */
id: number, 
/**
 * The station.
 */
station: string, 
/**
 * What was bought.
 */
item: string, 
/**
 * The day.
 */
date: Date, 
/**
 * Whole yen.
 */
cost_yen: number, 
/**
 * A note.
 */
note: string, 
/**
 * Who recorded it (their name).
 */
by: string, 
/**
 * When (Unix seconds).
 */
at: number, };

export type RecoveryCodes = { 
/**
 * The codes (`xxxx-xxxx-xxxx-xxxx`).
 */
codes: Array<string>, };

export type RegionalMeeting = { 
/**
 * The day it was held.
 */
date: Date, 
/**
 * Meeting or training.
 */
kind: MeetingKind, 
/**
 * What it cost, yen.
 */
cost_yen: number, };

export type RegionalMeetingRecord = { 
/**
 * The server's id.
 */
id: number, 
/**
 * Who recorded it (their name).
 */
by: string, 
/**
 * When (Unix seconds).
 */
at: number, 
/**
 * The station holding it.
 */
station: string, 
/**
 * The day it was held (JST).
 */
date: Date, 
/**
 * Meeting or training.
 */
kind: MeetingKind, 
/**
 * Its title (地域の協議の場 …).
 */
title: string, 
/**
 * What it cost, whole yen.
 */
cost_yen: number, };

export type RejectedDoc = { 
/**
 * Record id.
 */
id: string, 
/**
 * Schema name.
 */
kind: string, 
/**
 * The server's code (`forbidden`, `locked`, `invalid` …).
 */
code: string, 
/**
 * The server's reason.
 */
reason: string, };

export type ReportStation = { 
/**
 * Id.
 */
id: string, 
/**
 * Name.
 */
name: string, };

export type RespiteLedger = { 
/**
 * The fiscal year.
 */
fiscal_year: FiscalYear, 
/**
 * Cap, minutes (after pro-rating).
 */
cap_minutes: number, 
/**
 * Used, minutes.
 */
used_minutes: number, 
/**
 * Cap minus used; negative when devices recorded past the cap offline.
 */
remaining_minutes: number, 
/**
 * Every counted use, in time order.
 */
sessions: Array<RespiteUse>, 
/**
 * The sessions that took the child past the cap: in time order, the one that crossed it
 * and every one after it. Empty when within the cap (reaching it exactly is within).
 */
over_cap: Array<VisitId>, };

export type RespitePreview = { 
/**
 * Remaining minutes before this session.
 */
before_remaining_minutes: number, 
/**
 * Remaining minutes after it (negative past the cap).
 */
after_remaining_minutes: number, 
/**
 * The cap, minutes.
 */
cap_minutes: number, 
/**
 * Minutes this session counts (`MunicipalityRules::respite_count`: whole units, at most
 * the longest use, nothing under the shortest, × lead nurses) — what the index will count.
 */
billable_minutes: number, 
/**
 * It takes the child past the cap: a warning, not a block.
 */
passes_cap: boolean, 
/**
 * How the 2–4 h / 30-minute rules count this length (`respite_short`, `respite_capped`,
 * `respite_unit`; empty when it counts as it is). Warnings: nothing here stops a save.
 */
problems: Array<Problem>, };

export type RespiteReport = { 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * Name.
 */
child_name: string, 
/**
 * Municipality code.
 */
municipality: string, 
/**
 * Municipality name (Japanese), empty if unknown.
 */
municipality_name: string, 
/**
 * `令和8年度`.
 */
fiscal_year_label: string, 
/**
 * The numbers and sessions.
 */
ledger: RespiteLedger, };

export type RespiteSession = { 
/**
 * The visit.
 */
visit_id: VisitId, 
/**
 * Start.
 */
start: DateTime, 
/**
 * Minutes counted.
 */
billable_minutes: number, 
/**
 * Uses (two nurses = two).
 */
uses: number, 
/**
 * The nurses (lead first).
 */
nurses: Array<string>, 
/**
 * Past the cap.
 */
over_cap: boolean, 
/**
 * Confirmed by a guardian.
 */
confirmed: boolean, 
/**
 * Status.
 */
status: VisitStatus, };

export type RespiteUse = { 
/**
 * The visit.
 */
visit_id: VisitId, 
/**
 * When it started.
 */
start: DateTime, 
/**
 * Minutes counted against the cap (length × nurses sent).
 */
billable_minutes: number, 
/**
 * Number of uses it counts as (two nurses at once = two uses).
 */
uses: number, };

export type RespiteYear = { 
/**
 * The numbers.
 */
report: RespiteReport, 
/**
 * Sessions, newest first.
 */
sessions: Array<RespiteSession>, };

export type ResultsReport = { 
/**
 * The station.
 */
station: ReportStation, 
/**
 * The fiscal year.
 */
fiscal_year: FiscalYear, 
/**
 * Handover visits of the year that took place, by day.
 */
handovers: Array<HandoverLine>, 
/**
 * The children of those visits and of the station's visits carrying the checklist, by
 * name.
 */
checklists: Array<ChildChecklist>, 
/**
 * Purchases of the year, by day.
 */
purchases: Array<Purchase>, 
/**
 * Their total, yen.
 */
purchases_total_yen: number, 
/**
 * The amount granted for the year (交付決定額), when the office has recorded it.
 */
grant: Grant | null, 
/**
 * What is left of the grant after the purchases (残額): granted − purchases total;
 * negative when the purchases exceed it. `None` without a grant.
 */
remaining_yen: number | null, };

export type Returned = { 
/**
 * What to fix.
 */
reason: string, 
/**
 * Who sent it back (their name).
 */
by: string, 
/**
 * When.
 */
at: DateTime, };

export type ReviewFilter = { 
/**
 * Month.
 */
month: YearMonth | null, 
/**
 * Child.
 */
child: ChildId | null, 
/**
 * Station code.
 */
station: string | null, 
/**
 * Kind.
 */
kind: VisitKind | null, 
/**
 * Status.
 */
status: VisitStatus | null, 
/**
 * Only visits on or after this day (the nurse's today and upcoming).
 */
from: Date | null, 
/**
 * Only sessions past the cap.
 */
over_cap: boolean, 
/**
 * Only records the server refused.
 */
rejected: boolean, 
/**
 * Only records without a guardian confirmation.
 */
unconfirmed: boolean, 
/**
 * Only visits on a day the doctor's instruction was not valid.
 */
expired_instruction: boolean, 
/**
 * Only respite sessions outside 2–4 h.
 */
respite_length: boolean, 
/**
 * Only daytime-care days under 8 hours.
 */
short_day: boolean, 
/**
 * At most this many rows, the first in time order (a screen pages through a long month).
 */
limit: number | null, };

export type Role = "nurse" | "parent" | "office" | "admin" | "municipality" | "coordinator";

export type RuleBook = { 
/**
 * The versions, in any order.
 */
versions: Array<RuleVersion>, };

export type RuleVersion = { 
/**
 * The municipality code, the template id or the station id.
 */
key: string, 
/**
 * The first day it applies (JST).
 */
effective_from: Date, 
/**
 * The settings, when a municipality's.
 */
rules: MunicipalityRules | null, 
/**
 * The template, when a template.
 */
template: ChecklistTemplate | null, 
/**
 * The canned phrases, when a station's (absent in what older servers and devices write,
 * read as none).
 */
phrases?: PhraseList | null, 
/**
 * Who published it (the person's name, else the account name).
 */
author: string, 
/**
 * Unix seconds it was published.
 */
recorded_at: number, };

export type Score = { 
/**
 * Sum of base points.
 */
base: number, 
/**
 * Sum of watch points (tracheostomy's dropped when a ventilator is counted).
 */
watch: number, };

export type ScoreEntry = { 
/**
 * The item (the key: one entry per item).
 */
item: CareItem, 
/**
 * The watch level.
 */
watch: Watch, };

export type SearchResults = { 
/**
 * Children whose name or kana holds every word (only when no date was asked).
 */
children: Array<ChildFound>, 
/**
 * Visits matching every word (in the child's name or kana or the visit's notes) and every
 * date, newest first, at most [`SEARCH_LIMIT`].
 */
visits: Array<VisitFound>, 
/**
 * More visits match than are listed.
 */
more: boolean, 
/**
 * The words of the query searched as dates.
 */
dates: Array<DateFilter>, 
/**
 * Visits received from the server whose notes are not searchable yet.
 */
pending: number, };

export type SecondFactorEnrolment = { 
/**
 * The secret in base32, for typing into the app by hand.
 */
secret: string, 
/**
 * The `otpauth://totp/…` URI the QR code holds.
 */
uri: string, 
/**
 * The QR code as an SVG document (show it as an image, never as markup).
 */
qr_svg: string, };

export type SecondFactorStatus = { 
/**
 * A second factor is confirmed.
 */
enrolled: boolean, 
/**
 * An enrolment waits for its first code.
 */
pending: boolean, 
/**
 * The account must have one (its role, and the server's setting).
 */
required: boolean, 
/**
 * Recovery codes not yet used.
 */
recovery_codes_left: number, };

export type SharingConsent = { 
/**
 * The guardian who consented (their name).
 */
by: string, 
/**
 * The day the consent was given: the first day it is in force.
 */
given_on: Date, 
/**
 * What it covers.
 */
scope: SharingScope, 
/**
 * Its last day (required; at most the end of the fiscal year after `given_on`'s).
 */
until: Date, 
/**
 * The day it was withdrawn, if it was: not in force from that day on.
 */
withdrawn_on: Date | null, };

export type SharingScope = "respite_records";

export type SignOff = { 
/**
 * Staff code.
 */
staff_id: string, 
/**
 * Name.
 */
name: string, 
/**
 * When.
 */
at: DateTime, };

export type SoapNote = { subjective: string, objective: string, assessment: string, plan: string, };

export type StaffMember = { 
/**
 * Staff code (the merge key).
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * Profession.
 */
profession: Profession, 
/**
 * Role on this visit.
 */
role: StaffRole, 
/**
 * The station they belong to.
 */
station_id: string, };

export type StaffRole = "lead" | "accompanying";

export type Station = { 
/**
 * Station code.
 */
id: string, 
/**
 * Name.
 */
name: string, };

export type SyncPhase = "push" | "pull";

export type SyncProgress = { 
/**
 * Phase.
 */
phase: SyncPhase, 
/**
 * Documents handled so far.
 */
done: number, 
/**
 * Documents in this phase (for pull, the server's count at the start, growing when access
 * to more children arrives during the sync).
 */
total: number, };

export type SyncReport = { 
/**
 * Documents sent.
 */
sent: number, 
/**
 * Of those, accepted.
 */
accepted: number, 
/**
 * Of those, rejected (kept on the device, marked).
 */
rejected: number, 
/**
 * Documents received.
 */
received: number, 
/**
 * Push requests made.
 */
push_requests: number, 
/**
 * Pull requests made.
 */
pull_requests: number, 
/**
 * Of those received, records of children newly readable (caught up whatever the cursor).
 */
caught_up: number, 
/**
 * Children whose records left the device because the account may no longer read them.
 */
removed: Array<AccessRemoval>, 
/**
 * The cursor after the sync.
 */
cursor: number, 
/**
 * The server had been restored from a backup since the last sync: this many records the
 * server had accepted were sent again (the pull started over from the beginning).
 */
resent_after_restore: number | null, 
/**
 * Records opened and exports made on this device reported to the server's access log.
 */
access_events: number, };

export type SyncStatus = { 
/**
 * Logged-in account, if any.
 */
user: UserInfo | null, 
/**
 * Server URL, if logged in.
 */
server_url: string | null, 
/**
 * Records waiting to sync.
 */
pending: number, 
/**
 * Records the server refused.
 */
rejected: Array<RejectedDoc>, 
/**
 * Last successful sync (JST).
 */
last_sync_at: string | null, 
/**
 * The change cursor.
 */
cursor: number, 
/**
 * Removals of children the account may no longer read in the last two weeks, newest first.
 */
removed: Array<AccessRemoval>, };

export type SyncView = { 
/**
 * The last attempt reached the server (false while offline or before the first attempt).
 */
online: boolean, 
/**
 * The background loop and the stored status.
 */
status: SyncStatus, 
/**
 * The loop: syncing now, progress, last error.
 */
run: LoopStatus, };

export type TemplateItem = { 
/**
 * Stable id within the template, e.g. `pulse_oximeter`.
 */
id: string, 
/**
 * Japanese name.
 */
ja: string, 
/**
 * English name.
 */
en: string, };

export type TierChange = { 
/**
 * The first day of the new tier.
 */
from: Date, 
/**
 * The tier from that day.
 */
tier: IncomeTier, };

export type Today = { 
/**
 * Date (JST).
 */
date: Date, 
/**
 * Now (JST).
 */
now: DateTime, 
/**
 * The fiscal year.
 */
fiscal_year: FiscalYear, 
/**
 * `令和8年度`.
 */
fiscal_year_ja: string, 
/**
 * `FY2026`.
 */
fiscal_year_en: string, };

export type Transfer = { 
/**
 * The child.
 */
child_id: string, 
/**
 * The child's name on the day of the transfer: what the giving station's screens show
 * beside the records it keeps once the face sheet has left its devices.
 */
child_name: string, 
/**
 * The child's municipality code on that day (the rules its kept records are read with).
 */
municipality: string, 
/**
 * The giving station.
 */
from_org: string, 
/**
 * The receiving station.
 */
to_org: string, 
/**
 * The first day the receiving station owns the child.
 */
first_day: Date, 
/**
 * The handover visit it follows.
 */
handover_visit: string | null, 
/**
 * Who transferred it (their name).
 */
by: string, 
/**
 * When (Unix seconds).
 */
at: number, };

export type TransferRequest = { 
/**
 * The receiving station.
 */
to_org: string, 
/**
 * The first day the receiving station owns the child (JST).
 */
first_day: Date, 
/**
 * The accompanied handover visit, signed by a nurse of each station, the transfer follows
 * (an administrator may transfer without one, to correct an owner).
 */
handover_visit: string | null, };

export type Unclaimed = "not_approved" | "unconfirmed" | "over_cap" | "refused" | "not_billable" | "no_rate";

export type UnclaimedSession = { 
/**
 * The visit.
 */
visit_id: VisitId, 
/**
 * Start.
 */
start: DateTime, 
/**
 * End.
 */
end: DateTime, 
/**
 * Minutes it counts.
 */
billable_minutes: number, 
/**
 * The lead nurse.
 */
lead: string, 
/**
 * Every reason, in the order of [`Unclaimed`].
 */
reasons: Array<Unclaimed>, };

export type UserCharge = { "kind": "per_day", 
/**
 * Yen a day.
 */
yen: number, } | { "kind": "percent", 
/**
 * Percent of the base amount (0–100).
 */
percent: number, };

export type UserInfo = { 
/**
 * Account id.
 */
id: string, 
/**
 * Account name.
 */
username: string, 
/**
 * Role.
 */
role: Role, 
/**
 * Organisation (station or municipality office) id.
 */
org_id: string, 
/**
 * The person's name (漢字); empty when none is set (older servers, accounts without one).
 */
name: string, 
/**
 * Profession, when the account has one.
 */
profession: Profession | null, };

export type Visit = { 
/**
 * Id.
 */
id: VisitId, 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * The station providing the visit.
 */
station: Station, 
/**
 * Kind.
 */
kind: VisitKind, 
/**
 * Place: 自宅, 学校 …
 */
place: string, 
/**
 * Planned start.
 */
scheduled_start: DateTime | null, 
/**
 * Planned end.
 */
scheduled_end: DateTime | null, 
/**
 * Actual start.
 */
actual_start: DateTime | null, 
/**
 * Actual end.
 */
actual_end: DateTime | null, 
/**
 * How it ended.
 */
outcome: Outcome, 
/**
 * Who was there.
 */
staff: Array<StaffMember>, 
/**
 * Vital signs.
 */
vitals: Array<VitalReading>, 
/**
 * Care given.
 */
care: Array<CareGiven>, 
/**
 * SOAP note.
 */
note: SoapNote, 
/**
 * Equipment checklist (template id empty when none was used).
 */
checklist: Checklist, 
/**
 * Handover section (accompanied visits only).
 */
handover: Handover | null, 
/**
 * Guardian confirmation.
 */
guardian: GuardianConfirmation | null, 
/**
 * Draft → submitted → approved.
 */
status: VisitStatus, 
/**
 * Why the office sent it back to the nurse (差し戻し), while it waits to be submitted again
 * (schema version 4: absent in older documents, read as none).
 */
returned: Returned | null, 
/**
 * The kind of medical institution that gave a daytime-care day (病院, 診療所,
 * 介護老人保健施設, 介護医療院); none for other kinds. Schema version 5: absent in older
 * documents, read as none (the daytime claim lists such a day apart, `no_provider`).
 */
provider: ProviderKind | null, };

export type VisitCheck = { 
/**
 * Every problem (empty when it can be saved as given): the check saving runs.
 */
problems: Array<Problem>, 
/**
 * What `Carebook::visit_warnings` would say of it.
 */
warnings: Array<Problem>, };

export type VisitDetail = { 
/**
 * The record.
 */
visit: Visit, 
/**
 * Its row (flags).
 */
row: VisitRow, 
/**
 * What the rules warn about, though it was saved (`Carebook::visit_warnings`): why a
 * `respite_length` or `short_day` flag is on, with the real length and what it counts.
 */
warnings: Array<Problem>, 
/**
 * Who changed what, when (from the server), oldest first, each entry with the fields it
 * changed (worked out on the device; `unknown` where the device lacks that version).
 */
history: Array<HistoryEntry>, 
/**
 * Why the history could not be read (offline, not logged in), if so.
 */
history_error: ErrorBody | null, };

export type VisitFlags = { 
/**
 * A respite session that took the child past the cap (or came after it).
 */
over_cap: boolean, 
/**
 * The server refused the last push of this record.
 */
rejected: boolean, 
/**
 * No guardian confirmation (or one recorded as not confirmed).
 */
unconfirmed: boolean, 
/**
 * The doctor's instruction was not valid on the visit's day.
 */
instruction_expired: boolean, 
/**
 * A respite session outside the municipality's 2–4 h per use: recorded with its real times,
 * counted as nothing (under 2 h) or as 4 h (over 4 h).
 */
respite_length: boolean, 
/**
 * A daytime-care day under the 8 continuous hours the handout asks for in principle.
 */
short_day: boolean, 
/**
 * Changed on this device and not yet accepted by the server.
 */
pending_sync: boolean, };

export type VisitFound = { 
/**
 * Its row, as the lists show it.
 */
row: VisitRow, 
/**
 * The line of its notes where the words were found, cut around them (none when only the
 * child's name or the date matched).
 */
excerpt: string | null, };

export type VisitId = string;

export type VisitKind = "nursing" | "respite" | "handover" | "daytime";

export type VisitRow = { 
/**
 * The index row.
 */
summary: VisitSummary, 
/**
 * The child's name.
 */
child_name: string, 
/**
 * Why the office sent it back to the nurse, while it is a draft again (差し戻し).
 */
returned: Returned | null, 
/**
 * Whether the child was handed over to another station: this device keeps only the visits
 * its station wrote, read-only, and names the child as on the day of the transfer.
 */
handed_over: boolean, 
/**
 * Staff names, lead first.
 */
staff: Array<string>, 
/**
 * Flags.
 */
flags: VisitFlags, 
/**
 * The server's reason when it refused the record.
 */
rejected_reason: string | null, };

export type VisitStatus = "draft" | "submitted" | "approved";

export type VisitSummary = { 
/**
 * Id.
 */
id: VisitId, 
/**
 * The child.
 */
child_id: ChildId, 
/**
 * Kind.
 */
kind: VisitKind, 
/**
 * Station code.
 */
station_id: string, 
/**
 * The day it took place (actual start, else scheduled start).
 */
date: Date | null, 
/**
 * Start (actual, else scheduled), for ordering.
 */
start: DateTime | null, 
/**
 * The fiscal year of `date`.
 */
fiscal_year: FiscalYear | null, 
/**
 * Actual length, minutes (0 when not done).
 */
duration_minutes: number, 
/**
 * Minutes counted against the respite cap (respite, done): `MunicipalityRules::respite_count`
 * of the actual length — whole units, at most the longest use, none under the shortest — ×
 * nurses sent.
 */
billable_minutes: number, 
/**
 * Uses it counts as (respite: the number of lead nurses sent).
 */
uses: number, 
/**
 * Outcome.
 */
outcome: Outcome, 
/**
 * Status.
 */
status: VisitStatus, };

export type VitalHistory = { 
/**
 * How many visits were read.
 */
visits: number, 
/**
 * Their readings, oldest first.
 */
points: Array<VitalPoint>, };

export type VitalPoint = { 
/**
 * When it was taken (the visit's start when the reading has no time).
 */
at: DateTime, 
/**
 * The visit.
 */
visit_id: VisitId, 
/**
 * Pulse, /min.
 */
pulse: number | null, 
/**
 * Respiration, /min.
 */
respiration: number | null, 
/**
 * SpO2, %.
 */
spo2: number | null, 
/**
 * Temperature, ℃.
 */
temperature_c: number | null, };

export type VitalReading = { 
/**
 * Merge key.
 */
id: string, 
/**
 * When measured.
 */
at: DateTime | null, 
/**
 * Breaths per minute.
 */
respiration: number | null, 
/**
 * Beats per minute.
 */
pulse: number | null, 
/**
 * °C.
 */
temperature_c: number | null, 
/**
 * SpO₂ %.
 */
spo2: number | null, 
/**
 * Systolic mmHg.
 */
bp_systolic: number | null, 
/**
 * Diastolic mmHg.
 */
bp_diastolic: number | null, };

export type Watch = "high" | "medium" | "none";

export type WorkKind = "consultation" | "liaison" | "home_visit" | "case_meeting" | "other";

export type YearMonth = string;

/** Every command: its arguments as `invoke` sends them, and its result. */
export type Commands = {
  app_status: { args: {  }; result: AppStatus };
  login: { args: { serverUrl: string; username: string; password: string; newPassword: string | null; otp: string | null }; result: AppStatus };
  set_pin: { args: { pin: string }; result: AppStatus };
  change_pin: { args: { current: string; pin: string }; result: AppStatus };
  unlock: { args: { pin: string }; result: AppStatus };
  lock: { args: {  }; result: AppStatus };
  sync_view: { args: {  }; result: SyncView };
  sync_now: { args: {  }; result: SyncView };
  labels: { args: {  }; result: Labels };
  templates: { args: {  }; result: Array<ChecklistTemplate> };
  visit_phrases: { args: { visit: Visit }; result: PhraseList };
  station_phrases: { args: { on: Date | null }; result: PhraseList };
  children: { args: {  }; result: Array<ChildCard> };
  child_sheet: { args: { id: ChildId }; result: ChildSheet };
  save_child: { args: { child: Child }; result: ChildSheet };
  vital_history: { args: { childId: ChildId }; result: VitalHistory };
  notices: { args: {  }; result: Array<Notice> };
  plan_visit: { args: { childId: ChildId; kind: VisitKind; start: DateTime; nurseId: string | null }; result: VisitRow };
  search: { args: { query: string }; result: SearchResults };
  previous_visit: { args: { childId: ChildId; visitId: VisitId | null }; result: PreviousVisit | null };
  visits: { args: { filter: ReviewFilter }; result: Array<VisitRow> };
  visit_detail: { args: { id: VisitId }; result: VisitDetail };
  new_visit: { args: { childId: ChildId; kind: VisitKind }; result: Visit };
  check_visit: { args: { visit: Visit }; result: VisitCheck };
  save_visit: { args: { visit: Visit }; result: VisitRow };
  submit_visit: { args: { id: VisitId }; result: VisitRow };
  confirm_visit: { args: { id: VisitId; confirmation: GuardianConfirmation }; result: VisitRow };
  respite_preview: { args: { childId: ChildId; visitId: VisitId | null; start: DateTime; end: DateTime; leadNurses: number }; result: RespitePreview };
  respite_year: { args: { childId: ChildId }; result: RespiteYear };
  respite_month: { args: { month: YearMonth }; result: Array<MonthRespiteRow> };
  send_back_visit: { args: { id: VisitId; reason: string }; result: VisitRow };
  approve_visits: { args: { ids: Array<VisitId> }; result: Array<ApproveResult> };
  directory: { args: {  }; result: Directory };
  people: { args: {  }; result: Array<PersonDetail> };
  add_person: { args: { person: NewPerson }; result: PersonAdded };
  change_person: { args: { username: string; change: PersonChange }; result: PersonDetail };
  disable_person: { args: { username: string }; result: PersonDisabled };
  enable_person: { args: { username: string }; result: PersonDetail };
  rule_book: { args: {  }; result: RuleBook };
  municipality_rules: { args: { code: string; on: Date }; result: MunicipalityRules };
  publish_rule_version: { args: { version: RuleVersion }; result: RuleVersion };
  monthly_claim: { args: { municipality: string; month: YearMonth }; result: MonthlyClaim };
  export_claim: { args: { municipality: string; month: YearMonth; format: ExportFormat }; result: ExportedFile };
  daytime_claim: { args: { municipality: string; month: YearMonth }; result: DaytimeClaim };
  export_daytime_claim: { args: { municipality: string; month: YearMonth; format: ExportFormat }; result: ExportedFile };
  coordinator_report: { args: { station: string; fy: FiscalYear }; result: CoordinatorReport };
  add_coordinator_work: { args: { work: NewCoordinatorWork }; result: CoordinatorWorkRecord };
  add_regional_meeting: { args: { meeting: NewRegionalMeeting }; result: RegionalMeetingRecord };
  export_visit: { args: { id: VisitId }; result: ExportedFile };
  transfer_child: { args: { childId: ChildId; request: TransferRequest }; result: Transfer };
  reset_person_password: { args: { username: string }; result: OneTimePassword };
  second_factor_status: { args: {  }; result: SecondFactorStatus };
  start_second_factor: { args: { password: string | null }; result: SecondFactorEnrolment };
  confirm_second_factor: { args: { code: string }; result: RecoveryCodes };
  remove_second_factor: { args: { password: string }; result: SecondFactorStatus };
  results_report: { args: { station: string; fy: FiscalYear }; result: ResultsReport };
  export_results_report: { args: { station: string; fy: FiscalYear; format: ExportFormat }; result: ExportedFile };
  add_purchase: { args: { purchase: NewPurchase }; result: Purchase };
  set_grant: { args: { grant: NewGrant }; result: Grant };
};
