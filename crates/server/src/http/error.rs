//! The one error shape on the wire: [`ApiError`] (a status, a code, a message, maybe
//! `Retry-After`) answered as an `ErrorBody`, and the mapping from the crate's [`Error`] to it.
//! Nothing below `http` knows a status.

use axum::extract::rejection::JsonRejection;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use carebook_domain::{ErrorBody, Message, Problem};
use tower_http::timeout::TimeoutError;

use crate::model::{Error, Unavailable};

/// What a 503 asks a device to wait, in seconds.
pub(super) const RETRY_AFTER_SECS: i64 = 5;

/// An error answer: a status and an [`ErrorBody`]. Internals are logged, never sent.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: Message,
    retry_after_secs: Option<i64>,
    /// For `invalid`: every problem with its field.
    problems: Vec<Problem>,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &'static str, message: Message) -> ApiError {
        ApiError { status, code, message, retry_after_secs: None, problems: vec![] }
    }

    pub(crate) fn bad_request(message: Message) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub(crate) fn unauthorized(code: &'static str, message: Message) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub(crate) fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", Message::new("この操作の権限がありません", "you may not do this"))
    }

    pub(super) fn too_large() -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", Message::new("送信データが大きすぎます", "the request body is too large"))
    }

    /// The database cannot serve now: 503, and when to try again.
    pub(super) fn unavailable(kind: Unavailable) -> ApiError {
        let message = match kind {
            Unavailable::Database => Message::new(
                "データベースに接続できません。しばらくしてから再試行してください",
                "the database is unavailable; try again later",
            ),
            Unavailable::StorageFull => Message::new(
                "サーバーの保存領域が足りません。しばらくしてから再試行してください",
                "the server's storage is full; try again later",
            ),
            Unavailable::Busy => {
                Message::new("サーバーが混み合っています。しばらくしてから再試行してください", "the database is busy; try again later")
            }
        };
        ApiError { retry_after_secs: Some(RETRY_AFTER_SECS), ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message) }
    }

    /// The request body did not arrive within `body_timeout_secs`.
    pub(super) fn body_timeout() -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            Message::new(
                "送信データの到着が遅すぎます（サーバーの制限時間を過ぎました）",
                "the request body did not arrive within the server's time limit",
            ),
        )
    }

    pub(super) fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", Message::new("サーバー内部のエラーです", "internal server error"))
    }

    pub(super) fn from_json(rejection: JsonRejection) -> ApiError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::too_large();
        }
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&rejection);
        while let Some(e) = cause {
            if e.is::<TimeoutError>() {
                return ApiError::body_timeout();
            }
            cause = e.source();
        }
        ApiError::bad_request(Message::new("リクエストが読めません", "the request cannot be read").with_detail(rejection.body_text()))
    }
}

/// Each [`Error`] as an answer: the refusals of the use cases by their status and code (their
/// message is the error's own), the database being unavailable as 503, everything else logged
/// and answered `internal`.
impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::BadRequest(message) => return ApiError::bad_request(message),
            Error::WrongPassword | Error::UnknownToken => return ApiError::unauthorized("unauthorized", e.message()),
            Error::DeviceRevoked => return ApiError::unauthorized("device_revoked", e.message()),
            Error::TokenExpired => return ApiError::unauthorized("token_expired", e.message()),
            Error::SecondFactorRequired => return ApiError::unauthorized("second_factor_required", e.message()),
            Error::SecondFactorWrong => return ApiError::unauthorized("second_factor_wrong", e.message()),
            Error::SecondFactorEnrolmentRequired => {
                return ApiError::new(StatusCode::FORBIDDEN, "second_factor_enrolment_required", e.message())
            }
            Error::OneTimePasswordExpired => return ApiError::unauthorized("one_time_password_expired", e.message()),
            Error::AccountDisabled => return ApiError::new(StatusCode::FORBIDDEN, "account_disabled", e.message()),
            Error::PasswordChangeRequired => return ApiError::new(StatusCode::FORBIDDEN, "password_change_required", e.message()),
            Error::Forbidden(_) => return ApiError::new(StatusCode::FORBIDDEN, "forbidden", e.message()),
            Error::UnknownUser(_) | Error::UnknownOrg(_) | Error::UnknownDevice(_) => {
                return ApiError::new(StatusCode::NOT_FOUND, "not_found", e.message())
            }
            Error::UsernameTaken(_) => return ApiError::new(StatusCode::CONFLICT, "username_taken", e.message()),
            Error::Invalid { .. } | Error::OrgKindMismatch { .. } => return ApiError::bad_request(e.message()),
            Error::Problems(problems) | Error::Password(problems) => {
                return ApiError {
                    problems: problems.0,
                    ..ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid",
                        Message::new("入力に問題があります。各項目を確認してください", "the input was refused: see the problems"),
                    )
                }
            }
            Error::TooManyAttempts { secs } => {
                return ApiError {
                    retry_after_secs: Some(secs.max(1)),
                    ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", e.message())
                }
            }
            Error::Busy { retry_after_secs } => {
                return ApiError {
                    retry_after_secs: Some(retry_after_secs.max(1)),
                    ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.message())
                }
            }
            _ => {}
        }
        if let Some(kind) = e.unavailable() {
            tracing::warn!(error = %e, "request failed: the database is unavailable");
            return ApiError::unavailable(kind);
        }
        tracing::error!(error = %e, "request failed");
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { problems: self.problems, ..ErrorBody::new(self.code, self.message) };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            res.headers_mut().insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// Gives error answers made below the handlers (body limit, unsupported encoding, wrong method)
/// the [`ErrorBody`] shape.
pub(super) async fn json_errors(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return res;
    }
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(),
        StatusCode::NOT_FOUND => not_found_error(),
        StatusCode::UNAUTHORIZED => ApiError::unauthorized("unauthorized", Message::new("認証されていません", "unauthorized")),
        StatusCode::FORBIDDEN => ApiError::forbidden(),
        s if s.is_server_error() => {
            tracing::error!(status = %s, "error answer from a layer");
            ApiError::internal()
        }
        s => ApiError::new(s, "bad_request", Message::new(format!("リクエストが正しくありません（{s}）"), format!("bad request ({s})"))),
    }
    .into_response()
}

pub(super) fn not_found_error() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", Message::new("その URL はありません", "no such endpoint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(e: Error) -> (StatusCode, &'static str, Message, Option<i64>) {
        let a = ApiError::from(e);
        (a.status, a.code, a.message, a.retry_after_secs)
    }

    #[test]
    fn each_refusal_of_login_and_tokens_keeps_its_status_code_message_and_wait() {
        let unauthorized = StatusCode::UNAUTHORIZED;
        assert_eq!(
            answer(Error::WrongPassword),
            (unauthorized, "unauthorized", Message::new("ユーザー名またはパスワードが違います", "wrong username or password"), None)
        );
        assert_eq!(
            answer(Error::UnknownToken),
            (unauthorized, "unauthorized", Message::new("認証されていません", "unknown or missing token"), None)
        );
        assert_eq!(
            answer(Error::DeviceRevoked),
            (unauthorized, "device_revoked", Message::new("この端末は無効にされています", "this device has been revoked"), None)
        );
        assert_eq!(
            answer(Error::TokenExpired),
            (
                unauthorized,
                "token_expired",
                Message::new("ログインの有効期限が切れました。もう一度ログインしてください", "the token has expired; log in again"),
                None
            )
        );
        assert_eq!(
            answer(Error::SecondFactorRequired),
            (
                unauthorized,
                "second_factor_required",
                Message::new(
                    "認証アプリの 6 桁のコード（または回復コード）を入力してください",
                    "enter the 6-digit code of your authenticator app (or a recovery code)"
                ),
                None
            )
        );
        assert_eq!((answer(Error::SecondFactorWrong).0, answer(Error::SecondFactorWrong).1), (unauthorized, "second_factor_wrong"));
        assert_eq!(
            (answer(Error::SecondFactorEnrolmentRequired).0, answer(Error::SecondFactorEnrolmentRequired).1),
            (StatusCode::FORBIDDEN, "second_factor_enrolment_required")
        );
        // 1,001 ms is 2 s rounded up; no wait at all still asks for 1 s.
        assert_eq!(
            answer(Error::too_many_attempts(1001)),
            (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                Message::new("ログインの失敗が続いたため 2 秒待ってください", "too many failed logins; try again in 2 s"),
                Some(2)
            )
        );
        assert_eq!(answer(Error::too_many_attempts(0)).3, Some(1));
        assert_eq!(
            answer(Error::Busy { retry_after_secs: 2 }),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                Message::new(
                    "ログインが混み合っています。2 秒後にもう一度お試しください",
                    "too many logins are being checked; try again in 2 s"
                ),
                Some(2)
            )
        );
        assert_eq!(
            answer(Error::BadRequest(Message::new("見本", "sample"))),
            (StatusCode::BAD_REQUEST, "bad_request", Message::new("見本", "sample"), None)
        );
    }

    #[test]
    fn internals_are_not_sent_and_an_unavailable_database_asks_to_wait() {
        let (status, code, message, wait) = answer(Error::Contended("kakuu-record".into()));
        assert_eq!((status, code, wait), (StatusCode::INTERNAL_SERVER_ERROR, "internal", None));
        assert!(!message.to_string().contains("kakuu-record"), "{message}");
        let (status, code, _, wait) = answer(Error::Database(sqlx::Error::PoolTimedOut));
        assert_eq!((status, code, wait), (StatusCode::SERVICE_UNAVAILABLE, "unavailable", Some(5)));
    }
}
