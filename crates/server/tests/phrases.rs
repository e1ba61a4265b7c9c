//! Canned phrases (定型文) as station data over the real HTTP API, on SQLite and on PostgreSQL
//! (`CAREBOOK_TEST_PG_URL`, see `carebook_testkit::TestDb`): only a station's own office (or an
//! administrator) publishes its list, and each device receives its own station's list only,
//! with an ETag of what it sees.

use std::time::Duration;

use carebook_domain::{Date, ErrorBody, LoginResponse, Phrase, PhraseList, PhrasePlace, Role, RuleBook, RuleKind, RuleVersion};
use carebook_server::{launch_with_listener, open_storage, Config, OrgKind, ServerHandle, Storage};
use carebook_testkit::{Db, TestDb};
use reqwest::StatusCode;

const PASSWORD: &str = "kakuu-password-1";

struct Harness {
    storage: Storage,
    server: ServerHandle,
    base: String,
    http: reqwest::Client,
    db: TestDb,
}

impl Harness {
    async fn start(db: Db) -> Option<Harness> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db = TestDb::create(db).await?;
        let storage = open_storage(&db.url).await.unwrap();
        let config = Config { data_dir: db.dir.path().into(), require_second_factor: false, ..Config::default() };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = launch_with_listener(config, storage.clone(), listener).unwrap();
        let base = server.base_url();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        for (user, role, org) in [
            ("nurse-a", Role::Nurse, "st-a"),
            ("office-a", Role::Office, "st-a"),
            ("nurse-b", Role::Nurse, "st-b"),
            ("office-b", Role::Office, "st-b"),
        ] {
            storage.add_user(user, PASSWORD, role, org, OrgKind::Station).await.unwrap();
        }
        storage.add_user("admin", PASSWORD, Role::Admin, "tokyo-13105", OrgKind::Municipality).await.unwrap();
        Some(Harness { storage, server, base, http, db })
    }

    async fn finish(self) {
        self.server.shutdown().await.unwrap();
        self.storage.close().await;
        self.db.drop_database().await;
    }

    async fn token(&self, username: &str) -> String {
        let res = self
            .http
            .post(format!("{}/api/v1/login", self.base))
            .json(&serde_json::json!({"username": username, "password": PASSWORD, "device_name": "架空タブレット"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "login {username}");
        res.json::<LoginResponse>().await.unwrap().token
    }

    async fn publish(&self, token: &str, v: &RuleVersion) -> reqwest::Response {
        self.http.post(format!("{}/api/v1/rules", self.base)).bearer_auth(token).json(v).send().await.unwrap()
    }

    async fn book(&self, token: &str, etag: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(format!("{}/api/v1/rules", self.base)).bearer_auth(token);
        if let Some(etag) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        req.send().await.unwrap()
    }
}

/// Tomorrow in Japan: an office may publish from it, whatever the hour.
fn tomorrow() -> Date {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    Date::from_days_since_epoch((now + 9 * 3600).div_euclid(86_400) + 1)
}

fn list(station: &str, texts: &[&str]) -> RuleVersion {
    let items = texts
        .iter()
        .map(|t| Phrase { text: t.to_string(), places: vec![PhrasePlace::Objective, PhrasePlace::Care], category: "観察".into() })
        .collect();
    RuleVersion {
        key: station.into(),
        effective_from: tomorrow(),
        rules: None,
        template: None,
        phrases: Some(PhraseList { station_id: station.into(), items }),
        author: String::new(),
        recorded_at: 0,
    }
}

/// The phrase texts of each station in a book, by station.
fn phrase_keys(book: &RuleBook) -> Vec<(String, Vec<String>)> {
    book.versions
        .iter()
        .filter(|v| v.kind() == RuleKind::Phrases)
        .map(|v| (v.key.clone(), v.phrases.as_ref().unwrap().items.iter().map(|p| p.text.clone()).collect()))
        .collect()
}

async fn only_a_stations_own_office_publishes_its_phrases(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    let (office_a, office_b, nurse_a, admin) =
        (h.token("office-a").await, h.token("office-b").await, h.token("nurse-a").await, h.token("admin").await);

    let res = h.publish(&office_a, &list("st-a", &["胃ろう周囲の発赤なし。"])).await;
    assert_eq!(res.status(), StatusCode::OK);
    let published: RuleVersion = res.json().await.unwrap();
    assert_eq!(published.kind(), RuleKind::Phrases);
    assert!(!published.author.is_empty() && published.recorded_at > 0, "the server sets who and when");

    // Another station's office: 403, saying why, and nothing stored.
    let res = h.publish(&office_b, &list("st-a", &["他の事業所が書いた。"])).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: ErrorBody = res.json().await.unwrap();
    assert_eq!(body.code, "forbidden");
    assert!(body.ja.contains("他の事業所") && body.en.contains("another station"), "{body:?}");
    // A nurse, even of the station itself.
    let res = h.publish(&nurse_a, &list("st-a", &["看護師が書いた。"])).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: ErrorBody = res.json().await.unwrap();
    assert!(body.ja.contains("定型文"), "{body:?}");

    // A key that is not the list's station, and a bad phrase: refused, fields named.
    let mut v = list("st-a", &["咳なし。", "咳なし。"]);
    v.key = "st-b".into();
    let res = h.publish(&admin, &v).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: ErrorBody = res.json().await.unwrap();
    let fields: Vec<&str> = body.problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["key", "phrases.items[1].text"], "{body:?}");
    // An administrator publishes any station's list; the office of st-b its own.
    assert_eq!(h.publish(&admin, &list("st-b", &["管理者が直した。"])).await.status(), StatusCode::OK);
    assert_eq!(h.publish(&office_b, &list("st-b", &["吸引時、白色痰少量あり。"])).await.status(), StatusCode::OK);

    let book: RuleBook = h.book(&admin, None).await.json().await.unwrap();
    assert_eq!(
        phrase_keys(&book),
        [
            ("st-a".to_string(), vec!["胃ろう周囲の発赤なし。".to_string()]),
            ("st-b".to_string(), vec!["吸引時、白色痰少量あり。".to_string()])
        ],
        "the refused ones are not stored; st-b's second version of the same day replaced the first"
    );
    h.finish().await;
}

async fn each_device_receives_its_own_stations_phrases_with_its_own_etag(db: Db) {
    let Some(h) = Harness::start(db).await else { return };
    let (office_a, office_b, nurse_a, nurse_b) =
        (h.token("office-a").await, h.token("office-b").await, h.token("nurse-a").await, h.token("nurse-b").await);
    assert_eq!(h.publish(&office_a, &list("st-a", &["本人の機嫌良好。", "発熱なし。"])).await.status(), StatusCode::OK);
    assert_eq!(h.publish(&office_b, &list("st-b", &["B の定型文。"])).await.status(), StatusCode::OK);

    let res = h.book(&nurse_a, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag_a = res.headers()[reqwest::header::ETAG].to_str().unwrap().to_string();
    let book_a: RuleBook = res.json().await.unwrap();
    assert_eq!(phrase_keys(&book_a), [("st-a".to_string(), vec!["本人の機嫌良好。".to_string(), "発熱なし。".to_string()])]);
    assert_eq!(book_a.phrases_on("st-a", tomorrow()).items.len(), 2);
    assert!(book_a.phrases_on("st-b", tomorrow()).items.is_empty(), "not another station's");

    // Unchanged: 304 for the same caller.
    assert_eq!(h.book(&nurse_a, Some(&etag_a)).await.status(), StatusCode::NOT_MODIFIED);
    // st-b's nurse with st-a's ETag gets its own book, never a 304 for st-a's copy.
    let res = h.book(&nurse_b, Some(&etag_a)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag_b = res.headers()[reqwest::header::ETAG].to_str().unwrap().to_string();
    assert_ne!(etag_b, etag_a);
    let book_b: RuleBook = res.json().await.unwrap();
    assert_eq!(phrase_keys(&book_b), [("st-b".to_string(), vec!["B の定型文。".to_string()])]);

    // A new version of st-b's list changes st-b's ETag and not st-a's.
    let mut v = list("st-b", &["B の定型文。", "B の二つ目。"]);
    v.effective_from = tomorrow().succ();
    assert_eq!(h.publish(&office_b, &v).await.status(), StatusCode::OK);
    assert_eq!(h.book(&nurse_a, Some(&etag_a)).await.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(h.book(&nurse_b, Some(&etag_b)).await.status(), StatusCode::OK);
    h.finish().await;
}

carebook_testkit::on_both_backends!(
    only_a_stations_own_office_publishes_its_phrases,
    each_device_receives_its_own_stations_phrases_with_its_own_etag,
);
