//! `carebook login` and `carebook sync`: the device side of sync.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context as _;
use carebook_core::{SyncPhase, SyncProgress};
use carebook_domain::Message;
use clap::Args;

use crate::output::{print_json, shown};
use crate::Env;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// サーバーのアドレス / server address, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// ユーザー名 / account name (the password is read from standard input).
    #[arg(long, value_name = "USER")]
    pub user: String,
    /// この端末の名前 / a name for this device (default: the host name).
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,
    /// 仮パスワードでのログイン：標準入力の2行目を新しいパスワードにする / logging in with a one-time
    /// password: the second line of standard input is the new password of your own.
    #[arg(long)]
    pub new_password: bool,
    /// 二要素認証の確認コード（認証アプリの 6 桁、または回復コード） / the second factor: the
    /// authenticator app's 6-digit code, or a recovery code. Without it, a terminal is asked for
    /// it when the account has one.
    #[arg(long, value_name = "CODE")]
    pub otp: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// 同期せず状態だけ表示 / show the sync status without syncing.
    #[arg(long)]
    pub status: bool,
}

/// Reads one line (the password) from standard input, without echoing a prompt into pipes.
pub fn read_password() -> anyhow::Result<String> {
    read_secret("パスワード password: ")
}

/// Reads one line from standard input, prompting only on a terminal.
fn read_secret(prompt: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{prompt}");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context(Message::new("標準入力からパスワードを読めません", "reading the password from standard input"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(!password.is_empty(), Message::new("パスワードが空です", "the password on standard input is empty"));
    Ok(password)
}

pub async fn login(env: &Env, args: LoginArgs) -> anyhow::Result<()> {
    let password = read_password()?;
    let new_password = if args.new_password { Some(read_secret("新しいパスワード new password: ")?) } else { None };
    let app = env.open().await?;
    let device = args.device_name.unwrap_or_else(|| std::env::var("HOSTNAME").unwrap_or_else(|_| "carebook-cli".into()));
    let mut otp = args.otp;
    let session = loop {
        match app.login_with(&args.server, &args.user, &password, new_password.as_deref(), otp.as_deref(), &device).await {
            Err(carebook_core::CoreError::Server { body, .. }) if body.code == "password_change_required" => anyhow::bail!(
                "{}\n--new-password を付け、標準入力の2行目に新しいパスワードを入れてください / add --new-password and give your new password on the second line of standard input",
                body.message
            ),
            Err(carebook_core::CoreError::Server { body, .. }) if body.code == "second_factor_required" && otp.is_none() => {
                if !std::io::stdin().is_terminal() {
                    anyhow::bail!(
                        "{}\n--otp CODE を付けてください / add --otp CODE (the app's code or a recovery code)",
                        body.message
                    );
                }
                otp = Some(read_secret("確認コード code: ")?);
            }
            other => break other?,
        }
    };
    if env.json {
        return print_json(&serde_json::json!({
            "user": session.user,
            "device_id": session.device_id,
            "expires_at": session.expires_at,
            "second_factor_enrolment_required": session.second_factor_enrolment_required,
        }));
    }
    out!(
        "ログインしました / logged in: {} {} ({} / {}), 端末 device {}",
        session.user.username,
        shown(&session.user.name),
        session.user.role.label().ja,
        session.user.role.name(),
        session.device_id
    );
    if session.second_factor_enrolment_required {
        out!(
            "このアカウントは二要素認証の登録が必要です。登録するまで同期できません: carebook account second-factor start / this account must enrol a second factor before it can sync: carebook account second-factor start"
        );
    }
    Ok(())
}

fn show_progress(p: SyncProgress) {
    let what = match p.phase {
        SyncPhase::Push => "送信 sent",
        SyncPhase::Pull => "受信 received",
    };
    eprintln!("{what}: {}/{}", p.done, p.total);
}

pub async fn sync(env: &Env, args: SyncArgs) -> anyhow::Result<()> {
    let app = env.open().await?;
    if !args.status {
        let mut progress = |p: SyncProgress| {
            if !env.json {
                show_progress(p)
            }
        };
        let report = app.sync(&mut progress).await?;
        if env.json {
            return print_json(&report);
        }
        if let Some(n) = report.resent_after_restore {
            out!(
                "サーバーがバックアップから復元されていたため、最初から受信し直し、記録 {n} 件を送り直しました / the server had been restored from a backup: pulled again from the start and sent {n} records again"
            );
        }
        out!(
            "同期しました / synced: 送信 sent {} (受理 accepted {}, 差し戻し rejected {}), 受信 received {}",
            report.sent,
            report.accepted,
            report.rejected,
            report.received
        );
        if report.caught_up > 0 {
            out!("新たに読めるようになった子どもの記録 / records of children newly readable: {}", report.caught_up);
        }
    }
    let status = app.sync_status().await?;
    if env.json && args.status {
        return print_json(&status);
    }
    if env.json {
        return Ok(());
    }
    match &status.user {
        Some(u) => {
            out!("アカウント account: {} ({}) @ {}", shown(&u.username), u.role.name(), shown(status.server_url.as_deref().unwrap_or("")))
        }
        None => out!("ログインしていません / not logged in"),
    }
    out!("最終同期 last sync: {}", status.last_sync_at.as_deref().unwrap_or("—"));
    out!("未送信 waiting to sync: {}", status.pending);
    out!("差し戻し rejected by the server: {}", status.rejected.len());
    for r in &status.rejected {
        out!("  {} {} [{}] {}", r.kind, shown(&r.id), shown(&r.code), shown(&r.reason));
    }
    if !status.removed.is_empty() {
        out!("端末から削除した記録 removed from this device: {}", status.removed.len());
        for r in &status.removed {
            let name = shown(r.child_name.as_deref().unwrap_or("?"));
            out!("  {} {} ({}) 記録 records {}: {}", shown(&r.at), name, shown(&r.child_id), r.records, shown(&r.reason));
        }
    }
    Ok(())
}
