//! Stories against the real HTTP API: a server on 127.0.0.1:0, reqwest, documents built with
//! carebook-domain. Every story runs on SQLite (a temp dir) and on PostgreSQL when
//! `CAREBOOK_TEST_PG_URL` is set (a fresh database per test, see `carebook_testkit::TestDb`);
//! with `CAREBOOK_REQUIRE_PG=1` a missing URL fails the PostgreSQL runs instead of skipping them.

use std::io::{Read, Write};
use std::time::Duration;

use automerge::{transaction::Transactable, ActorId, ReadDoc};
use carebook_domain::wire::{AuditEntry, QuarantineEntry};
use carebook_domain::{
    buckets_digest, CareItem, ChangesResponse, Child, ChildId, DocPayload, ErrorBody, GuardianConfirmation, LoginResponse, Message,
    PushOutcome, PushRequest, PushResponse, PushResult, Record, RecordDoc, RecordKind, Role, ScoreEntry, Visit, VisitKind, VisitStatus,
    VitalReading, Watch,
};
use carebook_server::{launch_with_listener, open_storage, Config, OrgKind, ServerHandle, Storage};
use carebook_testkit::{Db, TestDb};
use reqwest::StatusCode;

const PASSWORD: &str = "kakuu-password-1";

// ---- harness ------------------------------------------------------------------------------

struct Harness {
    storage: Storage,
    server: ServerHandle,
    base: String,
    http: reqwest::Client,
    db: TestDb,
}

impl Harness {
    async fn start(db: Db) -> Option<Harness> {
        Harness::start_with(db, |_| {}).await
    }

    /// A server on port 0 over a fresh database, or `None` when PostgreSQL is not configured.
    async fn start_with(db: Db, tweak: impl FnOnce(&mut Config)) -> Option<Harness> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db = TestDb::create(db).await?;
        let storage = open_storage(&db.url).await.unwrap();
        // The stories' office and administrator accounts sign in with a password alone; the
        // second factor's stories turn the requirement back on.
        let mut config = Config { data_dir: db.dir.path().into(), require_second_factor: false, ..Config::default() };
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = launch_with_listener(config, storage.clone(), listener).unwrap();
        let base = server.base_url();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        Some(Harness { storage, server, base, http, db })
    }

    async fn finish(self) {
        self.server.shutdown().await.unwrap();
        self.storage.close().await;
        self.db.drop_database().await;
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn add(&self, username: &str, role: Role, org: &str) {
        self.storage.add_user(username, PASSWORD, role, org, OrgKind::Station).await.unwrap();
    }

    async fn login_as(&self, username: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({"username": username, "password": password, "device_name": "架空タブレット"}))
            .send()
            .await
            .unwrap()
    }

    /// A login from the loopback address `127.0.0.N` (each N is another client).
    async fn login_from(&self, n: u8, username: &str, password: &str) -> reqwest::Response {
        let http = reqwest::Client::builder()
            .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, n)))
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        http.post(self.url("/api/v1/login"))
            .json(&serde_json::json!({"username": username, "password": password, "device_name": "架空タブレット"}))
            .send()
            .await
            .unwrap()
    }

    async fn login(&self, username: &str) -> LoginResponse {
        let res = self.login_as(username, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "login {username}");
        res.json().await.unwrap()
    }

    async fn token(&self, username: &str) -> String {
        self.login(username).await.token
    }

    async fn push_raw(&self, token: &str, documents: Vec<DocPayload>) -> reqwest::Response {
        self.http.post(self.url("/api/v1/push")).bearer_auth(token).json(&PushRequest { documents }).send().await.unwrap()
    }

    async fn push(&self, token: &str, documents: Vec<DocPayload>) -> Vec<PushResult> {
        let res = self.push_raw(token, documents).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<PushResponse>().await.unwrap().results
    }

    async fn push_one(&self, token: &str, doc: DocPayload) -> PushResult {
        self.push(token, vec![doc]).await.remove(0)
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    /// One page of the feed with `total=true`, for a device that holds exactly the buckets the
    /// server says it may read (asked first, with a digest that cannot match).
    async fn changes(&self, token: &str, since: i64, limit: Option<i64>) -> ChangesResponse {
        let first = self.changes_holding(token, since, limit, "none").await;
        let readable = first.buckets.expect("a digest that matches nothing gets the buckets");
        assert!(first.documents.is_empty() && first.cursor == since);
        let page = self.changes_holding(token, since, limit, &buckets_digest(readable.iter().map(String::as_str))).await;
        assert!(page.buckets.is_none(), "the digest of the server's own list matches");
        page
    }

    async fn changes_holding(&self, token: &str, since: i64, limit: Option<i64>, digest: &str) -> ChangesResponse {
        let mut path = format!("/api/v1/changes?since={since}&total=true&buckets={digest}");
        if let Some(l) = limit {
            path.push_str(&format!("&limit={l}"));
        }
        let res = self.get(token, &path).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    async fn history(&self, token: &str, id: &str) -> reqwest::Response {
        self.get(token, &format!("/api/v1/records/{id}/history")).await
    }

    async fn quarantine(&self, token: &str) -> Vec<QuarantineEntry> {
        let res = self.get(token, "/api/v1/quarantine").await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Two stations (st-a, st-b) with a nurse and an office each, a second nurse at st-a, a
    /// parent, and an administrator.
    async fn world(&self) {
        self.add("nurse-a", Role::Nurse, "st-a").await;
        self.add("nurse-a2", Role::Nurse, "st-a").await;
        self.add("office-a", Role::Office, "st-a").await;
        self.add("nurse-b", Role::Nurse, "st-b").await;
        self.add("office-b", Role::Office, "st-b").await;
        self.add("parent", Role::Parent, "st-a").await;
        self.storage.add_user("admin", PASSWORD, Role::Admin, "tokyo-13105", OrgKind::Municipality).await.unwrap();
    }
}

/// The error body of an answer, checked: JSON, with `ja` and `en` fields (Japanese, English)
/// and `message` their join for older devices.
async fn error_body(res: reqwest::Response) -> ErrorBody {
    assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"), "error answers are JSON");
    let json: serde_json::Value = res.json().await.unwrap();
    for field in ["code", "message", "ja", "en"] {
        assert!(json[field].is_string(), "{field} in {json}");
    }
    let body: ErrorBody = serde_json::from_value(json).unwrap();
    let text = Message::new(&body.ja, &body.en);
    assert!(text.is_bilingual(), "Japanese in ja, English in en: {body:?}");
    assert_eq!(body.message, text.to_string(), "message is ja / en");
    body
}

// ---- documents ----------------------------------------------------------------------------

fn payload<T: Record>(doc: &mut RecordDoc<T>) -> DocPayload {
    DocPayload { id: doc.value().record_id(), kind: T::KIND, bytes: doc.save() }
}

fn new_child() -> RecordDoc<Child> {
    RecordDoc::create(carebook_testkit::child("13105"), ActorId::random())
}

fn new_visit(child: ChildId) -> RecordDoc<Visit> {
    RecordDoc::create(carebook_testkit::respite(child, "2026-05-01T09:00", "2026-05-01T12:00"), ActorId::random())
}

/// Another device's replica of `doc`.
fn fork<T: Record>(doc: &mut RecordDoc<T>) -> RecordDoc<T> {
    RecordDoc::load(&doc.value().record_id(), &doc.save(), ActorId::random()).unwrap()
}

/// A replica of what the server holds, from a `/changes` answer.
fn from_changes<T: Record>(changes: &ChangesResponse, id: &str) -> RecordDoc<T> {
    let doc = changes.documents.iter().find(|d| d.id == id).expect("document in changes");
    RecordDoc::load(id, &doc.bytes, ActorId::random()).unwrap()
}

fn accepted(r: &PushResult) -> i64 {
    assert_eq!(r.outcome, PushOutcome::Accepted, "{r:?}");
    r.seq.expect("an accepted push has a seq")
}

fn rejected(r: &PushResult, code: &str) {
    assert_eq!((r.outcome, r.code.as_deref()), (PushOutcome::Rejected, Some(code)), "{r:?}");
}

/// Stores a child of st-a (by nurse-a) with one visit; returns the token, both documents.
async fn station_a_child(h: &Harness) -> (String, RecordDoc<Child>, RecordDoc<Visit>) {
    let token = h.token("nurse-a").await;
    let mut child = new_child();
    let mut visit = new_visit(child.value().id);
    let results = h.push(&token, vec![payload(&mut child), payload(&mut visit)]).await;
    accepted(&results[0]);
    accepted(&results[1]);
    (token, child, visit)
}

carebook_testkit::on_both_backends!(
    health_answers_ok_and_unknown_routes_answer_json,
    login_with_the_right_password_gives_the_device_a_token,
    a_wrong_password_or_unknown_user_is_unauthorized,
    five_failed_logins_slow_down_the_next_and_a_success_resets,
    concurrent_guesses_are_counted_before_any_password_is_checked,
    the_back_off_is_kept_per_address_and_name_and_per_address_for_every_name,
    a_full_hashing_queue_answers_503_and_counts_nothing,
    requests_without_a_known_token_are_unauthorized,
    an_expired_token_is_refused,
    a_revoked_device_is_refused_and_listed_as_revoked,
    a_nurse_stores_a_child_and_a_visit_and_reads_them_back,
    a_nurse_of_another_station_can_neither_read_nor_write_nor_tell_what_exists,
    a_nurse_assigned_to_a_child_of_another_station_may_work_on_it,
    a_child_whose_records_another_station_keeps_cannot_be_claimed,
    a_visit_pushed_before_its_face_sheet_in_one_request_is_accepted,
    a_parent_reads_their_child_and_may_only_confirm_a_visit,
    a_nurse_cannot_approve_and_an_approved_record_is_locked_and_quarantined,
    corrupt_bytes_are_rejected_and_kept_in_quarantine,
    a_merge_that_breaks_the_schema_or_the_rules_is_rejected_and_not_stored,
    a_record_of_a_newer_schema_version_is_refused_as_too_new_not_as_corrupt,
    changes_alone_merge_but_changes_on_missing_ancestors_are_refused,
    an_oversized_body_is_refused_with_a_json_413,
    replaying_a_push_is_accepted_without_a_new_seq_or_audit_row,
    changes_come_in_pages_with_a_cursor_and_a_total,
    after_one_change_the_previous_cursor_yields_exactly_that_document,
    history_shows_who_changed_what,
    concurrent_pushes_to_one_record_all_survive,
    a_pushed_id_that_cannot_name_a_record_is_refused_and_kept_under_a_description,
    requests_of_many_records_each_get_their_own_result_and_a_record_twice_in_one_merges_both,
    responses_are_gzipped_and_gzipped_requests_are_read,
    admin_operations_refuse_duplicates_and_unknown_names,
    bombs_are_refused_before_they_inflate_with_the_same_answer_whether_or_not_the_record_exists,
    a_document_past_the_change_limit_is_refused_and_pushes_cannot_grow_one_past_it,
    the_documents_of_one_push_share_a_budget_of_inflated_bytes,
    an_office_manages_its_own_people_and_nobody_elses,
    the_directory_lists_stations_and_staff_by_name_and_answers_304_when_unchanged,
    daytime_care_is_checked_against_the_childs_stored_score_and_a_short_day_is_accepted,
    a_respite_session_outside_two_to_four_hours_is_accepted_with_its_real_times,
    a_municipality_reads_only_the_consented_children_of_its_municipality_and_writes_nothing,
    the_municipality_role_belongs_only_to_a_welfare_section,
    a_transfer_needs_the_giving_office_a_handover_signed_by_both_stations_and_a_free_first_day,
    a_stations_office_records_and_lists_its_purchases_of_a_fiscal_year_and_nobody_else_may,
    a_stations_grant_for_a_year_is_recorded_replaced_and_read_by_its_office_only,
    the_access_log_names_sign_ins_failed_ones_and_whose_devices_received_a_childs_records,
    a_coordinator_reads_face_sheets_only_and_records_work_for_its_stations_children_and_meetings,
    a_second_factor_is_enrolled_then_asked_and_wrong_replayed_or_spent_codes_are_refused,
    wrong_codes_count_in_the_login_back_off,
    an_office_without_a_second_factor_may_only_enrol_one,
    an_eight_character_password_needs_a_second_factor,
    a_device_idle_past_idle_days_must_log_in_again,
    one_code_sent_twice_at_once_signs_in_once,
);

// ---- stories ------------------------------------------------------------------------------

async fn health_answers_ok_and_unknown_routes_answer_json(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    let res = h.http.get(h.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.json::<serde_json::Value>().await.unwrap();
    let disk = if h.storage.backend() == carebook_server::Backend::Sqlite { "ok" } else { "not_checked" };
    assert_eq!(body, serde_json::json!({"status": "ok", "database": "ok", "disk": disk}));

    let res = h.http.get(h.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_body(res).await.code, "not_found");
    let res = h.http.get(h.url("/api/v1/login")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_body(res).await.code, "bad_request");
    let res = h.http.post(h.url("/api/v1/login")).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_body(res).await.code, "bad_request");
    h.finish().await;
}

async fn login_with_the_right_password_gives_the_device_a_token(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let login = h.login("nurse-a").await;
    assert_eq!((login.user.username.as_str(), login.user.role, login.user.org_id.as_str()), ("nurse-a", Role::Nurse, "st-a"));
    assert_eq!(login.token.len(), 43, "32 random bytes, base64url");
    let ttl = login.expires_at - before;
    assert!((30 * 86_400 - 5..=30 * 86_400 + 5).contains(&ttl), "30 days, got {ttl} s");

    let again = h.login("nurse-a").await;
    assert_ne!(
        (again.token.as_str(), again.device_id.as_str()),
        (login.token.as_str(), login.device_id.as_str()),
        "each login is a device"
    );
    let devices = h.storage.list_devices().await.unwrap();
    assert_eq!(devices.len(), 2);
    assert!(devices.iter().all(|d| d.username == "nurse-a" && d.name == "架空タブレット" && d.revoked_at.is_none()));

    // The token works, and the device is seen.
    assert_eq!(h.get(&login.token, "/api/v1/changes?buckets=x").await.status(), StatusCode::OK);
    let seen = h.storage.list_devices().await.unwrap().into_iter().find(|d| d.id == login.device_id).unwrap();
    assert!(seen.last_seen.is_some());
    h.finish().await;
}

async fn a_wrong_password_or_unknown_user_is_unauthorized(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let res = h.login_as("nurse-a", "not-the-password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let wrong = error_body(res).await;
    assert_eq!(wrong.code, "unauthorized");
    assert_eq!(wrong.text(), carebook_server::Error::WrongPassword.message(), "the body carries the error's message");
    assert_eq!((wrong.ja.as_str(), wrong.en.as_str()), ("ユーザー名またはパスワードが違います", "wrong username or password"));
    let res = h.login_as("nobody", "not-the-password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(res).await, wrong, "an unknown user gets the same answer");
    assert!(h.storage.list_devices().await.unwrap().is_empty());
    h.finish().await;
}

async fn five_failed_logins_slow_down_the_next_and_a_success_resets(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    for _ in 0..5 {
        assert_eq!(h.login_as("nurse-a", "wrong").await.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the back-off runs.
    let res = h.login_as("nurse-a", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry, 1);
    assert_eq!(error_body(res).await.code, "too_many_attempts");
    // Other accounts are not affected.
    assert_eq!(h.login_as("nurse-b", PASSWORD).await.status(), StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(h.login_as("nurse-a", "wrong").await.status(), StatusCode::UNAUTHORIZED);
    let res = h.login_as("nurse-a", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    // The back-off doubled to 2 s (1 s may be left if this machine is very slow).
    assert!((1..=2).contains(&retry), "{retry}");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(h.login_as("nurse-a", PASSWORD).await.status(), StatusCode::OK);
    // A success forgets the failures.
    assert_eq!(h.login_as("nurse-a", "wrong").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(h.login_as("nurse-a", PASSWORD).await.status(), StatusCode::OK);
    h.finish().await;
}

async fn concurrent_guesses_are_counted_before_any_password_is_checked(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let h = std::sync::Arc::new(h);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..30 {
        let (h, tx) = (h.clone(), tx.clone());
        tokio::spawn(async move {
            let status = h.login_from(2, "nurse-a", &format!("wrong-guess-{i:02}")).await.status();
            drop(h);
            let _ = tx.send(status);
        });
    }
    drop(tx);
    // The right password joins as soon as one guess has been refused.
    let (mut statuses, mut right) = (Vec::new(), None);
    while let Some(status) = rx.recv().await {
        statuses.push(status);
        if status == StatusCode::TOO_MANY_REQUESTS && right.is_none() {
            right = Some(h.login_from(2, "nurse-a", PASSWORD).await.status());
        }
    }
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + refused, 30, "{statuses:?}");
    assert!((1..=5).contains(&checked), "at most the 5 free guesses are checked: {checked}");
    assert_eq!(right, Some(StatusCode::TOO_MANY_REQUESTS), "the right password waits like any guess");
    assert!(h.storage.list_devices().await.unwrap().is_empty());
    let Ok(h) = std::sync::Arc::try_unwrap(h) else { panic!("the harness is still shared") };
    h.finish().await;
}

async fn the_back_off_is_kept_per_address_and_name_and_per_address_for_every_name(db: Db) {
    // A first wait of 10 minutes, so no wait runs out however slowly the machine hashes.
    let Some(h) = Harness::start_with(db, |c| {
        c.login_address_free_failures = 8;
        c.login_first_backoff_ms = 10 * 60 * 1000;
    })
    .await
    else {
        return;
    };
    h.world().await;
    // A guesser at 127.0.0.2 backs off; the nurse at 127.0.0.3 does not.
    for _ in 0..5 {
        assert_eq!(h.login_from(2, "nurse-a", "wrong").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(h.login_from(2, "nurse-a", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h.login_from(3, "nurse-a", PASSWORD).await.status(), StatusCode::OK);
    // A right password forgets that name's failures from that address only: the guesser still waits.
    assert_eq!(h.login_from(3, "nurse-a", "wrong").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(h.login_from(2, "nurse-a", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);

    // 127.0.0.4 tries many names: after 8 failures (the address's free ones) every name waits
    // there, including a real account with its right password; elsewhere that account is fine.
    for i in 0..8 {
        assert_eq!(h.login_from(4, &format!("kakuu-{i}"), "wrong").await.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let res = h.login_from(4, "nurse-b", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(h.login_from(5, "nurse-b", PASSWORD).await.status(), StatusCode::OK);

    // Successes never use up an address's free failures: an office behind one address logs in
    // more often than that.
    for _ in 0..12 {
        assert_eq!(h.login_from(6, "nurse-b", PASSWORD).await.status(), StatusCode::OK);
    }
    h.finish().await;
}

async fn a_full_hashing_queue_answers_503_and_counts_nothing(db: Db) {
    let Some(h) = Harness::start_with(db, |c| {
        c.hash_concurrency = 1;
        c.hash_queue = 1;
        c.login_address_free_failures = 5;
    })
    .await
    else {
        return;
    };
    h.world().await;
    let h = std::sync::Arc::new(h);
    // Five names at once from one address: one hashing thread and one place in its queue.
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move {
                let res = h.login_from(10, &format!("kakuu-{i}"), "wrong").await;
                let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
                (res.status(), retry, res.json::<ErrorBody>().await.unwrap())
            })
        })
        .collect();
    let (mut checked, mut busy) = (0, 0);
    for t in tasks {
        let (status, retry, body) = t.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(body.code, "busy");
                assert!(retry.is_some_and(|r| r.parse::<u64>().unwrap() >= 1));
                assert!(body.ja.contains("混み合って") && body.en.contains("too many logins"), "{body:?}");
            }
            other => panic!("{other}: {body:?}"),
        }
    }
    assert!(busy >= 1, "a queue of one cannot hold five at once");
    // Only the checked ones count against the address's five free failures.
    let mut more = 0;
    for i in 0..6 {
        if h.login_from(10, &format!("kakuu-more-{i}"), "wrong").await.status() == StatusCode::UNAUTHORIZED {
            more += 1;
        }
    }
    assert_eq!(checked + more, 5, "{checked} checked at once, then {more}");
    let Ok(h) = std::sync::Arc::try_unwrap(h) else { panic!("the harness is still shared") };
    h.finish().await;
}

async fn requests_without_a_known_token_are_unauthorized(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    let res = h.http.get(h.url("/api/v1/changes?buckets=x")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(res).await.code, "unauthorized");
    for path in ["/api/v1/changes?buckets=x", "/api/v1/quarantine", "/api/v1/records/x/history"] {
        let res = h.get("bm90LWEtcmVhbC10b2tlbg", path).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_body(res).await.code, "unauthorized");
    }
    let res = h.push_raw("bm90LWEtcmVhbC10b2tlbg", vec![]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    h.finish().await;
}

async fn an_expired_token_is_refused(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.token_ttl_days = 0).await else { return };
    h.world().await;
    let login = h.login("nurse-a").await;
    let res = h.get(&login.token, "/api/v1/changes?buckets=x").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(res).await.code, "token_expired");
    // An operator can also cut a token's life short.
    h.finish().await;

    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let login = h.login("nurse-a").await;
    assert_eq!(h.get(&login.token, "/api/v1/changes?buckets=x").await.status(), StatusCode::OK);
    h.storage.set_device_expiry(&login.device_id, 1_000_000).await.unwrap();
    let res = h.get(&login.token, "/api/v1/changes?buckets=x").await;
    assert_eq!(error_body(res).await.code, "token_expired");
    h.finish().await;
}

async fn a_revoked_device_is_refused_and_listed_as_revoked(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let lost = h.login("nurse-a").await;
    let other = h.login("nurse-a").await;
    h.storage.revoke_device(&lost.device_id).await.unwrap();
    let res = h.get(&lost.token, "/api/v1/changes?buckets=x").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(res).await.code, "device_revoked");
    // What it pushes is handed to the quarantine for the office, never merged.
    let mut child = new_child();
    let id = child.value().id.to_string();
    rejected(&h.push_one(&lost.token, payload(&mut child)).await, "device_revoked");
    assert_eq!(h.get(&other.token, "/api/v1/changes?buckets=x").await.status(), StatusCode::OK, "the account's other device still works");
    assert!(h.changes(&other.token, 0, None).await.documents.is_empty(), "nothing of the revoked device was stored");
    let office = h.token("office-a").await;
    let kept = h.quarantine(&office).await;
    assert_eq!(kept.iter().map(|e| (e.record_id.as_str(), e.code.as_str())).collect::<Vec<_>>(), [(id.as_str(), "device_revoked")]);
    let devices = h.storage.list_devices().await.unwrap();
    let listed = devices.iter().find(|d| d.id == lost.device_id).unwrap();
    assert!(listed.revoked_at.is_some());
    assert!(matches!(h.storage.revoke_device("no-such-device").await, Err(carebook_server::Error::UnknownDevice(_))));
    h.finish().await;
}

async fn a_nurse_stores_a_child_and_a_visit_and_reads_them_back(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (token, mut child, mut visit) = station_a_child(&h).await;
    let changes = h.changes(&token, 0, None).await;
    assert_eq!(changes.documents.len(), 2);
    assert_eq!((changes.documents[0].kind, changes.documents[1].kind), (RecordKind::Child, RecordKind::Visit));
    assert_eq!(changes.cursor, changes.documents[1].seq);
    assert_eq!((changes.more, changes.total), (false, Some(2)));
    let back: RecordDoc<Visit> = from_changes(&changes, &visit.value().id.to_string());
    assert_eq!(back.value(), visit.value());
    let back: RecordDoc<Child> = from_changes(&changes, &child.value().id.to_string());
    assert_eq!(back.value(), child.value());
    // A visit travels with its index fields, read from the stored version; a face sheet without.
    assert_eq!(changes.documents[1].index.as_ref(), Some(&visit.value().index_view()));
    assert_eq!(changes.documents[0].index, None);
    assert_eq!(changes.documents[1].child_id, child.value().id.to_string());

    // Another nurse and the office of the same station see them; the other station does not.
    let a2 = h.token("nurse-a2").await;
    assert_eq!(h.changes(&a2, 0, None).await.documents.len(), 2);
    let office = h.token("office-a").await;
    assert_eq!(h.changes(&office, 0, None).await.documents.len(), 2);
    let admin = h.token("admin").await;
    assert_eq!(h.changes(&admin, 0, None).await.documents.len(), 2);
    let b = h.token("office-b").await;
    let nothing = h.changes(&b, 0, None).await;
    assert!(nothing.documents.is_empty());
    assert_eq!((nothing.more, nothing.total), (false, Some(0)));

    // A change by the second nurse merges with the first nurse's concurrent one.
    let mut other = fork(&mut visit);
    visit.change(|v| v.place = "学校".into());
    other.change(|v| v.note.subjective.update("よく眠れていた"));
    accepted(&h.push_one(&token, payload(&mut visit)).await);
    accepted(&h.push_one(&a2, payload(&mut other)).await);
    let merged: RecordDoc<Visit> = from_changes(&h.changes(&token, changes.cursor, None).await, &visit.value().id.to_string());
    assert_eq!(merged.value().place, "学校");
    assert_eq!(merged.value().note.subjective.as_str(), "よく眠れていた");
    let _ = payload(&mut child);
    h.finish().await;
}

async fn a_nurse_of_another_station_can_neither_read_nor_write_nor_tell_what_exists(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (_, mut child, mut visit) = station_a_child(&h).await;
    let b = h.token("nurse-b").await;

    // An edit of an existing visit, a new visit for the child, an edit of the face sheet.
    let mut edit = fork(&mut visit);
    edit.change(|v| v.place = "病院".into());
    rejected(&h.push_one(&b, payload(&mut edit)).await, "forbidden");
    let mut new = new_visit(child.value().id);
    let for_new = h.push_one(&b, payload(&mut new)).await;
    rejected(&for_new, "forbidden");
    let mut sheet = fork(&mut child);
    sheet.change(|c| c.diagnosis = "（書き換え）".into());
    let for_existing = h.push_one(&b, payload(&mut sheet)).await;
    rejected(&for_existing, "forbidden");
    assert_eq!(for_new.reason, for_existing.reason, "existing or not, the answer is the same");
    // Replaying the untouched bytes of someone else's record is refused too.
    rejected(&h.push_one(&b, payload(&mut visit)).await, "forbidden");
    // Her own face sheet sent under the name of station A's child, or under a name nobody
    // uses: the same code either way, so it tells nothing of what exists.
    let mut own = new_child();
    let mut under_foreign = payload(&mut own);
    under_foreign.id = child.value().id.to_string();
    let mut under_unknown = payload(&mut own);
    let unknown_id = ChildId::random();
    under_unknown.id = unknown_id.to_string();
    let (foreign, unknown) = (h.push_one(&b, under_foreign).await, h.push_one(&b, under_unknown).await);
    schema_error(&foreign, &format!("id: expected {}, found {}", child.value().id, own.value().id));
    schema_error(&unknown, &format!("id: expected {}, found {}", unknown_id, own.value().id));

    assert!(h.changes(&b, 0, None).await.documents.is_empty());
    let a = h.token("nurse-a").await;
    let changes = h.changes(&a, 0, None).await;
    let stored: RecordDoc<Visit> = from_changes(&changes, &visit.value().id.to_string());
    assert_eq!(stored.value().place, "自宅", "nothing of the refused edit was stored");
    assert_eq!(changes.documents.len(), 2, "the refused new visit was not stored");

    // Station B's office can neither write the records nor see their history; an administrator
    // can do both.
    let office_b = h.token("office-b").await;
    rejected(&h.push_one(&office_b, payload(&mut edit)).await, "forbidden");
    assert_eq!(h.history(&office_b, &visit.value().id.to_string()).await.status(), StatusCode::FORBIDDEN);
    let admin = h.token("admin").await;
    accepted(&h.push_one(&admin, payload(&mut edit)).await);
    assert_eq!(h.history(&admin, &visit.value().id.to_string()).await.status(), StatusCode::OK);
    h.finish().await;
}

async fn a_nurse_assigned_to_a_child_of_another_station_may_work_on_it(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (_, child, mut visit) = station_a_child(&h).await;
    h.storage.assign("nurse-b", child.value().id).await.unwrap();
    let b = h.token("nurse-b").await;
    let changes = h.changes(&b, 0, None).await;
    assert_eq!(changes.documents.len(), 2);
    let mut edit = fork(&mut visit);
    edit.change(|v| v.place = "学校".into());
    accepted(&h.push_one(&b, payload(&mut edit)).await);
    let mut new = new_visit(child.value().id);
    accepted(&h.push_one(&b, payload(&mut new)).await);
    // The child still belongs to station A: its office sees nurse B's visit.
    let office_a = h.token("office-a").await;
    assert_eq!(h.changes(&office_a, 0, None).await.documents.len(), 3);
    h.finish().await;
}

async fn a_child_whose_records_another_station_keeps_cannot_be_claimed(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    // Nurse B is assigned to a child whose face sheet is not on the server yet and records a visit.
    let mut child = new_child();
    h.storage.assign("nurse-b", child.value().id).await.unwrap();
    let b = h.token("nurse-b").await;
    accepted(&h.push_one(&b, payload(&mut new_visit(child.value().id))).await);
    // Station A cannot take the child over by pushing a face sheet first.
    let a = h.token("nurse-a").await;
    rejected(&h.push_one(&a, payload(&mut child)).await, "forbidden");
    assert!(h.changes(&a, 0, None).await.documents.is_empty());
    // Nurse B can, and the child then belongs to station B.
    accepted(&h.push_one(&b, payload(&mut child)).await);
    assert_eq!(h.changes(&h.token("office-b").await, 0, None).await.documents.len(), 2);
    assert!(h.changes(&h.token("office-a").await, 0, None).await.documents.is_empty());
    h.finish().await;
}

async fn a_visit_pushed_before_its_face_sheet_in_one_request_is_accepted(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let mut child = new_child();
    let mut visit = new_visit(child.value().id);
    let results = h.push(&nurse, vec![payload(&mut visit), payload(&mut child)]).await;
    assert_eq!(results.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![visit.value().id.to_string(), child.value().id.to_string()]);
    assert!(accepted(&results[1]) < accepted(&results[0]), "the face sheet was stored first");
    h.finish().await;
}

async fn a_parent_reads_their_child_and_may_only_confirm_a_visit(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (_, mut child, visit) = station_a_child(&h).await;
    let (_, _, mut other_visit) = station_a_child(&h).await; // another child of the same station
    h.storage.assign("parent", child.value().id).await.unwrap();
    let parent = h.token("parent").await;

    let changes = h.changes(&parent, 0, None).await;
    let ids: Vec<_> = changes.documents.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids, vec![child.value().id.to_string(), visit.value().id.to_string()], "only their own child's records");

    // Confirming the visit is the one thing a parent may write.
    let mut mine: RecordDoc<Visit> = from_changes(&changes, &visit.value().id.to_string());
    mine.change(|v| {
        v.guardian = Some(GuardianConfirmation::Confirmed {
            name: "見本 保護者".into(),
            at: "2026-05-01T12:00".parse().unwrap(),
            signature: String::new(),
        })
    });
    accepted(&h.push_one(&parent, payload(&mut mine)).await);

    // Anything else is refused.
    let mut place = fork(&mut mine);
    place.change(|v| v.place = "公園".into());
    rejected(&h.push_one(&parent, payload(&mut place)).await, "forbidden");
    let mut both = fork(&mut mine);
    both.change(|v| {
        v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "不在".into() });
        v.vitals.push(VitalReading { id: "p1".into(), pulse: Some(100), ..Default::default() });
    });
    rejected(&h.push_one(&parent, payload(&mut both)).await, "forbidden");
    let mut sheet: RecordDoc<Child> = from_changes(&changes, &child.value().id.to_string());
    sheet.change(|c| c.guardians[0].phone = "000-1111-2222".into());
    rejected(&h.push_one(&parent, payload(&mut sheet)).await, "forbidden");
    let mut created = new_visit(child.value().id);
    rejected(&h.push_one(&parent, payload(&mut created)).await, "forbidden");
    let mut created_child = new_child();
    rejected(&h.push_one(&parent, payload(&mut created_child)).await, "forbidden");
    let mut not_mine = fork(&mut other_visit);
    not_mine.change(|v| v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "不在".into() }));
    rejected(&h.push_one(&parent, payload(&mut not_mine)).await, "forbidden");
    // Keys the schema does not know are invisible to the hydrated values, not to the document:
    // a confirmation that also writes junk, at the root or inside the visit, is refused.
    for (at_root, junk) in [(true, 3usize), (false, 3), (true, 1_000)] {
        let mut sneaky = fork(&mut mine);
        sneaky.change(|v| v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "就寝中".into() }));
        let doc = sneaky.automerge();
        let obj = if at_root {
            automerge::ROOT
        } else {
            match doc.get(automerge::ROOT, "note").unwrap() {
                Some((_, id)) => id,
                None => panic!("the visit has a note"),
            }
        };
        for i in 0..junk {
            doc.put(&obj, format!("junk{i}"), "x").unwrap();
        }
        doc.commit();
        rejected(&h.push_one(&parent, payload(&mut sneaky)).await, "forbidden");
    }
    // The confirmation alone, changed again, still goes through.
    let mut again = fork(&mut mine);
    again.change(|v| v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "就寝中".into() }));
    accepted(&h.push_one(&parent, payload(&mut again)).await);

    // A visit stored by an older app (schema version 1: no version in it): the parent's app
    // writes the version with the confirmation, and that is still only the confirmation.
    let nurse = h.token("nurse-a").await;
    let mut old = new_visit(child.value().id);
    old.automerge().delete(automerge::ROOT, "schema_version").unwrap();
    old.automerge().commit();
    accepted(&h.push_one(&nurse, payload(&mut old)).await);
    let mut upgraded: RecordDoc<Visit> = from_changes(&h.changes(&parent, 0, None).await, &old.value().id.to_string());
    upgraded.change(|v| v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "不在（架空）".into() }));
    assert!(upgraded.automerge().get(automerge::ROOT, "schema_version").unwrap().is_some(), "the change wrote the version");
    accepted(&h.push_one(&parent, payload(&mut upgraded)).await);

    let office = h.token("office-a").await;
    let stored: RecordDoc<Visit> = from_changes(&h.changes(&office, 0, None).await, &visit.value().id.to_string());
    assert!(matches!(stored.value().guardian, Some(GuardianConfirmation::NotConfirmed { .. })));
    assert_eq!(stored.value().place, "自宅");
    let _ = payload(&mut child);
    h.finish().await;
}

async fn a_nurse_cannot_approve_and_an_approved_record_is_locked_and_quarantined(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, child, mut visit) = station_a_child(&h).await;
    h.storage.assign("parent", child.value().id).await.unwrap();
    visit.change(|v| {
        v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "保護者不在のため後日確認".into() });
        v.status = VisitStatus::Submitted;
    });
    accepted(&h.push_one(&nurse, payload(&mut visit)).await);

    let mut approve = fork(&mut visit);
    approve.change(|v| v.status = VisitStatus::Approved);
    rejected(&h.push_one(&nurse, payload(&mut approve)).await, "forbidden");
    let office = h.token("office-a").await;
    accepted(&h.push_one(&office, payload(&mut approve)).await);

    // Locked for the nurse and the parent; the office may still correct it.
    let mut late = fork(&mut approve);
    late.change(|v| v.place = "学校".into());
    let r = h.push_one(&nurse, payload(&mut late)).await;
    rejected(&r, "locked");
    let parent = h.token("parent").await;
    let mut confirm = fork(&mut approve);
    confirm.change(|v| v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "確認済み（電話）".into() }));
    rejected(&h.push_one(&parent, payload(&mut confirm)).await, "locked");
    // Nor can it go back to draft.
    let mut back = fork(&mut approve);
    back.change(|v| v.status = VisitStatus::Draft);
    rejected(&h.push_one(&office, payload(&mut back)).await, "invalid");
    let mut fix = fork(&mut approve);
    fix.change(|v| v.place = "自宅（2階）".into());
    accepted(&h.push_one(&office, payload(&mut fix)).await);

    let entries = h.quarantine(&office).await;
    let codes: Vec<_> = entries.iter().map(|e| (e.code.as_str(), e.username.as_str())).collect();
    assert_eq!(codes, vec![("invalid", "office-a"), ("locked", "parent"), ("locked", "nurse-a"), ("forbidden", "nurse-a")], "newest first");
    let locked = &entries[2];
    assert_eq!(locked.record_id, visit.value().id.to_string());
    assert_eq!(locked.kind, "visit");
    assert!(locked.size > 0 && locked.reason.contains("locked"));
    assert!(h.quarantine(&h.token("office-b").await).await.is_empty(), "another station's office sees none of it");
    assert_eq!(h.quarantine(&h.token("admin").await).await.len(), 4);
    let res = h.get(&nurse, "/api/v1/quarantine").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_body(res).await.code, "forbidden");
    h.finish().await;
}

async fn corrupt_bytes_are_rejected_and_kept_in_quarantine(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, _, mut visit) = station_a_child(&h).await;
    let garbage = b"\x85o\x4a\x83 not an automerge document".to_vec();
    let mut truncated = payload(&mut visit);
    truncated.bytes.truncate(truncated.bytes.len() / 2);
    // A real change followed by a garbled tail: automerge would merge the head and drop the rest.
    let mut edited = fork(&mut visit);
    edited.change(|v| v.place = "学校".into());
    let mut with_tail = payload(&mut edited);
    with_tail.bytes.extend_from_slice(&garbage);
    let results = h
        .push(
            &nurse,
            vec![
                DocPayload { id: uuid::Uuid::new_v4().to_string(), kind: RecordKind::Visit, bytes: garbage.clone() },
                DocPayload { id: visit.value().id.to_string(), kind: RecordKind::Visit, bytes: garbage.clone() },
                truncated,
                with_tail,
            ],
        )
        .await;
    for r in &results {
        rejected(r, "corrupt_record");
    }
    let stranger = h.token("nurse-b").await;
    rejected(
        &h.push_one(&stranger, DocPayload { id: visit.value().id.to_string(), kind: RecordKind::Visit, bytes: garbage.clone() }).await,
        "corrupt_record",
    );

    let entries = h.quarantine(&h.token("office-a").await).await;
    assert_eq!(entries.len(), 4, "kept for the station whose nurse pushed them: {entries:?}");
    assert!(entries.iter().all(|e| e.code == "corrupt_record" && e.size > 0));
    assert!(entries.iter().any(|e| e.size == garbage.len() as i64));
    // The stored visit is untouched.
    let stored: RecordDoc<Visit> = from_changes(&h.changes(&nurse, 0, None).await, &visit.value().id.to_string());
    assert_eq!(stored.value(), visit.value());
    h.finish().await;
}

async fn a_merge_that_breaks_the_schema_or_the_rules_is_rejected_and_not_stored(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, mut child, mut visit) = station_a_child(&h).await;
    let before = h.changes(&nurse, 0, None).await;

    // An end before the start.
    let mut odd = fork(&mut visit);
    odd.change(|v| v.actual_end = Some("2026-05-01T08:50".parse().unwrap()));
    let r = h.push_one(&nurse, payload(&mut odd)).await;
    rejected(&r, "invalid");
    let reason = r.reason.unwrap();
    assert!(reason.contains("actual_end"), "{reason}");
    let mut new_bad = new_visit(child.value().id);
    new_bad.change(|v| v.vitals.push(VitalReading { id: "v1".into(), spo2: Some(140), ..Default::default() }));
    rejected(&h.push_one(&nurse, payload(&mut new_bad)).await, "invalid");
    let mut bad_sheet = fork(&mut child);
    bad_sheet.change(|c| c.municipality = "Bunkyo".into());
    rejected(&h.push_one(&nurse, payload(&mut bad_sheet)).await, "invalid");

    // A face sheet pushed as a visit, a visit under another record's name, a new record of the
    // wrong shape.
    // Each schema error names the field path and the type expected.
    let sheet_as_visit = DocPayload { id: child.value().id.to_string(), kind: RecordKind::Visit, bytes: child.save() };
    schema_error(&h.push_one(&nurse, sheet_as_visit).await, r#"record_kind: expected "visit", found "child""#);
    let misnamed_id = uuid::Uuid::new_v4().to_string();
    let misnamed = DocPayload { id: misnamed_id.clone(), kind: RecordKind::Visit, bytes: visit.save() };
    schema_error(&h.push_one(&nurse, misnamed).await, &format!("id: expected {misnamed_id}, found {}", visit.value().id));
    let mut sheet = new_child();
    let wrong_shape = DocPayload { id: sheet.value().id.to_string(), kind: RecordKind::Visit, bytes: sheet.save() };
    schema_error(&h.push_one(&nurse, wrong_shape).await, r#"record_kind: expected "visit", found "child""#);
    // What another program writes by mistake: a JavaScript number is an int, the pulse a uint.
    let mut int_pulse = new_visit(child.value().id);
    int_pulse.change(|v| v.vitals.push(VitalReading { id: "r1".into(), pulse: Some(110), ..Default::default() }));
    let doc = int_pulse.automerge();
    let vitals = match doc.get(automerge::ROOT, "vitals").unwrap() {
        Some((_, id)) => id,
        None => panic!("a visit has vitals"),
    };
    let first = match doc.get(&vitals, 0).unwrap() {
        Some((_, id)) => id,
        None => panic!("one reading"),
    };
    doc.put(&first, "pulse", automerge::ScalarValue::Int(110)).unwrap();
    doc.commit();
    schema_error(&h.push_one(&nurse, payload(&mut int_pulse)).await, "vitals[0].pulse: expected null or uint, found int");
    // A place written as text, a guardian left out instead of null.
    let mut text_place = new_visit(child.value().id);
    let doc = text_place.automerge();
    let place = doc.put_object(automerge::ROOT, "place", automerge::ObjType::Text).unwrap();
    doc.splice_text(&place, 0, 0, "学校").unwrap();
    doc.delete(automerge::ROOT, "guardian").unwrap();
    doc.commit();
    schema_error(&h.push_one(&nurse, payload(&mut text_place)).await, "place: expected str, found text");
    let mut no_guardian = new_visit(child.value().id);
    no_guardian.automerge().delete(automerge::ROOT, "guardian").unwrap();
    no_guardian.automerge().commit();
    schema_error(&h.push_one(&nurse, payload(&mut no_guardian)).await, "guardian: expected null or map, found nothing");

    let after = h.changes(&nurse, 0, None).await;
    assert_eq!(after, before, "nothing was stored");
    let quarantined = h.quarantine(&h.token("office-a").await).await;
    assert_eq!(quarantined.len(), 9);
    assert!(
        quarantined.iter().any(|q| q.code == "schema_mismatch" && q.reason.contains("vitals[0].pulse: expected null or uint, found int")),
        "the quarantine keeps the field path: {quarantined:?}"
    );
    h.finish().await;
}

/// A schema refusal whose reason names `what` (a field path and the type expected).
fn schema_error(r: &PushResult, what: &str) {
    rejected(r, "schema_mismatch");
    let reason = r.reason.as_deref().unwrap_or_default();
    assert!(reason.contains(what), "{what:?} not in {reason:?}");
}

async fn a_record_of_a_newer_schema_version_is_refused_as_too_new_not_as_corrupt(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, child, _) = station_a_child(&h).await;
    let mut newer = new_visit(child.value().id);
    let version = carebook_domain::schema::SCHEMA_VERSION + 1;
    newer.automerge().put(automerge::ROOT, "schema_version", automerge::ScalarValue::Uint(version)).unwrap();
    newer.automerge().commit();
    let r = h.push_one(&nurse, payload(&mut newer)).await;
    rejected(&r, "schema_too_new");
    let reason = r.reason.unwrap();
    assert!(reason.contains(&format!("schema version {version}")) && reason.contains("update the app"), "{reason}");
    let q = h.quarantine(&h.token("office-a").await).await;
    assert_eq!(q.iter().map(|q| q.code.as_str()).collect::<Vec<_>>(), ["schema_too_new"]);
    h.finish().await;
}

async fn changes_alone_merge_but_changes_on_missing_ancestors_are_refused(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, _, mut visit) = station_a_child(&h).await;
    let id = visit.value().id.to_string();
    let synced = visit.heads();
    visit.change(|v| v.place = "学校".into());
    let after_first = visit.heads();
    visit.change(|v| v.note.plan.update("次回も同じ手順"));
    // Only the second change: the server lacks the first, so it cannot apply it.
    let gap = DocPayload { id: id.clone(), kind: RecordKind::Visit, bytes: visit.automerge().save_after(&after_first) };
    let r = h.push_one(&nurse, gap).await;
    rejected(&r, "corrupt_record");
    assert!(r.reason.unwrap().contains("whole document"));
    // Both changes since the last sync merge.
    let both = DocPayload { id: id.clone(), kind: RecordKind::Visit, bytes: visit.automerge().save_after(&synced) };
    accepted(&h.push_one(&nurse, both).await);
    let stored: RecordDoc<Visit> = from_changes(&h.changes(&nurse, 0, None).await, &id);
    assert_eq!((stored.value().place.as_str(), stored.value().note.plan.as_str()), ("学校", "次回も同じ手順"));
    h.finish().await;
}

async fn an_oversized_body_is_refused_with_a_json_413(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.max_body_bytes = 64 * 1024).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let big = DocPayload { id: uuid::Uuid::new_v4().to_string(), kind: RecordKind::Visit, bytes: vec![7; 100 * 1024] };
    let res = h.push_raw(&nurse, vec![big.clone()]).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_body(res).await.code, "too_large");

    // Without a length up front (chunked), the limit still holds.
    let body = serde_json::to_vec(&PushRequest { documents: vec![big] }).unwrap();
    let (status, answer) = post_chunked(&h, "/api/v1/push", &nurse, &body).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains(r#""code":"too_large""#), "{answer}");

    // A small gzip body that inflates past the limit.
    let inflated =
        serde_json::to_vec(&serde_json::json!({"documents": [{"id": "x", "kind": "visit", "bytes": "A".repeat(200 * 1024)}]})).unwrap();
    let res = h
        .http
        .post(h.url("/api/v1/push"))
        .bearer_auth(&nurse)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(&inflated))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_body(res).await.code, "too_large");

    // Within the limit all is well.
    let (_, _, _) = station_a_child(&h).await;
    h.finish().await;
}

/// A POST with a chunked body (no Content-Length), spoken by hand over TCP; the status and the
/// answer's text.
async fn post_chunked(h: &Harness, path: &str, token: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(h.server.local_addr()).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: carebook\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(8 * 1024) {
        // The server may answer and close before the whole body is sent.
        if tcp.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || tcp.write_all(chunk).await.is_err()
            || tcp.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

async fn replaying_a_push_is_accepted_without_a_new_seq_or_audit_row(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let mut child = new_child();
    let mut visit = new_visit(child.value().id);
    let first = h.push(&nurse, vec![payload(&mut child), payload(&mut visit)]).await;
    let cursor = h.changes(&nurse, 0, None).await.cursor;
    let again = h.push(&nurse, vec![payload(&mut child), payload(&mut visit)]).await;
    assert_eq!(again, first, "same answer, same seq");
    assert_eq!(accepted(&again[1]), accepted(&first[1]));
    assert!(h.changes(&nurse, cursor, None).await.documents.is_empty(), "nothing new to fetch");
    let office = h.token("office-a").await;
    let history: Vec<AuditEntry> = h.history(&office, &visit.value().id.to_string()).await.json().await.unwrap();
    assert_eq!(history.len(), 1);
    // A replay from a device that has since fetched the record is the same.
    let mut fetched: RecordDoc<Visit> = from_changes(&h.changes(&nurse, 0, None).await, &visit.value().id.to_string());
    assert_eq!(accepted(&h.push_one(&nurse, payload(&mut fetched)).await), accepted(&first[1]));
    h.finish().await;
}

async fn changes_come_in_pages_with_a_cursor_and_a_total(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.changes_page_limit = 4).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let mut child = new_child();
    let mut docs = vec![payload(&mut child)];
    for _ in 0..6 {
        docs.push(payload(&mut new_visit(child.value().id)));
    }
    // Another station's records in between are skipped, not counted.
    let b = h.token("nurse-b").await;
    let mut other = new_child();
    accepted(&h.push_one(&b, payload(&mut other)).await);
    let seqs: Vec<i64> = h.push(&nurse, docs.clone()).await.iter().map(accepted).collect();
    accepted(&h.push_one(&b, payload(&mut new_visit(other.value().id))).await);

    let page1 = h.changes(&nurse, 0, Some(3)).await;
    assert_eq!(page1.documents.iter().map(|d| d.seq).collect::<Vec<_>>(), seqs[..3]);
    // 7 readable records after 0: the child and its 6 visits (the other station's 2 are not counted).
    assert_eq!((page1.cursor, page1.more, page1.total), (seqs[2], true, Some(7)));
    let page2 = h.changes(&nurse, page1.cursor, Some(100)).await;
    assert_eq!(page2.documents.iter().map(|d| d.seq).collect::<Vec<_>>(), seqs[3..], "the limit is capped at 4 by the config");
    assert_eq!((page2.cursor, page2.more, page2.total), (seqs[6], true, Some(4)), "a full page says more may follow");
    let page3 = h.changes(&nurse, page2.cursor, Some(3)).await;
    assert!(page3.documents.is_empty());
    assert_eq!((page3.more, page3.total), (false, Some(0)));
    assert!(page3.cursor > seqs[6], "the cursor moves past records the caller may not read");
    assert!(h.changes(&nurse, page3.cursor, None).await.documents.is_empty());

    let res = h.get(&nurse, "/api/v1/changes?since=0").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(error_body(res).await.message.contains("buckets"), "a feed request without the bucket digest names what is missing");
    for bad in ["/api/v1/changes?since=-1", "/api/v1/changes?limit=0", "/api/v1/changes?since=abc", "/api/v1/changes?max_bytes=0&buckets=x"]
    {
        let res = h.get(&nurse, bad).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(error_body(res).await.code, "bad_request");
    }
    h.finish().await;
}

async fn after_one_change_the_previous_cursor_yields_exactly_that_document(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let mut child = new_child();
    let mut visits: Vec<RecordDoc<Visit>> = (0..60).map(|_| new_visit(child.value().id)).collect();
    let mut docs = vec![payload(&mut child)];
    docs.extend(visits.iter_mut().map(payload));
    for batch in docs.chunks(20) {
        h.push(&nurse, batch.to_vec()).await.iter().for_each(|r| {
            accepted(r);
        });
    }
    let mut cursor = 0;
    loop {
        let page = h.changes(&nurse, cursor, Some(25)).await;
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    visits[37].change(|v| v.place = "学校".into());
    let seq = accepted(&h.push_one(&nurse, payload(&mut visits[37])).await);
    let changed = h.changes(&nurse, cursor, None).await;
    assert_eq!(changed.documents.len(), 1);
    assert_eq!(changed.documents[0].id, visits[37].value().id.to_string());
    assert_eq!((changed.cursor, changed.more, changed.documents[0].seq), (seq, false, seq));
    h.finish().await;
}

async fn history_shows_who_changed_what(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let a = h.login("nurse-a").await;
    let mut child = new_child();
    let mut visit = new_visit(child.value().id);
    h.push(&a.token, vec![payload(&mut child), payload(&mut visit)]).await;
    let created_heads = visit.heads();

    let a2 = h.login("nurse-a2").await;
    let mut second = fork(&mut visit);
    second.change(|v| {
        v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "保護者不在のため後日確認".into() });
        v.status = VisitStatus::Submitted;
    });
    accepted(&h.push_one(&a2.token, payload(&mut second)).await);
    let office = h.login("office-a").await;
    let mut approve = fork(&mut second);
    approve.change(|v| v.status = VisitStatus::Approved);
    accepted(&h.push_one(&office.token, payload(&mut approve)).await);

    let res = h.history(&office.token, &visit.value().id.to_string()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let history: Vec<AuditEntry> = res.json().await.unwrap();
    let who: Vec<_> = history.iter().map(|e| (e.username.as_str(), e.action.as_str(), e.device_id.as_str())).collect();
    assert_eq!(
        who,
        vec![
            ("nurse-a", "created", a.device_id.as_str()),
            ("nurse-a2", "changed", a2.device_id.as_str()),
            ("office-a", "changed", office.device_id.as_str()),
        ]
    );
    let hex = |heads: Vec<automerge::ChangeHash>| heads.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(",");
    assert_eq!(history[0].change_hash, hex(created_heads));
    assert_eq!(history[2].change_hash, hex(approve.heads()));
    assert!(history.windows(2).all(|w| w[0].at <= w[1].at));
    let admin = h.token("admin").await;
    assert_eq!(h.history(&admin, &visit.value().id.to_string()).await.json::<Vec<AuditEntry>>().await.unwrap(), history);

    // Nurses, other organisations and unknown ids all get the same 403.
    for (token, id) in [
        (a.token.clone(), visit.value().id.to_string()),
        (h.token("office-b").await, visit.value().id.to_string()),
        (office.token.clone(), uuid::Uuid::new_v4().to_string()),
    ] {
        let res = h.history(&token, &id).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(error_body(res).await.code, "forbidden");
    }
    h.finish().await;
}

async fn requests_of_many_records_each_get_their_own_result_and_a_record_twice_in_one_merges_both(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, child, mut visit) = station_a_child(&h).await;
    let id = visit.value().id.to_string();
    // Four requests at once; each carries two edits of the shared visit, two new visits and one
    // visit that breaks the rules.
    let mut tasks = Vec::new();
    for i in 0..4u32 {
        let mut docs = Vec::new();
        for j in 0..2u32 {
            let mut replica = fork(&mut visit);
            let key = format!("r{i}-{j}");
            replica.change(|v| v.vitals.push(VitalReading { id: key, pulse: Some(100 + i), ..Default::default() }));
            docs.push(payload(&mut replica));
        }
        docs.insert(1, payload(&mut new_visit(child.value().id)));
        docs.push(payload(&mut new_visit(child.value().id)));
        let mut bad = new_visit(child.value().id);
        bad.change(|v| v.staff.clear());
        docs.push(payload(&mut bad));
        let (http, url, token) = (h.http.clone(), h.url("/api/v1/push"), nurse.clone());
        tasks.push(tokio::spawn(async move {
            let res = http.post(url).bearer_auth(token).json(&PushRequest { documents: docs }).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<PushResponse>().await.unwrap().results
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        let results = t.await.unwrap();
        assert_eq!(results.len(), 5, "one result per document, in request order");
        assert_eq!((results[0].id.as_str(), results[2].id.as_str()), (id.as_str(), id.as_str()));
        for r in &results[..4] {
            seqs.push(accepted(r));
        }
        rejected(&results[4], "invalid");
    }
    let n = seqs.len();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), n, "every accepted version took its own seq");
    let changes = h.changes(&nurse, 0, None).await;
    assert_eq!(changes.documents.len(), 2 + 8, "the child, the shared visit and 8 new visits; no refused one");
    let stored: RecordDoc<Visit> = from_changes(&changes, &id);
    let mut keys: Vec<_> = stored.value().vitals.iter().map(|v| v.id.clone()).collect();
    keys.sort();
    let expected: Vec<String> = (0..4).flat_map(|i| (0..2).map(move |j| format!("r{i}-{j}"))).collect();
    assert_eq!(keys, expected, "all 8 edits of the shared visit survive");
    h.finish().await;
}

async fn a_pushed_id_that_cannot_name_a_record_is_refused_and_kept_under_a_description(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, child, _) = station_a_child(&h).await;
    let mut visit = new_visit(child.value().id);
    let mut forged = payload(&mut visit);
    forged.id = format!("{}\n2026-12-02T00:00:00Z INFO forged line", forged.id);
    let mut huge = payload(&mut visit);
    huge.id = "x".repeat(100_000);
    let results = h.push(&nurse, vec![forged, huge, payload(&mut visit)]).await;
    rejected(&results[0], "invalid");
    rejected(&results[1], "invalid");
    assert!(results[1].reason.as_deref().unwrap().contains("got 100000 characters"), "{:?}", results[1].reason);
    accepted(&results[2]);
    let office = h.token("office-a").await;
    let q = h.quarantine(&office).await;
    let kept: Vec<&str> = q.iter().filter(|e| e.code == "invalid").map(|e| e.record_id.as_str()).collect();
    assert!(kept.contains(&"(invalid id: 100000 bytes)"), "{kept:?}");
    assert!(q.iter().all(|e| !e.record_id.contains('\n') && e.record_id.len() <= 64), "no raw id is kept");
    h.finish().await;
}

async fn concurrent_pushes_to_one_record_all_survive(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, _, mut visit) = station_a_child(&h).await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let mut replica = fork(&mut visit);
        replica.change(|v| v.vitals.push(VitalReading { id: format!("r{i}"), pulse: Some(100 + i), ..Default::default() }));
        let (http, url, token, doc) = (h.http.clone(), h.url("/api/v1/push"), nurse.clone(), payload(&mut replica));
        tasks.push(tokio::spawn(async move {
            let res = http.post(url).bearer_auth(token).json(&PushRequest { documents: vec![doc] }).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<PushResponse>().await.unwrap().results.remove(0)
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(accepted(&t.await.unwrap()));
    }
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 6, "each push took its own seq");
    let stored: RecordDoc<Visit> = from_changes(&h.changes(&nurse, 0, None).await, &visit.value().id.to_string());
    let mut ids: Vec<_> = stored.value().vitals.iter().map(|v| v.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, vec!["r0", "r1", "r2", "r3", "r4", "r5"]);
    h.finish().await;
}

async fn responses_are_gzipped_and_gzipped_requests_are_read(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, mut child, _) = station_a_child(&h).await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let feed = format!("/api/v1/changes?buckets={}", buckets_digest([child.value().id.to_string().as_str()]));
    let res = raw.get(h.url(&feed)).bearer_auth(&nurse).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    let mut json = String::new();
    flate2::read::GzDecoder::new(&res.bytes().await.unwrap()[..]).read_to_string(&mut json).unwrap();
    let changes: ChangesResponse = serde_json::from_str(&json).unwrap();
    assert_eq!(changes.documents.len(), 2);

    child.change(|c| c.diagnosis = "（架空の診断名・更新）".into());
    let body = serde_json::to_vec(&PushRequest { documents: vec![payload(&mut child)] }).unwrap();
    let res = raw
        .post(h.url("/api/v1/push"))
        .bearer_auth(&nurse)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    accepted(&res.json::<PushResponse>().await.unwrap().results[0]);
    h.finish().await;
}

async fn admin_operations_refuse_duplicates_and_unknown_names(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    use carebook_server::Error;
    let s = &h.storage;
    assert!(matches!(s.add_user("nurse-a", PASSWORD, Role::Nurse, "st-a", OrgKind::Station).await, Err(Error::UsernameTaken(_))));
    assert!(matches!(s.add_user("new", PASSWORD, Role::Nurse, "st-a", OrgKind::Municipality).await, Err(Error::OrgKindMismatch { .. })));
    // The password rule (carebook_domain::check_password): each refusal names the rule, never the password.
    for (name, bad, code) in [
        ("short", "kakuu-hana-1", "too_short"),
        ("common", "qwertyuiop123", "common"),
        ("kakuu-nurse-z", "Kakuu-Nurse-Z-2026", "contains_username"),
    ] {
        match s.add_user(name, bad, Role::Nurse, "st-a", OrgKind::Station).await {
            Err(Error::Password(problems)) => {
                assert!(problems.has_code(code), "{name}: {problems}");
                let text = Error::Password(problems).to_string();
                assert!(!text.contains(bad), "{text}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(!s.list_users().await.unwrap().iter().any(|u| ["short", "common", "kakuu-nurse-z"].contains(&u.username.as_str())));
    assert!(matches!(s.add_user("has space", PASSWORD, Role::Nurse, "st-a", OrgKind::Station).await, Err(Error::Invalid { .. })));
    assert!(matches!(s.assign("nobody", ChildId::random()).await, Err(Error::UnknownUser(_))));
    let child = ChildId::random();
    s.assign("parent", child).await.unwrap();
    s.assign("parent", child).await.unwrap();
    let users = s.list_users().await.unwrap();
    assert_eq!(users.len(), 7);
    let parent = users.iter().find(|u| u.username == "parent").unwrap();
    assert_eq!((parent.role, parent.org_kind, parent.children.clone()), (Role::Parent, OrgKind::Station, vec![child.to_string()]));
    let admin = users.iter().find(|u| u.username == "admin").unwrap();
    assert_eq!((admin.org_id.as_str(), admin.org_kind), ("tokyo-13105", OrgKind::Municipality));
    // Passwords are stored as Argon2id hashes: the account logs in, the password is nowhere.
    assert_eq!(h.login_as("parent", PASSWORD).await.status(), StatusCode::OK);
    h.finish().await;
}

async fn bombs_are_refused_before_they_inflate_with_the_same_answer_whether_or_not_the_record_exists(db: Db) {
    use carebook_domain::bounds::bombs;
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, _, visit) = station_a_child(&h).await;
    let existing = visit.value().id.to_string();
    let missing = uuid::Uuid::new_v4().to_string();
    let parent = h.token("parent").await;
    let limit = Config::default().max_document_inflated_bytes;
    assert_eq!(limit, 32 * 1024 * 1024);
    // Each would inflate to 2 GiB, or claim 2^40 operations, inside automerge.
    let cases = [
        (bombs::compressed_change(2048), format!("expected at most {limit} bytes once inflated, got more")),
        (bombs::document_column(2048), format!("expected at most {limit} bytes once inflated, got more")),
        (bombs::rle_rows(1 << 40), "expected at most 100000 operations, got more".to_string()),
    ];
    for (bytes, expected) in &cases {
        let results = h
            .push(
                &parent,
                vec![
                    DocPayload { id: missing.clone(), kind: RecordKind::Visit, bytes: bytes.clone() },
                    DocPayload { id: existing.clone(), kind: RecordKind::Visit, bytes: bytes.clone() },
                ],
            )
            .await;
        for r in &results {
            rejected(r, "too_large");
            let reason = r.reason.as_deref().unwrap();
            assert!(reason.starts_with("記録が大きすぎます") && reason.contains(expected.as_str()), "{reason}");
        }
        assert_eq!(results[0].reason, results[1].reason, "the same answer whether or not the record exists");
    }
    // Kept in quarantine like other refusals; the stored visit is untouched.
    let entries = h.quarantine(&h.token("office-a").await).await;
    assert_eq!(entries.iter().filter(|e| e.code == "too_large").count(), 6, "{entries:?}");
    let stored: RecordDoc<Visit> = from_changes(&h.changes(&nurse, 0, None).await, &existing);
    assert_eq!(stored.value(), visit.value());
    h.finish().await;
}

async fn a_document_past_the_change_limit_is_refused_and_pushes_cannot_grow_one_past_it(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.max_document_changes = 5).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let mut child = new_child();
    accepted(&h.push_one(&nurse, payload(&mut child)).await);

    // Six changes in one document: refused, naming the limit.
    let mut big = new_visit(child.value().id);
    for i in 0..5 {
        big.change(|v| v.place = format!("見本{i}"));
    }
    assert_eq!(big.automerge().get_changes(&[]).len(), 6);
    let r = h.push_one(&nurse, payload(&mut big)).await;
    rejected(&r, "too_large");
    assert!(r.reason.as_deref().unwrap().contains("expected at most 5 changes, got more"), "{r:?}");

    // Five changes pass; two more sent as changes alone pass the scan but would make seven.
    let mut visit = new_visit(child.value().id);
    for i in 0..4 {
        visit.change(|v| v.place = format!("架空{i}"));
    }
    accepted(&h.push_one(&nurse, payload(&mut visit)).await);
    let heads = visit.heads();
    visit.change(|v| v.place = "学校".into());
    visit.change(|v| v.place = "病院".into());
    let tail = DocPayload { id: visit.value().id.to_string(), kind: RecordKind::Visit, bytes: visit.automerge().save_after(&heads) };
    let r = h.push_one(&nurse, tail).await;
    rejected(&r, "too_large");
    let reason = r.reason.as_deref().unwrap();
    assert!(reason.contains("expected at most 5 changes") && reason.contains("once merged"), "{reason}");
    let stored: RecordDoc<Visit> = from_changes(&h.changes(&nurse, 0, None).await, &visit.value().id.to_string());
    assert_eq!(stored.value().place, "架空3");
    h.finish().await;
}

async fn the_documents_of_one_push_share_a_budget_of_inflated_bytes(db: Db) {
    use carebook_domain::bounds::bombs;
    let budget = 80 * 1024 * 1024;
    let Some(h) = Harness::start_with(db, |c| c.max_push_inflated_bytes = budget).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let mut child = new_child();
    accepted(&h.push_one(&nurse, payload(&mut child)).await);
    let bomb = |_| DocPayload { id: uuid::Uuid::new_v4().to_string(), kind: RecordKind::Visit, bytes: bombs::compressed_change(40) };
    // Each bomb costs its 32 MiB allowance and a little: two of them, then a third that only has
    // what is left of 80 MiB, then a real visit once nothing is left.
    let mut visit = new_visit(child.value().id);
    let mut documents: Vec<DocPayload> = (0..3).map(bomb).collect();
    documents.push(payload(&mut visit));
    let results = h.push(&nurse, documents).await;
    for r in &results[..2] {
        rejected(r, "too_large");
        assert!(r.reason.as_deref().unwrap().contains("expected at most 33554432 bytes once inflated"), "{r:?}");
    }
    for r in &results[2..] {
        rejected(r, "too_large");
        assert!(
            r.reason.as_deref().unwrap().contains(&format!("the documents of one push may inflate to at most {budget} bytes together")),
            "{r:?}"
        );
    }
    // The next push has its own budget.
    accepted(&h.push_one(&nurse, payload(&mut visit)).await);
    h.finish().await;
}

async fn post_json(h: &Harness, token: &str, path: &str, body: serde_json::Value) -> reqwest::Response {
    h.http.post(h.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
}

async fn an_office_manages_its_own_people_and_nobody_elses(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let office = h.token("office-a").await;
    let nurse_token = h.token("nurse-a").await;

    // Adding: a one-time password comes back once; the person belongs to the office's station.
    let new = serde_json::json!({"username": "mihon-pt", "role": "nurse", "name": "見本 理子", "kana": "みほん りこ", "profession": "physiotherapist"});
    let res = post_json(&h, &office, "/api/v1/people", new.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let added: serde_json::Value = res.json().await.unwrap();
    assert_eq!(added["person"]["org_id"], "st-a");
    assert_eq!(added["person"]["name"], "見本 理子");
    let one_time = added["one_time_password"]["password"].as_str().unwrap().to_string();
    assert_eq!(h.login_as("mihon-pt", &one_time).await.status(), StatusCode::FORBIDDEN, "the one-time password must be replaced first");
    // The same name again, a bad reading, another station, an administrator: refused, nothing added.
    assert_eq!(post_json(&h, &office, "/api/v1/people", new).await.status(), StatusCode::CONFLICT);
    let bad = serde_json::json!({"username": "x1", "role": "nurse", "name": "見本", "kana": "mihon"});
    let body = error_body(post_json(&h, &office, "/api/v1/people", bad).await).await;
    assert_eq!((body.code.as_str(), body.problems[0].field.as_str()), ("invalid", "kana"));
    let elsewhere = serde_json::json!({"username": "x2", "role": "nurse", "name": "見本", "kana": "", "org_id": "st-b"});
    assert_eq!(post_json(&h, &office, "/api/v1/people", elsewhere).await.status(), StatusCode::FORBIDDEN);
    let admin = serde_json::json!({"username": "x3", "role": "admin", "name": "見本", "kana": ""});
    assert_eq!(post_json(&h, &office, "/api/v1/people", admin).await.status(), StatusCode::FORBIDDEN);
    assert!(h.storage.person("x1").await.is_err() && h.storage.person("x2").await.is_err() && h.storage.person("x3").await.is_err());

    // The list is the office's own organisation, with devices.
    let res = h.get(&office, "/api/v1/people").await;
    assert_eq!(res.status(), StatusCode::OK);
    let people: Vec<carebook_domain::PersonDetail> = res.json().await.unwrap();
    let mut names: Vec<&str> = people.iter().map(|p| p.username.as_str()).collect();
    names.sort();
    assert_eq!(names, ["mihon-pt", "nurse-a", "nurse-a2", "office-a", "parent"]);
    assert_eq!(people.iter().find(|p| p.username == "nurse-a").unwrap().devices.len(), 1);
    // Nurses manage nobody.
    assert_eq!(h.get(&nurse_token, "/api/v1/people").await.status(), StatusCode::FORBIDDEN);

    // Another station's person is as unknown as a name nobody has.
    for who in ["nurse-b", "nobody-at-all"] {
        let res = post_json(&h, &office, &format!("/api/v1/people/{who}/disable"), serde_json::json!({})).await;
        assert_eq!(error_body(res).await.code, "not_found", "{who}");
    }
    // Changing: name and profession; not the office's own role; not to administrator.
    let res = post_json(&h, &office, "/api/v1/people/nurse-a", serde_json::json!({"name": "見本 看子", "profession": "nurse"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let p: carebook_domain::PersonDetail = res.json().await.unwrap();
    assert_eq!((p.person.name.as_str(), p.person.profession), ("見本 看子", Some(carebook_domain::Profession::Nurse)));
    let res = post_json(&h, &office, "/api/v1/people/office-a", serde_json::json!({"role": "nurse"})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "not yourself");
    let res = post_json(&h, &office, "/api/v1/people/nurse-a2", serde_json::json!({"role": "admin"})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post_json(&h, &office, "/api/v1/people/nurse-a2", serde_json::json!({"org_id": "st-b"})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "only an administrator moves people");

    // Disabling revokes the nurse's device at once: her next request is refused as revoked.
    let res = post_json(&h, &office, "/api/v1/people/nurse-a/disable", serde_json::json!({})).await;
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["devices_revoked"], 1);
    assert_eq!(error_body(h.get(&nurse_token, "/api/v1/directory").await).await.code, "device_revoked");
    assert_eq!(error_body(h.login_as("nurse-a", PASSWORD).await).await.code, "account_disabled");
    let res = post_json(&h, &office, "/api/v1/people/nurse-a/enable", serde_json::json!({})).await;
    assert_eq!(res.json::<carebook_domain::PersonDetail>().await.unwrap().disabled_at, None);
    assert_eq!(h.login_as("nurse-a", PASSWORD).await.status(), StatusCode::OK);
    // A reset gives a one-time password; the old password stops working.
    let res = post_json(&h, &office, "/api/v1/people/nurse-a/password-reset", serde_json::json!({})).await;
    let reset: carebook_domain::OneTimePassword = res.json().await.unwrap();
    assert_eq!(h.login_as("nurse-a", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(h.login_as("nurse-a", &reset.password).await).await.code, "password_change_required");

    // An administrator moves a person to another station.
    let admin = h.token("admin").await;
    let res = post_json(&h, &admin, "/api/v1/people/nurse-a2", serde_json::json!({"org_id": "st-b"})).await;
    assert_eq!(res.json::<carebook_domain::PersonDetail>().await.unwrap().person.org_id, "st-b");
    // Every change is in the events, with who made it.
    let events: Vec<(Option<String>, String)> =
        h.storage.org_events(Some("nurse-a")).await.unwrap().into_iter().map(|e| (e.actor, e.action)).collect();
    let office_did = |a: &str| (Some("office-a".to_string()), a.to_string());
    assert_eq!(
        events,
        [
            (None, "user_added".to_string()),
            office_did("profile_changed"),
            office_did("user_disabled"),
            office_did("user_enabled"),
            office_did("password_reset")
        ]
    );
    h.finish().await;
}

async fn the_directory_lists_stations_and_staff_by_name_and_answers_304_when_unchanged(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let org = carebook_domain::Org {
        id: "st-b".into(), kind: OrgKind::Station, name: "架空第二ステーション".into(), municipality: None
    };
    h.storage.add_org(&org, None).await.unwrap();
    h.storage.set_profile("nurse-b", Some("見本 二郎"), Some("みほん じろう"), None, None).await.unwrap();
    h.storage.disable_user("nurse-a2", None).await.unwrap();
    let nurse = h.token("nurse-a").await;

    let res = h.get(&nurse, "/api/v1/directory").await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers().get("etag").expect("an ETag").clone();
    let dir: carebook_domain::Directory = res.json().await.unwrap();
    assert_eq!(dir.org("st-b").map(|o| o.name.as_str()), Some("架空第二ステーション"));
    let b = dir.people.iter().find(|p| p.org_id == "st-b" && p.role == Role::Nurse).expect("the other station's nurse, for handovers");
    assert_eq!((b.name.as_str(), b.kana.as_str()), ("見本 二郎", "みほん じろう"));
    let text = serde_json::to_string(&dir).unwrap();
    assert!(!text.contains("nurse-b") && !text.contains("\"username\""), "account names are not shown to others: {text}");
    assert_eq!(dir.people.len(), 4, "nurse-a, office-a, nurse-b, office-b: not the disabled, the parent or the administrator");

    let again = h.http.get(h.url("/api/v1/directory")).bearer_auth(&nurse).header("if-none-match", etag.clone()).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    h.storage.set_profile("nurse-b", Some("見本 次郎"), None, None, None).await.unwrap();
    let changed = h.http.get(h.url("/api/v1/directory")).bearer_auth(&nurse).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK, "a changed name changes the ETag");
    h.finish().await;
}

/// A daytime-care day for `child` from `start` to `end`, one lead nurse.
fn daytime_visit(child: ChildId, start: &str, end: &str) -> RecordDoc<Visit> {
    let mut v = carebook_testkit::respite(child, start, end);
    v.kind = VisitKind::Daytime;
    v.provider = Some(carebook_domain::ProviderKind::Hospital);
    RecordDoc::create(v, ActorId::random())
}

/// A face sheet whose score items are `score`.
fn child_scored(score: Vec<ScoreEntry>) -> RecordDoc<Child> {
    RecordDoc::create(Child { score, ..carebook_testkit::child("13105") }, ActorId::random())
}

async fn daytime_care_is_checked_against_the_childs_stored_score_and_a_short_day_is_accepted(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let ventilator = ScoreEntry { item: CareItem::Ventilator, watch: Watch::High };
    // Ventilator with high watch: 10 + 2 = 12 points, under 16.
    let mut eligible = child_scored(vec![ventilator.clone()]);
    // Ventilator (high) 12 + tube feeding (high) 8 + 2 = 22 points.
    let mut heavy = child_scored(vec![ventilator.clone(), ScoreEntry { item: CareItem::TubeFeeding, watch: Watch::High }]);
    // No score item entered: the score is unknown.
    let mut unscored = child_scored(vec![]);
    for r in h.push(&nurse, vec![payload(&mut eligible), payload(&mut heavy), payload(&mut unscored)]).await {
        accepted(&r);
    }

    // Under 16: an 8 h day, and a 6 h day (under the 8 h asked for in principle) are both stored.
    let mut full = daytime_visit(eligible.value().id, "2026-06-01T09:00", "2026-06-01T17:00");
    let mut short = daytime_visit(eligible.value().id, "2026-06-02T09:00", "2026-06-02T15:00");
    accepted(&h.push_one(&nurse, payload(&mut full)).await);
    accepted(&h.push_one(&nurse, payload(&mut short)).await);

    // 22 points: refused, the reason naming the child's score.
    let r = h.push_one(&nurse, payload(&mut daytime_visit(heavy.value().id, "2026-06-01T09:00", "2026-06-01T17:00"))).await;
    rejected(&r, "invalid");
    let reason = r.reason.unwrap();
    assert!(reason.starts_with("child.score: ") && reason.contains("under 16, not 22"), "{reason}");
    // Unknown: refused as unknown, not passed as 0.
    let mut waiting = daytime_visit(unscored.value().id, "2026-06-01T09:00", "2026-06-01T17:00");
    let r = h.push_one(&nurse, payload(&mut waiting)).await;
    rejected(&r, "invalid");
    let reason = r.reason.unwrap();
    assert!(reason.starts_with("child.score: ") && reason.contains("score is unknown"), "{reason}");

    // The score entered on the face sheet and the day pushed again in one request (the day
    // first): the face sheet is stored first, and the day is checked against it.
    unscored.change(|c| c.score = vec![ScoreEntry { item: CareItem::Suction, watch: Watch::High }]);
    let results = h.push(&nurse, vec![payload(&mut waiting), payload(&mut unscored)]).await;
    assert!(accepted(&results[1]) < accepted(&results[0]), "{results:?}");
    // A new child and its day in one request: checked against the face sheet that came with it.
    let mut new_heavy = child_scored(vec![ventilator.clone(), ScoreEntry { item: CareItem::Dialysis, watch: Watch::None }]);
    let mut its_day = daytime_visit(new_heavy.value().id, "2026-06-01T09:00", "2026-06-01T17:00");
    let results = h.push(&nurse, vec![payload(&mut its_day), payload(&mut new_heavy)]).await;
    accepted(&results[1]);
    rejected(&results[0], "invalid");
    assert!(results[0].reason.as_deref().unwrap().contains("under 16, not 20"), "12 + dialysis 8 = 20: {results:?}");
    // A score raised to 16 or more refuses the next change of an eligible child's day.
    eligible.change(|c| c.score.push(ScoreEntry { item: CareItem::Oxygen, watch: Watch::None }));
    accepted(&h.push_one(&nurse, payload(&mut eligible)).await);
    short.change(|v| v.place = "架空クリニック".into());
    let r = h.push_one(&nurse, payload(&mut short)).await;
    rejected(&r, "invalid");
    assert!(r.reason.unwrap().contains("not 20"), "12 + oxygen 8 = 20");
    h.finish().await;
}

async fn a_respite_session_outside_two_to_four_hours_is_accepted_with_its_real_times(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (nurse, child, _) = station_a_child(&h).await;
    let id = child.value().id;
    // 1 h 59, 4 h 01, 4 h 30 and 4 h 30 across midnight: recorded as they happened (the
    // rules count them as nothing or as 4 h; the device's index does that counting).
    for (start, end) in [
        ("2026-06-01T09:00", "2026-06-01T10:59"),
        ("2026-06-02T09:00", "2026-06-02T13:01"),
        ("2026-06-03T09:00", "2026-06-03T13:30"),
        ("2026-06-03T22:30", "2026-06-04T03:00"),
    ] {
        let mut v = RecordDoc::create(carebook_testkit::respite(id, start, end), ActorId::random());
        accepted(&h.push_one(&nurse, payload(&mut v)).await);
        let changes = h.changes(&nurse, 0, None).await;
        let back: RecordDoc<Visit> = from_changes(&changes, &v.value().id.to_string());
        assert_eq!(back.value().actual_end, Some(end.parse().unwrap()), "{start}–{end}");
    }
    h.finish().await;
}

// ---- the municipality's view --------------------------------------------------------------

/// Today in Japan, from the system clock, worked out here apart from the server's code.
fn today_in_japan() -> carebook_domain::Date {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    carebook_domain::Date::from_days_since_epoch((secs + 9 * 3600).div_euclid(86_400))
}

fn days_from_today(days: i64) -> carebook_domain::Date {
    carebook_domain::Date::from_days_since_epoch(today_in_japan().days_since_epoch() + days)
}

/// A face sheet in `municipality` with a consent given `given` days from today, for `days`
/// days, withdrawn `withdrawn` days from today.
fn consented_child(municipality: &str, consent: Option<(i64, i64, Option<i64>)>) -> RecordDoc<Child> {
    let mut c = carebook_testkit::child(municipality);
    c.sharing = consent.map(|(given, days, withdrawn)| carebook_domain::SharingConsent {
        by: "見本 母".into(),
        given_on: days_from_today(given),
        scope: carebook_domain::SharingScope::RespiteRecords,
        until: days_from_today(given + days - 1),
        withdrawn_on: withdrawn.map(days_from_today),
    });
    RecordDoc::create(c, ActorId::random())
}

async fn welfare_sections(h: &Harness) {
    for (id, code) in [("ku-bunkyo", "13105"), ("ku-minato", "13103")] {
        let org = carebook_domain::Org {
            id: id.into(),
            kind: OrgKind::Municipality,
            name: "架空区 障害福祉課".into(),
            municipality: Some(code.into()),
        };
        h.storage.add_org(&org, None).await.unwrap();
    }
    h.storage.add_user("muni-bunkyo", PASSWORD, Role::Municipality, "ku-bunkyo", OrgKind::Municipality).await.unwrap();
    h.storage.add_user("muni-minato", PASSWORD, Role::Municipality, "ku-minato", OrgKind::Municipality).await.unwrap();
}

async fn a_municipality_reads_only_the_consented_children_of_its_municipality_and_writes_nothing(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    welfare_sections(&h).await;
    let nurse = h.token("nurse-a").await;
    // Bunkyo (13105): consented for 60 days from 30 days ago; no consent; consent withdrawn
    // today; consent that ended yesterday; consent from tomorrow. Minato (13103): consented.
    let mut shared = consented_child("13105", Some((-30, 60, None)));
    let mut unshared = consented_child("13105", None);
    let mut withdrawn = consented_child("13105", Some((-30, 60, Some(0))));
    let mut expired = consented_child("13105", Some((-30, 30, None)));
    let mut minato = consented_child("13103", Some((-30, 60, None)));
    let mut docs = Vec::new();
    let mut visits = Vec::new();
    for child in [&mut shared, &mut unshared, &mut withdrawn, &mut expired, &mut minato] {
        let mut visit = new_visit(child.value().id);
        docs.push(payload(child));
        docs.push(payload(&mut visit));
        visits.push(visit);
    }
    for r in h.push(&nurse, docs).await {
        accepted(&r);
    }
    // A consent not yet in force cannot be recorded (its day is in the future): refused.
    let mut future = consented_child("13105", Some((1, 60, None)));
    rejected(&h.push_one(&nurse, payload(&mut future)).await, "invalid");

    let id = |c: &RecordDoc<Child>| c.value().id.to_string();
    let bunkyo = h.token("muni-bunkyo").await;
    let feed = h.changes(&bunkyo, 0, None).await;
    let mut got: Vec<(String, String)> = feed.documents.iter().map(|d| (d.child_id.clone(), d.id.clone())).collect();
    got.sort();
    let mut want = vec![(id(&shared), id(&shared)), (id(&shared), visits[0].value().id.to_string())];
    want.sort();
    assert_eq!(got, want, "the face sheet and visit of the one consented Bunkyo child");
    let minato_feed = h.changes(&h.token("muni-minato").await, 0, None).await;
    let minato_children: std::collections::BTreeSet<&str> = minato_feed.documents.iter().map(|d| d.child_id.as_str()).collect();
    assert_eq!(minato_children.into_iter().collect::<Vec<_>>(), [id(&minato).as_str()], "another municipality's consented child only");

    // Its pushes are refused, whatever they are, and nothing of them is stored.
    let mut copy: RecordDoc<Visit> = from_changes(&feed, &visits[0].value().id.to_string());
    copy.change(|v| v.place = "区役所".into());
    let mut own = consented_child("13105", Some((-1, 30, None)));
    let results = h.push(&bunkyo, vec![payload(&mut copy), payload(&mut own)]).await;
    rejected(&results[0], "forbidden");
    rejected(&results[1], "forbidden");
    let stored: RecordDoc<Visit> = from_changes(&h.changes(&nurse, 0, None).await, &visits[0].value().id.to_string());
    assert_eq!(stored.value().place, "自宅", "the visit is unchanged");
    let admin = h.changes(&h.token("admin").await, 0, None).await;
    assert!(admin.documents.iter().all(|d| d.child_id != id(&own)), "the municipality's own child was not stored");
    assert_eq!(admin.documents.len(), 10);
    let kept = h.quarantine(&h.token("admin").await).await;
    assert!(kept.iter().all(|q| q.username != "muni-bunkyo"), "nor kept in the quarantine: {kept:?}");

    // Not an office: no quarantine, no people, no history; the directory has orgs, no people.
    for path in ["/api/v1/quarantine", "/api/v1/quarantine/devices", "/api/v1/people"] {
        assert_eq!(h.get(&bunkyo, path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(h.history(&bunkyo, &id(&shared)).await.status(), StatusCode::FORBIDDEN);
    let res = h.get(&bunkyo, "/api/v1/directory").await;
    assert_eq!(res.status(), StatusCode::OK);
    let directory: carebook_domain::Directory = res.json().await.unwrap();
    assert!(directory.people.is_empty() && directory.orgs.iter().any(|o| o.id == "ku-bunkyo"));

    // The guardian withdraws: from that day the child leaves the municipality's readable set.
    let mut sheet: RecordDoc<Child> = from_changes(&h.changes(&nurse, 0, None).await, &id(&shared));
    sheet.change(|c| c.sharing.as_mut().unwrap().withdrawn_on = Some(today_in_japan()));
    accepted(&h.push_one(&nurse, payload(&mut sheet)).await);
    let after = h.changes_holding(&bunkyo, 0, None, "none").await;
    assert_eq!(after.buckets, Some(vec![]), "nothing readable any more");
    assert!(h.changes(&bunkyo, 0, None).await.documents.is_empty());
    h.finish().await;
}

async fn the_municipality_role_belongs_only_to_a_welfare_section(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    welfare_sections(&h).await;
    let refused = h.storage.add_user("muni-st", PASSWORD, Role::Municipality, "st-a", OrgKind::Station).await;
    assert!(matches!(&refused, Err(carebook_server::Error::Invalid { value, .. }) if value == "municipality"), "{refused:?}");
    let refused = h.storage.add_user("nurse-ku", PASSWORD, Role::Nurse, "ku-bunkyo", OrgKind::Municipality).await;
    assert!(matches!(&refused, Err(carebook_server::Error::Invalid { value, .. }) if value == "nurse"), "{refused:?}");
    // Moving a nurse to a welfare section, or making a station's office a municipality, is refused too.
    assert!(h.storage.change_user("nurse-a", None, Some(("ku-bunkyo", OrgKind::Municipality))).await.is_err());
    assert!(h.storage.change_user("office-a", Some(Role::Municipality), None).await.is_err());
    let office = h.storage.change_user("office-a", None, None).await.unwrap();
    assert_eq!((office.role, office.org_id.as_str()), (Role::Office, "st-a"), "a refused change changes nothing");
    // An office of a welfare section may become its municipality user.
    h.storage.add_user("office-ku", PASSWORD, Role::Office, "ku-minato", OrgKind::Municipality).await.unwrap();
    let changed = h.storage.change_user("office-ku", Some(Role::Municipality), None).await.unwrap();
    assert_eq!(changed.role, Role::Municipality);
    h.finish().await;
}

// ---- transfers ------------------------------------------------------------------------------

/// A submitted accompanied handover visit of `child` today from st-a to st-b, with `a` present
/// from st-a and `b` claiming st-b, each signing for their side.
fn handover_visit(child: ChildId, a: &str, b: &str) -> RecordDoc<Visit> {
    use carebook_domain::{DateTime, Handover, HandoverTopic, Profession, SignOff, StaffMember, StaffRole, Station, TimeOfDay};
    let at = |h: u8| DateTime::new(today_in_japan(), TimeOfDay::new(h, 0).unwrap());
    let station = |id: &str| Station { id: id.into(), name: format!("架空 {id}") };
    let member = |id: &str, role, st: &str| StaffMember {
        id: id.into(),
        name: "架空 看護師".into(),
        profession: Profession::Nurse,
        role,
        station_id: st.into(),
    };
    let mut v = Visit::new(child, VisitKind::Handover, station("st-a"));
    (v.actual_start, v.actual_end) = (Some(at(10)), Some(at(11)));
    v.staff = vec![member(a, StaffRole::Lead, "st-a"), member(b, StaffRole::Accompanying, "st-b")];
    v.handover = Some(Handover {
        from_station: station("st-a"),
        to_station: station("st-b"),
        topics: vec![HandoverTopic { id: "t1".into(), topic: "吸引の手順".into(), detail: String::new() }],
        from_sign_off: Some(SignOff { staff_id: a.into(), name: "架空 看護師".into(), at: at(11) }),
        to_sign_off: Some(SignOff { staff_id: b.into(), name: "架空 看護師".into(), at: at(11) }),
    });
    v.guardian = Some(GuardianConfirmation::Confirmed { name: "見本 保護者".into(), at: at(11), signature: String::new() });
    v.status = VisitStatus::Submitted;
    RecordDoc::create(v, ActorId::random())
}

/// The fields and codes of a refused transfer's problems.
async fn transfer_refused(h: &Harness, token: &str, child: &str, body: serde_json::Value) -> Vec<(String, String)> {
    let res = post_json(h, token, &format!("/api/v1/children/{child}/transfer"), body).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = error_body(res).await;
    assert_eq!(body.code, "invalid");
    body.problems.into_iter().map(|p| (p.field, p.code)).collect()
}

async fn a_transfer_needs_the_giving_office_a_handover_signed_by_both_stations_and_a_free_first_day(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let nurse = h.token("nurse-a").await;
    let office_a = h.token("office-a").await;
    let office_b = h.token("office-b").await;
    let id_of = |login: LoginResponse| login.user.id;
    let (a, a2, b) = (id_of(h.login("nurse-a").await), id_of(h.login("nurse-a2").await), id_of(h.login("nurse-b").await));
    let today = today_in_japan();
    let day = |d: i64| carebook_domain::Date::from_days_since_epoch(today.days_since_epoch() + d).to_string();

    let mut hana = new_child();
    let child = hana.value().id;
    let mut own = new_visit(child);
    let mut signed = handover_visit(child, &a, &b);
    // The receiving side "signed" by a second nurse of the giving station.
    let mut wrong = handover_visit(child, &a, &a2);
    for r in h.push(&nurse, vec![payload(&mut hana), payload(&mut own), payload(&mut signed), payload(&mut wrong)]).await {
        accepted(&r);
    }
    let (id, signed_id, wrong_id) = (child.to_string(), signed.value().id.to_string(), wrong.value().id.to_string());
    let ask = |to: &str, first: String, visit: Option<&str>| serde_json::json!({"to_org": to, "first_day": first, "handover_visit": visit});

    // Not the giving station's office: refused as if unknown; so is an unknown child.
    for token in [&office_b, &nurse, &h.token("parent").await] {
        let res = post_json(&h, token, &format!("/api/v1/children/{id}/transfer"), ask("st-b", day(1), Some(&signed_id))).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let res =
        post_json(&h, &office_a, &format!("/api/v1/children/{}/transfer", ChildId::random()), ask("st-b", day(1), Some(&signed_id))).await;
    assert_eq!(error_body(res).await.code, "forbidden");
    // Each refusal names its field.
    let field = |f: &str, c: &str| vec![(f.to_string(), c.to_string())];
    assert_eq!(transfer_refused(&h, &office_a, &id, ask("st-b", day(1), None)).await, field("handover_visit", "required"));
    assert_eq!(
        transfer_refused(&h, &office_a, &id, ask("st-a", day(1), Some(&signed_id))).await[0],
        ("to_org".into(), "same_station".into())
    );
    assert_eq!(
        transfer_refused(&h, &office_a, &id, ask("st-zz", day(1), Some(&signed_id))).await[0],
        ("to_org".into(), "unknown_station".into())
    );
    assert_eq!(transfer_refused(&h, &office_a, &id, ask("st-b", day(-1), Some(&signed_id))).await, field("first_day", "before_handover"));
    assert_eq!(
        transfer_refused(&h, &office_a, &id, ask("st-b", day(1), Some(&wrong_id))).await,
        field("handover.to_sign_off", "signer_station")
    );
    let nursing = own.value().id.to_string();
    assert!(transfer_refused(&h, &office_a, &id, ask("st-b", day(1), Some(&nursing)))
        .await
        .contains(&("handover_visit".into(), "handover_kind".into())));
    let res = post_json(
        &h,
        &office_a,
        &format!("/api/v1/children/{id}/transfer"),
        serde_json::json!({"to_org": "st-b", "first_day": "2026-13-01"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(h.storage.org_events(Some(&id)).await.unwrap().is_empty(), "nothing was recorded");

    // From tomorrow: until then st-a owns the child whole and st-b reads nothing new.
    let res = post_json(&h, &office_a, &format!("/api/v1/children/{id}/transfer"), ask("st-b", day(1), Some(&signed_id))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let t: carebook_domain::Transfer = res.json().await.unwrap();
    assert_eq!((t.from_org.as_str(), t.to_org.as_str(), t.first_day.to_string()), ("st-a", "st-b", day(1)));
    assert_eq!(transfer_refused(&h, &office_a, &id, ask("st-b", day(2), Some(&signed_id))).await, field("first_day", "transfer_pending"));
    assert_eq!(h.changes(&office_a, 0, None).await.documents.len(), 4, "st-a still holds the face sheet and the three visits");
    assert!(h.changes(&office_b, 0, None).await.documents.is_empty());
    own.change(|v| v.place = "学校".into());
    accepted(&h.push_one(&office_a, payload(&mut own)).await);

    // A transfer in force today (an administrator's, correcting an owner: no handover visit).
    let mut sora = new_child();
    let mut sora_visit = new_visit(sora.value().id);
    for r in h.push(&nurse, vec![payload(&mut sora), payload(&mut sora_visit)]).await {
        accepted(&r);
    }
    let sora_id = sora.value().id.to_string();
    let res = post_json(&h, &h.token("admin").await, &format!("/api/v1/children/{sora_id}/transfer"), ask("st-b", day(0), None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    // st-a's office: the own-records bucket, the visit its nurse wrote, read-only; not the face sheet.
    let feed = h.changes(&office_a, 0, None).await;
    let first = h.changes_holding(&office_a, 0, None, "none").await;
    assert!(first.buckets.unwrap().contains(&format!("{sora_id}/own")));
    let sora_docs: Vec<&str> = feed.documents.iter().filter(|d| d.child_id == sora_id).map(|d| d.id.as_str()).collect();
    assert_eq!(sora_docs, [sora_visit.value().id.to_string().as_str()]);
    assert_eq!(h.history(&office_a, &sora_visit.value().id.to_string()).await.status(), StatusCode::OK);
    assert_eq!(h.history(&office_a, &sora_id).await.status(), StatusCode::FORBIDDEN);
    sora_visit.change(|v| v.place = "学校".into());
    rejected(&h.push_one(&office_a, payload(&mut sora_visit)).await, "forbidden");
    // st-b's office reads both, and the face sheet's history shows the transfer.
    let b_feed = h.changes(&office_b, 0, None).await;
    assert_eq!(b_feed.documents.iter().filter(|d| d.child_id == sora_id).count(), 2);
    let history: Vec<AuditEntry> = h.history(&office_b, &sora_id).await.json().await.unwrap();
    assert_eq!(history.last().map(|e| (e.action.as_str(), e.username.as_str())), Some(("transferred", "admin")));
    h.finish().await;
}

// ---- equipment purchases ------------------------------------------------------------------

async fn a_stations_office_records_and_lists_its_purchases_of_a_fiscal_year_and_nobody_else_may(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    h.storage.add_user("muni-bunkyo", PASSWORD, Role::Municipality, "ku-bunkyo", OrgKind::Municipality).await.unwrap();
    let office_a = h.token("office-a").await;
    let today = today_in_japan();
    let fy = today.fiscal_year();
    let buy = |station: &str, date: carebook_domain::Date, cost: u32| serde_json::json!({"station": station, "item": "小児用パルスオキシメーター（見本）", "date": date.to_string(), "cost_yen": cost, "note": "架空の購入"});
    let res = post_json(&h, &office_a, "/api/v1/purchases", buy("st-a", fy.first_day(), 24_800)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let first: carebook_domain::Purchase = res.json().await.unwrap();
    assert_eq!((first.station.as_str(), first.cost_yen, first.date), ("st-a", 24_800, fy.first_day()));
    assert!(!first.by.is_empty() && first.at > 0);
    // The last day of the year before: not on this year's list.
    let before = carebook_domain::FiscalYear(fy.0 - 1).last_day();
    assert_eq!(post_json(&h, &office_a, "/api/v1/purchases", buy("st-a", before, 5_000)).await.status(), StatusCode::OK);
    let admin = h.token("admin").await;
    assert_eq!(post_json(&h, &admin, "/api/v1/purchases", buy("st-a", today, 1_200)).await.status(), StatusCode::OK);

    let list = |token: String, station: &'static str, year: i32| {
        let h = &h;
        async move { h.get(&token, &format!("/api/v1/purchases?station={station}&fy={year}")).await }
    };
    let res = list(office_a.clone(), "st-a", fy.0).await;
    assert_eq!(res.status(), StatusCode::OK);
    let listed: Vec<carebook_domain::Purchase> = res.json().await.unwrap();
    let costs: Vec<u32> = listed.iter().map(|p| p.cost_yen).collect();
    assert_eq!(costs.iter().sum::<u32>(), 24_800 + 1_200, "{costs:?}");
    let last_year: Vec<carebook_domain::Purchase> = list(admin.clone(), "st-a", fy.0 - 1).await.json().await.unwrap();
    assert_eq!(last_year.iter().map(|p| p.cost_yen).collect::<Vec<_>>(), [5_000]);

    // Everyone else: refused, reading and writing.
    for who in ["nurse-a", "parent", "office-b", "muni-bunkyo"] {
        let token = h.token(who).await;
        assert_eq!(list(token.clone(), "st-a", fy.0).await.status(), StatusCode::FORBIDDEN, "{who} lists");
        let res = post_json(&h, &token, "/api/v1/purchases", buy("st-a", today, 100)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} adds");
    }
    let still: Vec<carebook_domain::Purchase> = list(office_a.clone(), "st-a", fy.0).await.json().await.unwrap();
    assert_eq!(still.len(), 2, "nothing refused was stored");

    // Each wrong field is named.
    let res = post_json(
        &h,
        &office_a,
        "/api/v1/purchases",
        serde_json::json!({"station": "st-a", "item": " ", "date": days_from_today(1).to_string(), "cost_yen": 10_000_001, "note": "\u{202e}"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let fields: Vec<String> = error_body(res).await.problems.into_iter().map(|p| p.field).collect();
    assert_eq!(fields, ["item", "date", "cost_yen", "note"]);
    let res = post_json(&h, &admin, "/api/v1/purchases", buy("st-zz", today, 100)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_body(res).await.problems[0].code, "unknown_station");
    let res = post_json(
        &h,
        &office_a,
        "/api/v1/purchases",
        serde_json::json!({"station": "st-a", "item": "x", "date": "2026-13-01", "cost_yen": 1}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = post_json(
        &h,
        &office_a,
        "/api/v1/purchases",
        serde_json::json!({"station": "st-a", "item": "x", "date": today.to_string(), "cost_yen": -5}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    for (query, field) in
        [("station=st-a", "fy:"), ("fy=2026", "station:"), ("station=st-a&fy=1999", "fy:"), ("station=st-a&fy=next", "fy:")]
    {
        let res = h.get(&office_a, &format!("/api/v1/purchases?{query}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        let body = error_body(res).await;
        assert!(body.en.starts_with(field), "{query}: {body:?}");
    }
    // The organisation's events record each purchase, without its text.
    let events = h.storage.org_events(Some("st-a")).await.unwrap();
    let added: Vec<_> = events.iter().filter(|e| e.action == "purchase_added").collect();
    assert_eq!(added.len(), 3);
    assert!(added.iter().all(|e| !e.detail.contains("オキシメーター")));
    h.finish().await;
}

async fn a_stations_grant_for_a_year_is_recorded_replaced_and_read_by_its_office_only(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    h.storage.add_user("muni-bunkyo", PASSWORD, Role::Municipality, "ku-bunkyo", OrgKind::Municipality).await.unwrap();
    let office_a = h.token("office-a").await;
    let admin = h.token("admin").await;
    let today = today_in_japan();
    let fy = today.fiscal_year();
    let put = |token: String, body: serde_json::Value| {
        let h = &h;
        async move { h.http.put(h.url("/api/v1/grants")).bearer_auth(token).json(&body).send().await.unwrap() }
    };
    let get = |token: String, station: &'static str, year: i32| {
        let h = &h;
        async move { h.get(&token, &format!("/api/v1/grants?station={station}&fy={year}")).await }
    };
    let grant = |station: &str, yen: u32| serde_json::json!({"station": station, "fiscal_year": fy.0, "granted_yen": yen, "decided_on": fy.first_day().to_string(), "note": "見本 第1号"});
    // None recorded yet: null, not an error.
    let res = get(office_a.clone(), "st-a", fy.0).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Option<carebook_domain::Grant>>().await.unwrap(), None);

    let res = put(office_a.clone(), grant("st-a", 1_000_000)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let first: carebook_domain::Grant = res.json().await.unwrap();
    assert_eq!((first.station.as_str(), first.fiscal_year, first.granted_yen), ("st-a", fy, 1_000_000));
    assert!(!first.by.is_empty() && first.at > 0);
    // A changed decision replaces it (by the administrator); one grant per station and year.
    let res = put(admin.clone(), grant("st-a", 800_000)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let read: Option<carebook_domain::Grant> = get(office_a.clone(), "st-a", fy.0).await.json().await.unwrap();
    assert_eq!(read.map(|g| g.granted_yen), Some(800_000));
    // Another year has none.
    let other: Option<carebook_domain::Grant> = get(office_a.clone(), "st-a", fy.0 - 1).await.json().await.unwrap();
    assert_eq!(other, None);

    // Everyone else: refused, reading and writing, and nothing changed.
    for who in ["nurse-a", "parent", "office-b", "muni-bunkyo"] {
        let token = h.token(who).await;
        assert_eq!(get(token.clone(), "st-a", fy.0).await.status(), StatusCode::FORBIDDEN, "{who} reads");
        assert_eq!(put(token, grant("st-a", 5)).await.status(), StatusCode::FORBIDDEN, "{who} writes");
    }
    let read: Option<carebook_domain::Grant> = get(office_a.clone(), "st-a", fy.0).await.json().await.unwrap();
    assert_eq!(read.map(|g| g.granted_yen), Some(800_000), "nothing refused was stored");

    // Each wrong field is named; an unknown station is refused.
    let res = put(
        office_a.clone(),
        serde_json::json!({"station": "st-a", "fiscal_year": fy.0, "granted_yen": 0, "decided_on": days_from_today(1).to_string(), "note": "\u{202e}"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let fields: Vec<String> = error_body(res).await.problems.into_iter().map(|p| p.field).collect();
    assert_eq!(fields, ["granted_yen", "decided_on", "note"]);
    let res = put(admin.clone(), grant("st-zz", 100)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_body(res).await.problems[0].code, "unknown_station");
    let res =
        put(office_a.clone(), serde_json::json!({"station": "st-a", "fiscal_year": fy.0, "granted_yen": -1, "decided_on": "2026-12-01"}))
            .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let read: Option<carebook_domain::Grant> = get(office_a.clone(), "st-a", fy.0).await.json().await.unwrap();
    assert_eq!(read.map(|g| g.granted_yen), Some(800_000), "nothing refused was stored");

    // The organisation's events record each grant with the amount it replaced, not the note.
    let events = h.storage.org_events(Some("st-a")).await.unwrap();
    let set: Vec<_> = events.iter().filter(|e| e.action == "grant_set").collect();
    assert_eq!(set.len(), 2);
    assert!(set.iter().any(|e| e.detail.contains("800000 yen (was 1000000 yen)")), "{set:?}");
    assert!(set.iter().all(|e| !e.detail.contains("第1号")));
    h.finish().await;
}

// ---- who saw what ---------------------------------------------------------------------------

async fn the_access_log_names_sign_ins_failed_ones_and_whose_devices_received_a_childs_records(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    // A wrong password, then the nurse and the office sign in.
    assert_eq!(h.login_as("office-a", "not-the-password-1").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(h.login_as("nobody-here", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let (nurse, child, _visit) = station_a_child(&h).await;
    let child_id = child.value().id.to_string();
    let office = h.login("office-a").await;
    // The nurse's own syncs are not logged as reads; the office's and the admin's are, one line
    // per child with the number of its records (the face sheet and the visit: 2).
    assert_eq!(h.changes(&nurse, 0, None).await.documents.len(), 2);
    assert_eq!(h.changes(&office.token, 0, None).await.documents.len(), 2);
    let admin = h.token("admin").await;
    assert_eq!(h.changes(&admin, 0, None).await.documents.len(), 2);
    // Nothing new: nothing received, nothing logged.
    assert!(h.changes(&office.token, i64::MAX / 2, None).await.documents.is_empty());

    let about: Vec<(String, String, i64)> =
        h.storage.access_log(Some(&child_id), None, 100).await.unwrap().into_iter().map(|e| (e.action, e.username, e.records)).collect();
    assert_eq!(about, [("received".to_string(), "admin".to_string(), 2), ("received".to_string(), "office-a".to_string(), 2)]);
    let office_lines = h.storage.access_log(None, Some("office-a"), 100).await.unwrap();
    let actions: Vec<&str> = office_lines.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["received", "sign_in", "sign_in_failed"], "newest first");
    assert_eq!(office_lines[1].device_id.as_deref(), Some(office.device_id.as_str()));
    assert_eq!(office_lines[0].device_id.as_deref(), Some(office.device_id.as_str()), "the device that received");
    assert_eq!(office_lines[1].role.as_deref(), Some("office"));
    assert!(office_lines.iter().all(|e| e.client == "127.0.0.1"), "{office_lines:?}");
    let unknown = h.storage.access_log(None, Some("nobody-here"), 100).await.unwrap();
    assert_eq!((unknown.len(), unknown[0].action.as_str(), unknown[0].role.as_deref()), (1, "sign_in_failed", None));
    // What devices report they opened or exported: kept for the office, not for a nurse; every
    // wrong field named, nothing kept from a refused report.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let event = |action: &str, at: i64, what: &str| serde_json::json!({"at": at, "action": action, "record_id": "v-1", "child_id": child_id, "what": what});
    let report = |token: String, events: Vec<serde_json::Value>| {
        let h = &h;
        async move { post_json(h, &token, "/api/v1/access/events", serde_json::json!({ "events": events })).await }
    };
    assert_eq!(report(office.token.clone(), vec![event("opened", now - 3600, "visit")]).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(report(nurse.clone(), vec![event("opened", now, "visit")]).await.status(), StatusCode::NO_CONTENT);
    let bad = report(
        office.token.clone(),
        vec![event("opened", now, "visit"), event("deleted", now, "visit"), event("exported", now + 3 * 86_400, "x".repeat(201).as_str())],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let fields: Vec<String> = error_body(bad).await.problems.into_iter().map(|p| p.field).collect();
    assert_eq!(fields, ["events[1].action", "events[2].what", "events[2].at"]);
    let too_many = report(office.token.clone(), vec![event("opened", now, "visit"); 501]).await;
    assert_eq!(too_many.status(), StatusCode::BAD_REQUEST);
    let opened: Vec<(String, Option<String>, Option<i64>)> = h
        .storage
        .access_log(Some(&child_id), None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "opened")
        .map(|e| (e.username, e.record_id, e.happened_at))
        .collect();
    assert_eq!(opened, [("office-a".to_string(), Some("v-1".to_string()), Some(now - 3600))]);

    // No line carries a record's contents: only ids, counts, names of accounts and addresses.
    let all = serde_json::to_string(&h.storage.access_log(None, None, 1000).await.unwrap()).unwrap();
    assert!(!all.contains(&child.value().name) && !all.contains(&child.value().diagnosis), "{all}");
    h.finish().await;
}

// ---- coordinator support ------------------------------------------------------------------

async fn a_coordinator_reads_face_sheets_only_and_records_work_for_its_stations_children_and_meetings(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    h.add("coord-a", Role::Coordinator, "st-a").await;
    h.add("coord-b", Role::Coordinator, "st-b").await;
    let nurse = h.token("nurse-a").await;
    let coord = h.token("coord-a").await;
    // A child of st-a with a visit; a child of st-b.
    let mut ours = new_child();
    let mut visit = new_visit(ours.value().id);
    for r in h.push(&nurse, vec![payload(&mut ours), payload(&mut visit)]).await {
        accepted(&r);
    }
    let mut theirs = new_child();
    accepted(&h.push_one(&h.token("nurse-b").await, payload(&mut theirs)).await);

    // Sync gives the coordinator the face sheet of its station's child and nothing else.
    let feed = h.changes(&coord, 0, None).await;
    let ids: Vec<&str> = feed.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, [ours.value().id.to_string()], "the face sheet only, not the visit nor st-b's child");
    // It writes no synced record, not even the face sheet it reads.
    ours.change(|c| c.diagnosis = "架空の診断名（コーディネーター）".into());
    rejected(&h.push_one(&coord, payload(&mut ours)).await, "forbidden");

    let today = today_in_japan();
    let fy = today.fiscal_year();
    let work = |child: ChildId, minutes: u32, cost: u32| serde_json::json!({"station": "st-a", "child_id": child.to_string(), "date": today.to_string(), "minutes": minutes, "cost_yen": cost, "kind": "liaison", "note": "架空の連絡調整"});
    let res = post_json(&h, &coord, "/api/v1/coordination/work", work(ours.value().id, 300, 17_500)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let first: carebook_domain::CoordinatorWorkRecord = res.json().await.unwrap();
    assert_eq!((first.work.minutes, first.work.cost_yen, first.work.child_id), (300, 17_500, ours.value().id));
    assert!(!first.by.is_empty() && first.at > 0);
    assert_eq!(post_json(&h, &coord, "/api/v1/coordination/work", work(ours.value().id, 240, 14_000)).await.status(), StatusCode::OK);
    // Another station's child: refused, naming the field; the office may not record work.
    let res = post_json(&h, &coord, "/api/v1/coordination/work", work(theirs.value().id, 60, 3_500)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_body(res).await.problems[0].field, "child_id");
    let office_a = h.token("office-a").await;
    let res = post_json(&h, &office_a, "/api/v1/coordination/work", work(ours.value().id, 60, 3_500)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post_json(&h, &coord, "/api/v1/coordination/work", serde_json::json!({"station": "st-a", "child_id": ours.value().id.to_string(), "date": today.to_string(), "minutes": 0, "cost_yen": 0, "kind": "gossip"})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "an unknown kind is refused");

    let meeting = |cost: u32| serde_json::json!({"station": "st-a", "date": today.to_string(), "kind": "training", "title": "架空 地域研修", "cost_yen": cost});
    assert_eq!(post_json(&h, &coord, "/api/v1/coordination/meetings", meeting(200_000)).await.status(), StatusCode::OK);
    assert_eq!(post_json(&h, &office_a, "/api/v1/coordination/meetings", meeting(150_000)).await.status(), StatusCode::OK);

    // Its station's coordinator and office read both lists; the others are refused.
    for who in ["coord-a", "office-a", "admin"] {
        let token = h.token(who).await;
        let res = h.get(&token, &format!("/api/v1/coordination/work?station=st-a&fy={}", fy.0)).await;
        assert_eq!(res.status(), StatusCode::OK, "{who}");
        let listed: Vec<carebook_domain::CoordinatorWorkRecord> = res.json().await.unwrap();
        assert_eq!(listed.iter().map(|w| w.work.minutes).sum::<u32>(), 300 + 240, "{who}");
        let res = h.get(&token, &format!("/api/v1/coordination/meetings?station=st-a&fy={}", fy.0)).await;
        let listed: Vec<carebook_domain::RegionalMeetingRecord> = res.json().await.unwrap();
        assert_eq!(listed.iter().map(|m| m.meeting.cost_yen).sum::<u32>(), 200_000 + 150_000, "{who}");
    }
    for who in ["coord-b", "office-b", "nurse-a", "parent"] {
        let token = h.token(who).await;
        let res = h.get(&token, &format!("/api/v1/coordination/work?station=st-a&fy={}", fy.0)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} lists work");
        let res = post_json(&h, &token, "/api/v1/coordination/meetings", meeting(1_000)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} adds a meeting");
    }
    // The events name each record by id, day and amount, never the note or the title.
    let events = h.storage.org_events(Some("st-a")).await.unwrap();
    let ours_events: Vec<_> =
        events.iter().filter(|e| e.action == "coordinator_work_added" || e.action == "regional_meeting_added").collect();
    assert_eq!(ours_events.len(), 2 + 2);
    assert!(ours_events.iter().all(|e| !e.detail.contains("架空")));
    h.finish().await;
}

// ---- HTTPS ----------------------------------------------------------------------------------

/// The server serves HTTPS from its configured certificate; a client that trusts only the
/// organisation's CA refuses a certificate of another CA and takes the organisation's once it
/// is reloaded (new connections get it, without a restart); a broken file is refused by the
/// reload, which keeps the certificate in use; plain HTTP on the HTTPS port gets no answer.
#[tokio::test]
async fn https_is_served_from_the_configured_certificate_and_a_reload_takes_a_new_one() {
    use carebook_testkit::tls_file;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::copy(tls_file("other-server.pem"), &cert).unwrap();
    std::fs::copy(tls_file("server.key"), &key).unwrap();
    let db = TestDb::create(Db::Sqlite).await.unwrap();
    let storage = open_storage(&db.url).await.unwrap();
    let config = Config { data_dir: db.dir.path().into(), tls_cert: Some(cert.clone()), tls_key: Some(key.clone()), ..Config::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = launch_with_listener(config, storage.clone(), listener).unwrap();
    assert!(server.is_tls());
    let health = format!("{}/health", server.base_url());
    assert!(health.starts_with("https://localhost:"), "{health}");
    let ca = reqwest::Certificate::from_pem(&std::fs::read(tls_file("ca.pem")).unwrap()).unwrap();
    // A new client each time: a new connection, so a new handshake.
    let client = || reqwest::Client::builder().tls_certs_only([ca.clone()]).timeout(Duration::from_secs(20)).build().unwrap();

    let refused = client().get(&health).send().await.unwrap_err();
    assert!(format!("{refused:?}").contains("UnknownIssuer"), "{refused:?}");
    let plain = reqwest::Client::new().get(format!("http://{}/health", server.local_addr())).send().await;
    assert!(plain.as_ref().map_or(true, |r| !r.status().is_success()), "{plain:?}");

    std::fs::copy(tls_file("server.pem"), &cert).unwrap();
    server.reload_tls().unwrap();
    let res = client().get(&health).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    std::fs::write(&cert, "not a certificate").unwrap();
    let err = server.reload_tls().unwrap_err().to_string();
    assert!(err.contains("cert.pem"), "{err}");
    assert_eq!(client().get(&health).send().await.unwrap().status(), StatusCode::OK, "the certificate in use stays");

    // Only one of the two files: refused before anything listens.
    let half = Config { data_dir: db.dir.path().into(), tls_cert: Some(cert.clone()), ..Config::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let Err(err) = launch_with_listener(half, storage.clone(), listener) else { panic!("a certificate without its key was taken") };
    let err = err.to_string();
    assert!(err.contains("tls_key"), "{err}");
    server.shutdown().await.unwrap();
    storage.close().await;
}

// ---- the second factor (issue 15, item 3) -------------------------------------------------

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The code of `secret` (base32) at unix time `at`, computed here with totp-rs itself (RFC 6238,
/// SHA1, 6 digits, 30 s), not with the server's code.
fn totp_code(secret: &str, at: u64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret).unwrap().as_ref().to_vec();
    let totp = totp_rs::Builder::new().with_secret(bytes).build().unwrap();
    totp.generate(at).to_string()
}

/// A code that is none of the three `secret` accepts around now.
fn wrong_code(secret: &str) -> String {
    let now = unix_now();
    let valid: Vec<String> = [now - 30, now, now + 30, now + 60].iter().map(|t| totp_code(secret, *t)).collect();
    (0..1_000_000u32).map(|n| format!("{n:06}")).find(|c| !valid.contains(c)).unwrap()
}

impl Harness {
    async fn login_otp(&self, username: &str, password: &str, otp: Option<&str>) -> reqwest::Response {
        let mut body = serde_json::json!({"username": username, "password": password, "device_name": "架空タブレット"});
        if let Some(otp) = otp {
            body["otp"] = otp.into();
        }
        self.http.post(self.url("/api/v1/login")).json(&body).send().await.unwrap()
    }

    /// Enrols a second factor for the device of `token`: its secret and recovery codes.
    async fn enrol(&self, token: &str) -> (String, Vec<String>) {
        let res = post_json(self, token, "/api/v1/account/second-factor", serde_json::json!({})).await;
        assert_eq!(res.status(), StatusCode::OK);
        let e: serde_json::Value = res.json().await.unwrap();
        let secret = e["secret"].as_str().unwrap().to_string();
        let res =
            post_json(self, token, "/api/v1/account/second-factor/confirm", serde_json::json!({"code": totp_code(&secret, unix_now())}))
                .await;
        assert_eq!(res.status(), StatusCode::OK);
        let codes: carebook_domain::RecoveryCodes = res.json().await.unwrap();
        (secret, codes.codes)
    }

    async fn access_actions(&self, username: &str) -> Vec<String> {
        let mut log = self.storage.access_log(None, Some(username), 1000).await.unwrap();
        log.reverse();
        log.into_iter().map(|e| e.action).collect()
    }
}

async fn a_second_factor_is_enrolled_then_asked_and_wrong_replayed_or_spent_codes_are_refused(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let token = h.token("nurse-a").await;
    let status: carebook_domain::SecondFactorStatus = h.get(&token, "/api/v1/account/second-factor").await.json().await.unwrap();
    assert_eq!((status.enrolled, status.pending, status.required), (false, false, false), "a nurse may, need not");

    // Start: the secret as text, in the URI, and a QR code (SVG).
    let res = post_json(&h, &token, "/api/v1/account/second-factor", serde_json::json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let e: carebook_domain::SecondFactorEnrolment = res.json().await.unwrap();
    assert_eq!(e.secret.len(), 32, "160 bits, base32");
    assert!(e.uri.starts_with("otpauth://totp/Carebook%3Anurse-a?") && e.uri.contains(&format!("secret={}", e.secret)), "{}", e.uri);
    assert!(e.qr_svg.starts_with("<?xml") && e.qr_svg.contains("<svg"), "an SVG document");
    // Until confirmed, the password alone still signs in.
    assert_eq!(h.login_otp("nurse-a", PASSWORD, None).await.status(), StatusCode::OK);

    // A wrong code does not confirm it.
    let res = post_json(&h, &token, "/api/v1/account/second-factor/confirm", serde_json::json!({"code": wrong_code(&e.secret)})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = error_body(res).await;
    assert_eq!((body.code.as_str(), body.problems[0].code.as_str()), ("invalid", "second_factor_wrong"));
    let res =
        post_json(&h, &token, "/api/v1/account/second-factor/confirm", serde_json::json!({"code": totp_code(&e.secret, unix_now())})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes = res.json::<carebook_domain::RecoveryCodes>().await.unwrap().codes;
    assert_eq!(codes.len(), 10);
    let status: carebook_domain::SecondFactorStatus = h.get(&token, "/api/v1/account/second-factor").await.json().await.unwrap();
    assert_eq!((status.enrolled, status.pending, status.recovery_codes_left), (true, false, 10));

    // The password alone no longer signs in; a wrong password is told nothing of the factor.
    let res = h.login_otp("nurse-a", PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(res).await.code, "second_factor_required");
    let res = h.login_otp("nurse-a", "not-the-password", None).await;
    assert_eq!(error_body(res).await.code, "unauthorized");
    let res = h.login_otp("nurse-a", "not-the-password", Some(&totp_code(&e.secret, unix_now() + 30))).await;
    assert_eq!(error_body(res).await.code, "unauthorized", "a right code does not help a wrong password");
    // A wrong code is refused.
    let res = h.login_otp("nurse-a", PASSWORD, Some(&wrong_code(&e.secret))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(res).await.code, "second_factor_wrong");
    // The code of the next step (the confirmation spent this one's) signs in, once.
    let next = totp_code(&e.secret, unix_now() + 30);
    let res = h.login_otp("nurse-a", PASSWORD, Some(&next)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let login: LoginResponse = res.json().await.unwrap();
    assert!(!login.second_factor_enrolment_required);
    let res = h.login_otp("nurse-a", PASSWORD, Some(&next)).await;
    assert_eq!(error_body(res).await.code, "second_factor_wrong", "a code is accepted once");
    // The code of the step the confirmation used is spent too.
    let res = h.login_otp("nurse-a", PASSWORD, Some(&totp_code(&e.secret, unix_now() - 30))).await;
    assert_eq!(error_body(res).await.code, "second_factor_wrong", "an earlier step is never accepted after a later one");

    // A recovery code works once, however typed.
    assert_eq!(h.login_otp("nurse-a", PASSWORD, Some(&codes[0])).await.status(), StatusCode::OK);
    let res = h.login_otp("nurse-a", PASSWORD, Some(&codes[0])).await;
    assert_eq!(error_body(res).await.code, "second_factor_wrong", "a recovery code is spent");
    assert_eq!(h.login_otp("nurse-a", PASSWORD, Some(&codes[1].to_uppercase().replace('-', " "))).await.status(), StatusCode::OK);
    let status: carebook_domain::SecondFactorStatus = h.get(&token, "/api/v1/account/second-factor").await.json().await.unwrap();
    assert_eq!(status.recovery_codes_left, 10 - 2);

    // Removing it takes the password.
    let remove = |password: &str| {
        h.http.delete(h.url("/api/v1/account/second-factor")).bearer_auth(&token).json(&serde_json::json!({"password": password})).send()
    };
    let res = remove("not-the-password").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_body(res).await.problems[0].code, "wrong_password");
    assert_eq!(remove(PASSWORD).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(h.login_otp("nurse-a", PASSWORD, None).await.status(), StatusCode::OK);

    // The access log has each change, and never the secret nor a code.
    let actions = h.access_actions("nurse-a").await;
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("second_factor_enrolled"), 1);
    assert_eq!(count("second_factor_wrong"), 3 + 1, "the wrong code, the replayed one, the earlier step, the spent recovery code");
    assert_eq!(count("recovery_code_used"), 2);
    assert_eq!(count("second_factor_removed"), 1);
    let everything = serde_json::to_string(&h.storage.access_log(None, None, 1000).await.unwrap()).unwrap();
    assert!(!everything.contains(&e.secret) && codes.iter().all(|c| !everything.contains(c.as_str())));
    h.finish().await;
}

async fn wrong_codes_count_in_the_login_back_off(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (secret, _) = h.enrol(&h.token("nurse-a").await).await;
    let wrong = wrong_code(&secret);
    for _ in 0..5 {
        assert_eq!(error_body(h.login_otp("nurse-a", PASSWORD, Some(&wrong)).await).await.code, "second_factor_wrong");
    }
    // Past the free failures even the right code waits, as after wrong passwords.
    let res = h.login_otp("nurse-a", PASSWORD, Some(&totp_code(&secret, unix_now() + 30))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Asking for the code (no code given) is not a failure: it does not lock the name.
    let Some(h2) = Harness::start(db).await else { return };
    h2.world().await;
    h2.enrol(&h2.token("nurse-a").await).await;
    for _ in 0..8 {
        assert_eq!(error_body(h2.login_otp("nurse-a", PASSWORD, None).await).await.code, "second_factor_required");
    }
    h.finish().await;
    h2.finish().await;
}

async fn an_office_without_a_second_factor_may_only_enrol_one(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.require_second_factor = true).await else { return };
    h.world().await;
    let office = h.login("office-a").await;
    assert!(office.second_factor_enrolment_required);
    let res = h.get(&office.token, "/api/v1/changes?buckets=x").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_body(res).await.code, "second_factor_enrolment_required");
    assert_eq!(h.get(&office.token, "/api/v1/people").await.status(), StatusCode::FORBIDDEN);
    let res = h.push_raw(&office.token, vec![]).await;
    assert_eq!(error_body(res).await.code, "second_factor_enrolment_required", "pushes too");
    let status: carebook_domain::SecondFactorStatus = h.get(&office.token, "/api/v1/account/second-factor").await.json().await.unwrap();
    assert_eq!((status.enrolled, status.required), (false, true));
    // A nurse is not held to it, an administrator is.
    let nurse = h.login("nurse-a").await;
    assert!(!nurse.second_factor_enrolment_required);
    assert_eq!(h.get(&nurse.token, "/api/v1/changes?buckets=x").await.status(), StatusCode::OK);
    assert!(h.login("admin").await.second_factor_enrolment_required);

    // Enrolled, the same device may do the rest, and the next login asks for the code.
    let (secret, _) = h.enrol(&office.token).await;
    assert_eq!(h.get(&office.token, "/api/v1/changes?buckets=x").await.status(), StatusCode::OK);
    assert_eq!(error_body(h.login_as("office-a", PASSWORD).await).await.code, "second_factor_required");
    let res = h.login_otp("office-a", PASSWORD, Some(&totp_code(&secret, unix_now() + 30))).await;
    let again: LoginResponse = res.json().await.unwrap();
    assert!(!again.second_factor_enrolment_required);
    assert_eq!(h.get(&again.token, "/api/v1/changes?buckets=x").await.status(), StatusCode::OK);
    // An office may not remove its second factor.
    let res = h
        .http
        .delete(h.url("/api/v1/account/second-factor"))
        .bearer_auth(&again.token)
        .json(&serde_json::json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(h.access_actions("office-a").await.iter().filter(|a| *a == "second_factor_enrolled").count(), 1);
    h.finish().await;
}

async fn an_eight_character_password_needs_a_second_factor(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let eight = "Hz7#kq2P";
    match h.storage.set_password("nurse-a", eight).await {
        Err(carebook_server::Error::Password(p)) => assert_eq!(p.0[0].code, "too_short"),
        other => panic!("8 characters without a second factor: {other:?}"),
    }
    let (secret, codes) = h.enrol(&h.token("nurse-a").await).await;
    h.storage.set_password("nurse-a", eight).await.unwrap();
    match h.storage.set_password("nurse-a", "Hz7#kq2").await {
        Err(carebook_server::Error::Password(p)) => assert_eq!(p.0[0].code, "too_short", "7 are too few even so"),
        other => panic!("7 characters: {other:?}"),
    }
    assert_eq!(h.login_otp("nurse-a", eight, Some(&totp_code(&secret, unix_now() + 30))).await.status(), StatusCode::OK);
    let actions = h.access_actions("nurse-a").await;
    assert_eq!(actions.iter().filter(|a| *a == "password_changed").count(), 1);

    // A one-time password is replaced under the same rule: 8 characters with the factor (signed
    // in with a recovery code: the step of the code above is spent).
    let one_time = h.storage.reset_password("nurse-a", None).await.unwrap().password;
    let res = h
        .http
        .post(h.url("/api/v1/login"))
        .json(&serde_json::json!({"username": "nurse-a", "password": one_time, "device_name": "架空", "new_password": "Qw3$zx9L",
            "otp": codes[0]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let actions = h.access_actions("nurse-a").await;
    assert_eq!(actions.iter().filter(|a| *a == "password_reset").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "password_changed").count(), 2);
    assert_eq!(actions.iter().filter(|a| *a == "recovery_code_used").count(), 1);
    h.finish().await;
}

async fn a_device_idle_past_idle_days_must_log_in_again(db: Db) {
    let Some(h) = Harness::start_with(db, |c| c.idle_days = 0).await else { return };
    h.world().await;
    let login = h.login("nurse-a").await;
    let res = h.get(&login.token, "/api/v1/changes?buckets=x").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(res).await.code, "token_expired", "the device logs in again and keeps its records");
    // A revoked device is still told it was revoked.
    h.storage.revoke_device(&login.device_id).await.unwrap();
    assert_eq!(error_body(h.get(&login.token, "/api/v1/changes?buckets=x").await).await.code, "device_revoked");
    h.finish().await;

    let Some(h) = Harness::start_with(db, |c| c.idle_days = 1).await else { return };
    h.world().await;
    let login = h.login("nurse-a").await;
    assert_eq!(h.get(&login.token, "/api/v1/changes?buckets=x").await.status(), StatusCode::OK, "a device seen today works");
    h.finish().await;
}

async fn one_code_sent_twice_at_once_signs_in_once(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    h.world().await;
    let (secret, _) = h.enrol(&h.token("nurse-a").await).await;
    let code = totp_code(&secret, unix_now() + 30);
    // Both logins read the same last step before either keeps the new one: the conditional
    // update lets only one of them through.
    let (a, b) = tokio::join!(h.login_otp("nurse-a", PASSWORD, Some(&code)), h.login_otp("nurse-a", PASSWORD, Some(&code)));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNAUTHORIZED]);
    h.finish().await;
}
