//! `carebook server …`: the central server and its operator commands.

use std::path::PathBuf;

use anyhow::Context as _;
use carebook_domain::{ChildId, Message, Role};
use carebook_server::{open_storage, Config, OrgKind, Storage};
use clap::{Args, Subcommand};

use crate::commands::sync::read_password;
use crate::output::{print_json, shown, unix_jst};
use crate::Env;

/// Where the server's configuration and database come from.
#[derive(Debug, Args)]
pub struct ServerOpts {
    /// 設定ファイル / TOML config file (then CAREBOOK_* environment variables, then these flags).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// データベース / database URL: sqlite://FILE (default, in the data folder) or postgres://…
    #[arg(long, value_name = "URL", global = true)]
    pub database: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ServerCmd {
    /// サーバーを起動 / start the server (stops gracefully on SIGTERM or Ctrl-C).
    Start {
        /// 待ち受けアドレス / address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// アカウント / accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// 端末 / devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// 保留箱の端末ごとの使用量と上限超過 / what each device's refused pushes take in the
    /// quarantine, and how many were refused for its quota, since when.
    Quarantine {
        #[command(flatten)]
        opts: ServerOpts,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// アカウントを追加（パスワードは標準入力。13文字以上、ユーザー名を含まない、よく使われるものでない）
    /// / add an account (password from stdin: at least 13 characters, not containing the user name, not a common one).
    Add {
        /// ユーザー名 / account name.
        #[arg(long)]
        username: String,
        /// 役割 / role: nurse, parent, office, admin.
        #[arg(long)]
        role: Role,
        /// 所属 / organisation id (created if new).
        #[arg(long)]
        org: String,
        /// 所属の種類 / organisation kind: station or municipality.
        #[arg(long, default_value = "station")]
        org_kind: OrgKind,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// 担当児童を割り当て / assign a child to a nurse, or a parent's own child.
    Assign(AssignmentArgs),
    /// 担当児童の割り当てを解除 / end an assignment (the user's devices drop the child's records at their next sync).
    Unassign(AssignmentArgs),
    /// 割り当て一覧 / list assignments: all, one user's, or one child's.
    Assignments {
        /// このユーザーのみ / only this account's.
        #[arg(long)]
        user: Option<String>,
        /// この児童のみ / only this child's.
        #[arg(long)]
        child: Option<ChildId>,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// 役割・所属を変更 / change an account's role or organisation (its devices follow at their next sync).
    Change {
        /// ユーザー名 / account name.
        #[arg(long)]
        user: String,
        /// 新しい役割 / new role: nurse, parent, office, admin.
        #[arg(long)]
        role: Option<Role>,
        /// 新しい所属 / new organisation id (created if new).
        #[arg(long)]
        org: Option<String>,
        /// 所属の種類 / organisation kind: station or municipality.
        #[arg(long, default_value = "station")]
        org_kind: OrgKind,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// パスワードを変更（新しいパスワードは標準入力）。その利用者の端末はすべて再ログインが必要になります（記録は端末に残ります）
    /// / set a new password (from stdin); every device of the account must log in again (its records stay on it).
    Password {
        /// ユーザー名 / account name.
        #[arg(long)]
        user: String,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// アカウント一覧 / list accounts.
    List {
        #[command(flatten)]
        opts: ServerOpts,
    },
}

/// One account and one child.
#[derive(Debug, Args)]
pub struct AssignmentArgs {
    /// ユーザー名 / account name.
    #[arg(long)]
    user: String,
    /// 児童ID / child id.
    #[arg(long)]
    child: ChildId,
    #[command(flatten)]
    opts: ServerOpts,
}

#[derive(Debug, Subcommand)]
pub enum DeviceCmd {
    /// 端末一覧 / list devices.
    List {
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// 端末を無効化 / revoke a device's token (it removes its records at its next sync).
    Revoke {
        /// 端末ID / device id.
        id: String,
        #[command(flatten)]
        opts: ServerOpts,
    },
}

fn config(opts: &ServerOpts) -> anyhow::Result<Config> {
    let mut config = Config::load(opts.config.as_deref())?;
    if let Some(url) = &opts.database {
        config.database_url = Some(url.clone());
    }
    Ok(config)
}

async fn storage(opts: &ServerOpts) -> anyhow::Result<Storage> {
    let config = config(opts)?;
    let url = config.database_url();
    let storage = open_storage(&url).await.with_context(|| {
        let url = redact(&url);
        Message::new(format!("サーバーのデータベース {url} を開けません"), format!("opening the server database {url}"))
    })?;
    Ok(storage.with_quarantine_quota(config.quarantine_quota()))
}

/// The URL without a password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

pub async fn run(env: &Env, cmd: ServerCmd) -> anyhow::Result<()> {
    match cmd {
        ServerCmd::Start { listen, opts } => {
            let mut config = config(&opts)?;
            if let Some(l) = listen {
                config.listen = l;
            }
            let _ = tracing_subscriber::fmt().with_target(false).with_writer(std::io::stderr).try_init();
            let db = redact(&config.database_url());
            // One line on standard output once bound, with the real port (also for port 0).
            carebook_server::run_with(config, |addr| {
                println!("Carebook サーバー server: http://{addr} ({db})");
                let _ = std::io::Write::flush(&mut std::io::stdout());
            })
            .await?;
            Ok(())
        }
        ServerCmd::User(UserCmd::Add { username, role, org, org_kind, opts }) => {
            let password = read_password()?;
            let user = storage(&opts).await?.add_user(&username, &password, role, &org, org_kind).await?;
            if env.json {
                return print_json(&user);
            }
            out!("アカウントを追加しました / account added: {} ({}) {} {}", user.username, user.role.label().ja, user.org_id, user.id);
            Ok(())
        }
        ServerCmd::User(UserCmd::Assign(AssignmentArgs { user, child, opts })) => {
            storage(&opts).await?.assign(&user, child).await?;
            out!("割り当てました / assigned: {user} → {child}");
            Ok(())
        }
        ServerCmd::User(UserCmd::Unassign(AssignmentArgs { user, child, opts })) => {
            if storage(&opts).await?.unassign(&user, child).await? {
                out!("割り当てを解除しました / unassigned: {user} → {child}");
            } else {
                out!("割り当てはありませんでした / there was no such assignment: {user} → {child}");
            }
            Ok(())
        }
        ServerCmd::User(UserCmd::Assignments { user, child, opts }) => {
            let list = storage(&opts).await?.assignments(user.as_deref(), child).await?;
            if env.json {
                return print_json(&list);
            }
            if list.is_empty() {
                out!("割り当てはありません / no assignments");
            }
            for a in list {
                out!("{}  {}  {}", shown(&a.username), a.role.name(), a.child_id);
            }
            Ok(())
        }
        ServerCmd::User(UserCmd::Change { user, role, org, org_kind, opts }) => {
            anyhow::ensure!(
                role.is_some() || org.is_some(),
                Message::new("--role か --org（または両方）を指定してください", "give --role or --org (or both)")
            );
            let info = storage(&opts).await?.change_user(&user, role, org.as_deref().map(|o| (o, org_kind))).await?;
            if env.json {
                return print_json(&info);
            }
            out!("変更しました / changed: {} ({} / {}) {}", info.username, info.role.label().ja, info.role.name(), info.org_id);
            Ok(())
        }
        ServerCmd::User(UserCmd::Password { user, opts }) => {
            let password = read_password()?;
            let ended = storage(&opts).await?.set_password(&user, &password).await?;
            if env.json {
                return print_json(&serde_json::json!({ "username": user.trim(), "devices_logged_out": ended }));
            }
            out!("パスワードを変更しました。端末 {ended} 台は再ログインが必要です / password changed; {ended} device(s) must log in again: {}", user.trim());
            Ok(())
        }
        ServerCmd::User(UserCmd::List { opts }) => {
            let users = storage(&opts).await?.list_users().await?;
            if env.json {
                return print_json(&users);
            }
            for u in users {
                out!("{}  {}  {}  {}  {}", shown(&u.username), u.role.name(), shown(&u.org_id), u.org_kind, shown(&u.children.join(",")));
            }
            Ok(())
        }
        ServerCmd::Device(DeviceCmd::List { opts }) => {
            let devices = storage(&opts).await?.list_devices().await?;
            if env.json {
                return print_json(&devices);
            }
            for d in devices {
                let state = if d.revoked_at.is_some() { "無効 revoked" } else { "有効 active" };
                out!("{}  {}  {}  {}", d.id, shown(&d.username), shown(&d.name), state);
            }
            Ok(())
        }
        ServerCmd::Device(DeviceCmd::Revoke { id, opts }) => {
            storage(&opts).await?.revoke_device(&id).await?;
            out!("端末を無効化しました / device revoked: {id}");
            Ok(())
        }
        ServerCmd::Quarantine { opts } => {
            let storage = storage(&opts).await?;
            let devices = storage.quarantine_devices(None, 10_000).await?;
            if env.json {
                return print_json(&devices);
            }
            let mib = |b: i64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
            out!("保留箱 quarantine: {} stored", mib(storage.quarantine_stored_bytes().await?));
            for d in devices {
                let refused = match d.refused_since {
                    Some(since) if d.refused > 0 => {
                        format!("  ⚠ 上限超過 refused for the quota: {} (since {})", d.refused, unix_jst(since))
                    }
                    _ => String::new(),
                };
                out!(
                    "{}  {}  {}  {} entries  {} / {}{refused}",
                    d.device_id,
                    shown(&d.username),
                    shown(&d.device_name),
                    d.entries,
                    mib(d.bytes),
                    mib(d.quota_bytes)
                );
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_database_password_is_not_printed() {
        assert_eq!(super::redact("postgres://carebook:secret@db:5432/cb"), "postgres://…@db:5432/cb");
        assert_eq!(super::redact("sqlite:///tmp/x.sqlite"), "sqlite:///tmp/x.sqlite");
    }
}
