//! The HTTP API of `carebook_domain::wire`: routes, extractors, body limits and gzip; the one
//! error shape and the mapping from [`Error`](crate::model::Error) to it are in `error.rs`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carebook_domain::wire::CATCH_UP_MAX_CHILDREN;
use carebook_domain::wire::{AccessEvents, AuditEntry, QuarantineDevice, QuarantineEntry, ServerEpoch};
use carebook_domain::{
    buckets_digest, CatchUpRequest, ChangedDoc, ChangesResponse, CoordinatorWorkRecord, FiscalYear, Grant, LoginRequest, LoginResponse,
    Message, NewCoordinatorWork, NewGrant, NewPerson, NewPurchase, NewRegionalMeeting, OneTimePassword, PersonAdded, PersonChange,
    PersonDetail, PersonDisabled, Purchase, PushRequest, PushResponse, RecoveryCodes, RegionalMeetingRecord, Role, RuleVersion,
    SecondFactorConfirm, SecondFactorEnrolment, SecondFactorRemove, SecondFactorStart, SecondFactorStatus, Transfer, TransferRequest,
};
use serde::Deserialize;
use sha2::Digest as _;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::RequestBodyDeadlineLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Standing;
use crate::model::{today_jst, unix_now, Caller, Config, Error};
use crate::password::Hasher;
use crate::storage::{logs_reads, Page, Storage};
use crate::{access, account, auth, coordination, people, purchases, push, rulebook, transfer};

mod error;

pub(crate) use error::ApiError;
use error::{json_errors, not_found_error, RETRY_AFTER_SECS};

/// The most quarantine entries one answer lists.
const QUARANTINE_LIST_LIMIT: i64 = 1000;

/// What every handler shares.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub storage: Storage,
    pub config: Arc<Config>,
    /// The blocking pool and bounds for pushed documents.
    pub heavy: push::Heavy,
    /// The password checks of logins, on threads of their own.
    pub hasher: Hasher,
}

/// The bearer token of a request (empty when there is none).
fn bearer(parts: &Parts) -> &str {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .unwrap_or_default()
}

/// Every `/api` route but login knows its caller from the bearer token ([`auth::authenticate`]).
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(auth::authenticate(&state.storage, &state.config, bearer(parts)).await?)
    }
}

/// The caller of the second-factor routes: also a device that may only enrol one.
struct Enroller(Caller);

impl FromRequestParts<AppState> for Enroller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Enroller(auth::authenticate_enrolling(&state.storage, &state.config, bearer(parts)).await?))
    }
}

/// Who pushes: a device that may, or a revoked one handing over what it has not sent.
struct Pusher(Caller, Standing);

impl FromRequestParts<AppState> for Pusher {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (caller, standing) = auth::device_caller(&state.storage, &state.config, bearer(parts), false).await?;
        Ok(Pusher(caller, standing))
    }
}

/// The router with its layers: body limit (after decompression, so a small gzip body cannot
/// grow past it), the body's deadline (`body_timeout_secs` from the request head; a body still
/// arriving then is answered 408 and its connection closed), gzip both ways, JSON for every
/// error, request tracing (no bodies).
pub(crate) fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let body_deadline = std::time::Duration::from_secs(state.config.body_timeout_secs);
    Router::new()
        .route("/health", get(health))
        .route("/api/v1/login", post(login))
        .route("/api/v1/account/second-factor", get(second_factor_status).post(second_factor_start).delete(second_factor_remove))
        .route("/api/v1/account/second-factor/confirm", post(second_factor_confirm))
        .route("/api/v1/push", post(push_documents))
        .route("/api/v1/changes", get(changes))
        .route("/api/v1/changes/catch-up", post(catch_up))
        .route("/api/v1/records/{id}/history", get(history))
        .route("/api/v1/quarantine", get(quarantine))
        .route("/api/v1/quarantine/devices", get(quarantine_devices))
        .route("/api/v1/directory", get(directory))
        .route("/api/v1/epoch", get(epoch))
        .route("/api/v1/access/events", post(access_events))
        .route("/api/v1/children/{id}/transfer", post(transfer_child))
        .route("/api/v1/rules", get(rule_book).post(publish_rules))
        .route("/api/v1/purchases", get(list_purchases).post(add_purchase))
        .route("/api/v1/grants", get(get_grant).put(set_grant))
        .route("/api/v1/coordination/work", get(list_coordinator_work).post(add_coordinator_work))
        .route("/api/v1/coordination/meetings", get(list_regional_meetings).post(add_regional_meeting))
        .route("/api/v1/people", get(list_people).post(add_person))
        .route("/api/v1/people/{username}", post(change_person))
        .route("/api/v1/people/{username}/disable", post(disable_person))
        .route("/api/v1/people/{username}/enable", post(enable_person))
        .route("/api/v1/people/{username}/password-reset", post(reset_password))
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(RequestDecompressionLayer::new())
        .layer(RequestBodyDeadlineLayer::new(body_deadline))
        .layer(axum::middleware::map_response(json_errors))
        // Answers are mostly base64 of automerge bytes (already compact): level 2 gets back
        // almost all that the default level does (the base64 expansion) at half its CPU.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(2)))
        .layer(TraceLayer::new_for_http())
}

async fn not_found() -> ApiError {
    not_found_error()
}

/// `{"status": "ok", "database": "ok", "disk": "ok"}`, or 503 with `"status": "unwell"` and the
/// part that is not ok (`database`: `unavailable`; `disk`: `full`), with `Retry-After`.
async fn health(State(state): State<AppState>) -> Response {
    let h = state.storage.health().await;
    let body = serde_json::json!({ "status": if h.ok() { "ok" } else { "unwell" }, "database": h.database, "disk": h.disk });
    if h.ok() {
        return Json(body).into_response();
    }
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    res.headers_mut().insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    res
}

/// The client's address comes from the connection (`ConnectInfo`, set by the server's serve
/// loop); it keys the login back-off.
async fn login(
    State(state): State<AppState>,
    extensions: Extensions,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let Json(req) = body.map_err(ApiError::from_json)?;
    let client = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    Ok(Json(auth::login(&state.storage, &state.hasher, &state.config, client, req).await?))
}

async fn second_factor_status(State(state): State<AppState>, Enroller(caller): Enroller) -> Result<Json<SecondFactorStatus>, ApiError> {
    Ok(Json(account::status(&state.storage, &state.config, &caller).await?))
}

async fn second_factor_start(
    State(state): State<AppState>,
    Enroller(caller): Enroller,
    body: Result<Json<SecondFactorStart>, JsonRejection>,
) -> Result<Json<SecondFactorEnrolment>, ApiError> {
    let Json(req) = body.map_err(ApiError::from_json)?;
    Ok(Json(account::start(&state.storage, &state.hasher, &caller, req).await?))
}

async fn second_factor_confirm(
    State(state): State<AppState>,
    Enroller(caller): Enroller,
    extensions: Extensions,
    body: Result<Json<SecondFactorConfirm>, JsonRejection>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let Json(req) = body.map_err(ApiError::from_json)?;
    Ok(Json(account::confirm(&state.storage, &caller, &client_of(&extensions), req).await?))
}

async fn second_factor_remove(
    State(state): State<AppState>,
    Enroller(caller): Enroller,
    extensions: Extensions,
    body: Result<Json<SecondFactorRemove>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(req) = body.map_err(ApiError::from_json)?;
    account::remove(&state.storage, &state.hasher, &state.config, &caller, &client_of(&extensions), req).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn push_documents(
    State(state): State<AppState>,
    Pusher(caller, standing): Pusher,
    body: Result<Json<PushRequest>, JsonRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let Json(req) = body.map_err(ApiError::from_json)?;
    let results = match standing {
        Standing::Active => push::push(&state.storage, &state.heavy, &caller, req.documents).await?,
        Standing::Revoked => push::hand_over(&state.storage, &caller, req.documents).await?,
    };
    Ok(Json(PushResponse { results }))
}

/// Every organisation, and the people the caller works with (staff pickers, names).
async fn directory(State(state): State<AppState>, caller: Caller, headers: HeaderMap) -> Result<Response, ApiError> {
    json_with_etag(&state.storage.directory(&caller).await?, &headers)
}

/// The server's epoch, which every restore from a backup replaces (any signed-in device).
async fn epoch(State(state): State<AppState>, _caller: Caller) -> Result<Json<ServerEpoch>, ApiError> {
    Ok(Json(ServerEpoch { epoch: state.storage.epoch().await? }))
}

/// What the caller's device reports its user opened or exported (checked field by field; kept
/// in the access log with the caller's account and device). An account whose reads are not
/// logged (a nurse, a parent) is answered without keeping anything.
async fn access_events(
    State(state): State<AppState>,
    caller: Caller,
    extensions: Extensions,
    body: Result<Json<AccessEvents>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(events) = body.map_err(ApiError::from_json)?;
    events.validate(unix_now()).into_result().map_err(|p| ApiError::from(Error::Problems(p)))?;
    if logs_reads(&caller) {
        state.storage.log_reported(&caller, &client_of(&extensions), &events.events).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Every published version of municipality settings and checklist templates, and the canned
/// phrases of the caller's station (its ETag is of what this caller sees).
async fn rule_book(State(state): State<AppState>, caller: Caller, headers: HeaderMap) -> Result<Response, ApiError> {
    json_with_etag(&rulebook::visible_book(&state.storage, &caller).await?, &headers)
}

/// Publishes a version of a municipality's settings, of a template (office, admin) or of a
/// station's canned phrases (its office, admin).
async fn publish_rules(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<RuleVersion>, JsonRejection>,
) -> Result<Json<RuleVersion>, ApiError> {
    let Json(v) = body.map_err(ApiError::from_json)?;
    Ok(Json(rulebook::publish(&state.storage, &caller, v, today_jst(unix_now())).await?))
}

#[derive(Debug, Deserialize)]
struct StationYearParams {
    station: Option<String>,
    fy: Option<String>,
}

/// The station and fiscal year of a list (`?station=ID&fy=2026`), each checked and named.
fn station_and_year(params: Result<Query<StationYearParams>, QueryRejection>) -> Result<(String, FiscalYear), ApiError> {
    let Query(params) = params
        .map_err(|e| ApiError::bad_request(Message::new("クエリが正しくありません", "the query is invalid").with_detail(e.body_text())))?;
    let station = params.station.filter(|s| !s.is_empty() && s.len() <= 64).ok_or_else(|| {
        ApiError::bad_request(Message::new(
            "station に事業所ID（1〜64文字）を指定してください",
            "station: expected a station id of 1–64 characters",
        ))
    })?;
    let fy = params.fy.as_deref().and_then(|y| y.parse::<i32>().ok()).filter(|y| purchases::FY_RANGE.contains(y)).ok_or_else(|| {
        let (lo, hi) = (purchases::FY_RANGE.start(), purchases::FY_RANGE.end());
        ApiError::bad_request(Message::new(
            format!("fy に年度（{lo}〜{hi} の西暦、例 2026）を指定してください"),
            format!("fy: expected a fiscal year from {lo} to {hi} (e.g. 2026)"),
        ))
    })?;
    Ok((station, FiscalYear(fy)))
}

/// A station's equipment purchases of a fiscal year (`?station=ID&fy=2026`; its office, admin).
async fn list_purchases(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<StationYearParams>, QueryRejection>,
) -> Result<Json<Vec<Purchase>>, ApiError> {
    let (station, fy) = station_and_year(params)?;
    Ok(Json(purchases::list(&state.storage, &caller, &station, fy).await?))
}

/// The amount granted to a station for a fiscal year (`?station=ID&fy=2026`; its office, admin):
/// the grant, or `null` when none is recorded.
async fn get_grant(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<StationYearParams>, QueryRejection>,
) -> Result<Json<Option<Grant>>, ApiError> {
    let (station, fy) = station_and_year(params)?;
    Ok(Json(purchases::grant(&state.storage, &caller, &station, fy).await?))
}

/// Records the amount granted to a station for a fiscal year, replacing the one before (its
/// office, admin).
async fn set_grant(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewGrant>, JsonRejection>,
) -> Result<Json<Grant>, ApiError> {
    let Json(g) = body.map_err(ApiError::from_json)?;
    Ok(Json(purchases::set_grant(&state.storage, &caller, g).await?))
}

/// A station's coordinator work of a fiscal year (`?station=ID&fy=2026`; its coordinator and
/// office, admin).
async fn list_coordinator_work(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<StationYearParams>, QueryRejection>,
) -> Result<Json<Vec<CoordinatorWorkRecord>>, ApiError> {
    let (station, fy) = station_and_year(params)?;
    Ok(Json(coordination::work(&state.storage, &caller, &station, fy).await?))
}

/// Records a piece of coordinator work for a child (the station's coordinator, admin).
async fn add_coordinator_work(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewCoordinatorWork>, JsonRejection>,
) -> Result<Json<CoordinatorWorkRecord>, ApiError> {
    let Json(w) = body.map_err(ApiError::from_json)?;
    Ok(Json(coordination::add_work(&state.storage, &caller, w).await?))
}

/// A station's regional meetings and trainings of a fiscal year (`?station=ID&fy=2026`).
async fn list_regional_meetings(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<StationYearParams>, QueryRejection>,
) -> Result<Json<Vec<RegionalMeetingRecord>>, ApiError> {
    let (station, fy) = station_and_year(params)?;
    Ok(Json(coordination::meetings(&state.storage, &caller, &station, fy).await?))
}

/// Records a regional meeting or training (the station's coordinator or office, admin).
async fn add_regional_meeting(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewRegionalMeeting>, JsonRejection>,
) -> Result<Json<RegionalMeetingRecord>, ApiError> {
    let Json(m) = body.map_err(ApiError::from_json)?;
    Ok(Json(coordination::add_meeting(&state.storage, &caller, m).await?))
}

/// Records an equipment purchase of a station (its office, admin).
async fn add_purchase(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewPurchase>, JsonRejection>,
) -> Result<Json<Purchase>, ApiError> {
    let Json(p) = body.map_err(ApiError::from_json)?;
    Ok(Json(purchases::add(&state.storage, &caller, p).await?))
}

/// Transfers a child to another station (`transfer::transfer`).
async fn transfer_child(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<TransferRequest>, JsonRejection>,
) -> Result<Json<Transfer>, ApiError> {
    let Path(id) = id.map_err(|e| {
        ApiError::bad_request(
            Message::new("URL の子ども ID が正しくありません", "the child id in the URL is invalid").with_detail(e.body_text()),
        )
    })?;
    let Json(request) = body.map_err(ApiError::from_json)?;
    Ok(Json(transfer::transfer(&state.storage, &caller, &id, request, caller.today).await?))
}

/// `value` as JSON with an ETag (the SHA-256 of the answer): a device that holds the same copy
/// (`If-None-Match`) gets `304 Not Modified` and no body, so fetching it at every sync costs one
/// small request.
fn json_with_etag<T: serde::Serialize>(value: &T, headers: &HeaderMap) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "encoding an answer failed");
        ApiError::internal()
    })?;
    let digest = sha2::Sha256::digest(&body);
    let etag = format!("\"{}\"", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let etag = HeaderValue::from_str(&etag).map_err(|_| ApiError::internal())?;
    if headers.get(IF_NONE_MATCH).is_some_and(|v| v == etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response());
    }
    Ok(([(CONTENT_TYPE, HeaderValue::from_static("application/json")), (ETAG, etag)], body).into_response())
}

/// The people the caller manages (an office its organisation's, an administrator everyone).
async fn list_people(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<PersonDetail>>, ApiError> {
    Ok(Json(people::list(&state.storage, &caller).await?))
}

async fn add_person(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewPerson>, JsonRejection>,
) -> Result<Json<PersonAdded>, ApiError> {
    let Json(new) = body.map_err(ApiError::from_json)?;
    let (person, one_time_password) = people::add(&state.storage, &caller, new).await?;
    Ok(Json(PersonAdded { person, one_time_password }))
}

fn username(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(u)| u).map_err(|e| {
        ApiError::bad_request(
            Message::new("URL の利用者名が正しくありません", "the user name in the URL is invalid").with_detail(e.body_text()),
        )
    })
}

async fn change_person(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<PersonChange>, JsonRejection>,
) -> Result<Json<PersonDetail>, ApiError> {
    let user = username(path)?;
    let Json(change) = body.map_err(ApiError::from_json)?;
    Ok(Json(people::change(&state.storage, &caller, &user, change).await?))
}

async fn disable_person(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<PersonDisabled>, ApiError> {
    let username = username(path)?;
    let devices_revoked = people::disable(&state.storage, &caller, &username).await?;
    Ok(Json(PersonDisabled { username, devices_revoked }))
}

async fn enable_person(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<PersonDetail>, ApiError> {
    let user = username(path)?;
    Ok(Json(people::enable(&state.storage, &caller, &user).await?))
}

async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<OneTimePassword>, ApiError> {
    let user = username(path)?;
    Ok(Json(people::reset_password(&state.storage, &caller, &user).await?))
}

#[derive(Debug, Deserialize)]
struct ChangesParams {
    since: Option<i64>,
    limit: Option<i64>,
    max_bytes: Option<i64>,
    buckets: Option<String>,
    #[serde(default)]
    total: bool,
}

/// The page bounds a request asks for, within the server's own.
fn page_bounds(config: &Config, limit: Option<i64>, max_bytes: Option<i64>) -> Result<Page, ApiError> {
    let limit = match limit {
        None => config.changes_page_limit,
        Some(n) if n >= 1 => n.min(config.changes_page_limit),
        Some(n) => {
            return Err(ApiError::bad_request(Message::new(
                format!("limit は 1 以上にしてください（{n}）"),
                format!("limit {n} must be at least 1"),
            )))
        }
    };
    let max_bytes = match max_bytes {
        None => config.changes_page_bytes,
        Some(n) if n >= 1 => n.min(config.changes_page_bytes),
        Some(n) => {
            return Err(ApiError::bad_request(Message::new(
                format!("max_bytes は 1 以上にしてください（{n}）"),
                format!("max_bytes {n} must be at least 1"),
            )))
        }
    };
    Ok(Page { limit, max_bytes })
}

/// The client's address as the connection gives it, for the access log.
fn client_of(extensions: &Extensions) -> String {
    extensions.get::<ConnectInfo<SocketAddr>>().map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    extensions: Extensions,
    params: Result<Query<ChangesParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params
        .map_err(|e| ApiError::bad_request(Message::new("クエリが正しくありません", "the query is invalid").with_detail(e.body_text())))?;
    let since = params.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::bad_request(Message::new(
            format!("since は 0 以上にしてください（{since}）"),
            format!("since {since} must not be negative"),
        )));
    }
    let page = page_bounds(&state.config, params.limit, params.max_bytes)?;
    let Some(held) = params.buckets else {
        return Err(ApiError::bad_request(Message::new(
            "buckets がありません。アプリを更新してください",
            "buckets is missing: the change feed needs the digest of the buckets the device holds (update the app)",
        )));
    };
    // The caller's readable set decides what the device should hold; when the device's differs,
    // it reconciles first (see carebook_domain::wire).
    let readable = state.storage.readable_children(&caller).await?;
    if buckets_digest(readable.iter().map(String::as_str)) != held {
        return Ok(
            Json(ChangesResponse { documents: vec![], cursor: since, more: true, total: None, buckets: Some(readable) }).into_response()
        );
    }
    let answer = state.storage.changes(&caller, since, page, params.total).await?;
    state.storage.log_received(&caller, &client_of(&extensions), &answer.documents).await?;
    Ok(page_json(&answer, &answer.documents))
}

/// A page of documents as JSON, written into a buffer sized for it up front (base64 is 4/3 of
/// the bytes): growing a buffer by doubling would hold up to twice a large page at once.
fn page_json<T: serde::Serialize>(page: &T, documents: &[ChangedDoc]) -> Response {
    let bytes: usize = documents.iter().map(|d| d.bytes.len() + 256).sum();
    let mut body = Vec::with_capacity(bytes / 3 * 4 + 4096);
    match serde_json::to_writer(&mut body, page) {
        Ok(()) => ([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "encoding a page failed");
            ApiError::internal().into_response()
        }
    }
}

async fn catch_up(
    State(state): State<AppState>,
    caller: Caller,
    extensions: Extensions,
    body: Result<Json<CatchUpRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body.map_err(ApiError::from_json)?;
    if req.children.len() > CATCH_UP_MAX_CHILDREN {
        let n = req.children.len();
        return Err(ApiError::bad_request(Message::new(
            format!("children は 1 回に {CATCH_UP_MAX_CHILDREN} 件までです（{n} 件）"),
            format!("children: at most {CATCH_UP_MAX_CHILDREN} per request, got {n}"),
        )));
    }
    if let Some(bad) = req.children.iter().find(|c| c.is_empty() || c.len() > 64) {
        let n = bad.len();
        return Err(ApiError::bad_request(Message::new(
            format!("children の値が正しくありません。ID は 1〜64 文字です（{n} 文字のものがあります）"),
            format!("children: expected ids of 1–64 characters, got one of {n} characters"),
        )));
    }
    let page = page_bounds(&state.config, req.limit, req.max_bytes)?;
    let answer = state.storage.catch_up(&caller, &req, page).await?;
    state.storage.log_received(&caller, &client_of(&extensions), &answer.documents).await?;
    Ok(page_json(&answer, &answer.documents))
}

async fn history(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let Path(id) = id.map_err(|e| {
        ApiError::bad_request(
            Message::new("URL の記録 ID が正しくありません", "the record id in the URL is invalid").with_detail(e.body_text()),
        )
    })?;
    if !matches!(caller.role, Role::Office | Role::Admin) {
        return Err(ApiError::forbidden());
    }
    // Unknown records and records of other organisations get the same answer.
    let Some((child, kind, org)) = state.storage.document_origin(&id).await? else {
        return Err(ApiError::forbidden());
    };
    let facts = state.storage.child_facts(&child, &caller.user_id).await?;
    if !access::may_read(&caller, &facts, access::DocFacts { kind, org: org.as_deref() }) {
        return Err(ApiError::forbidden());
    }
    Ok(Json(state.storage.history(&id).await?))
}

/// What each device's refused pushes take in the quarantine, and how many were refused for its
/// quota: the office sees its organisation's devices, an administrator every device.
async fn quarantine_devices(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<QuarantineDevice>>, ApiError> {
    let org = match caller.role {
        Role::Admin => None,
        Role::Office => Some(caller.org_id.as_str()),
        Role::Nurse | Role::Parent | Role::Municipality | Role::Coordinator => return Err(ApiError::forbidden()),
    };
    Ok(Json(state.storage.quarantine_devices(org, QUARANTINE_LIST_LIMIT).await?))
}

async fn quarantine(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<QuarantineEntry>>, ApiError> {
    let org = match caller.role {
        Role::Admin => None,
        Role::Office => Some(caller.org_id.as_str()),
        Role::Nurse | Role::Parent | Role::Municipality | Role::Coordinator => return Err(ApiError::forbidden()),
    };
    Ok(Json(state.storage.quarantine_entries(org, QUARANTINE_LIST_LIMIT).await?))
}
