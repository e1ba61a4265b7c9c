//! `carebook server …`: the central server and its operator commands.

use std::path::PathBuf;

use anyhow::Context as _;
use carebook_domain::{ChildId, Message, NewPerson, OneTimePassword, Org, PersonDetail, Profession, Role};
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
    /// 所属（ステーション・障害福祉課・運営） / organisations: stations, municipal welfare sections, the operator.
    #[command(subcommand)]
    Org(OrgCmd),
    /// 端末 / devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// 利用者・所属の管理の記録（誰が・いつ・何を） / who did what to people and organisations, when.
    Events {
        /// このアカウント名・所属IDについてのみ / only about this account name or organisation id.
        #[arg(long)]
        subject: Option<String>,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// 誰が見たか：サインイン（失敗を含む）と、事務・区市町村・管理者の端末が受け取った記録 /
    /// who saw what: sign-ins (failed ones too) and the records office, municipality and
    /// administrator devices received, newest first ("who saw my child's records?": --child).
    Access {
        /// この子どもの記録についてのみ / only about this child's records.
        #[arg(long, value_name = "CHILD_ID")]
        child: Option<String>,
        /// このアカウントについてのみ / only what this account did.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        /// 表示する件数 / at most this many lines.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// バックアップを作成（サーバー稼働中でよい）/ write a consistent backup while the server runs
    /// (SQLite: VACUUM INTO; PostgreSQL: pg_dump), keeping the newest generations.
    Backup {
        /// 保存先フォルダ / the folder for the backups.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// 残す世代数 / how many backups to keep (the oldest beyond are removed).
        #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
        keep: u32,
        /// この時間ごとに繰り返す（Ctrl-C で終了）/ repeat every this many hours until stopped
        /// (or schedule the command with cron or a systemd timer).
        #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(1..=720))]
        every: Option<u32>,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// バックアップから復元（サーバーを止めてから）/ restore a backup (stop the server first): the
    /// database is replaced (SQLite keeps the old file beside it) and gets a new epoch, so every
    /// device pulls again and pushes back what the backup lacks.
    Restore {
        /// バックアップファイル / the backup file (carebook-….sqlite or .pgdump).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        opts: ServerOpts,
    },
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
        /// 役割 / role: nurse, parent, office, admin, municipality (区市町村: reads the consented
        /// children of its welfare section's municipality; only in a municipality organisation).
        #[arg(long)]
        role: Role,
        /// 所属 / organisation id (created if new).
        #[arg(long)]
        org: String,
        /// 所属の種類 / organisation kind: station, municipality or operator (default: the
        /// existing organisation's; for a new one, municipality for a municipality account, else
        /// station).
        #[arg(long)]
        org_kind: Option<OrgKind>,
        #[command(flatten)]
        profile: ProfileArgs,
        /// 仮パスワードを発行（標準入力は読まない。初回ログインで本人が変更） / issue a one-time password
        /// instead of reading one from stdin (the person sets their own at their first login).
        #[arg(long)]
        one_time: bool,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// 氏名・ふりがな・職種を設定 / set a person's name, reading and profession.
    Profile {
        /// ユーザー名 / account name.
        #[arg(long)]
        user: String,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// アカウントを無効化（端末はすべて直ちに無効になり、次の同期で未送信の記録を渡して記録を削除）
    /// / disable an account: every device of it is revoked at once (at its next sync it hands over unsent records and removes its records).
    Disable(UserArg),
    /// 無効にしたアカウントを有効に戻す / enable a disabled account (it logs in again on each device).
    Enable(UserArg),
    /// 仮パスワードを発行（3日間有効。次のログインで本人が新しいパスワードを設定。端末は再ログインが必要）
    /// / issue a one-time password (valid 3 days; the next login sets the person's own; every device must log in again).
    ResetPassword(UserArg),
    /// 二要素認証を外す（スマートフォンも回復コードもなくしたとき。必須の役割は次のログインで登録し直し）
    /// / remove an account's second factor (phone and recovery codes both lost); an account that
    /// must have one enrols again at its next login.
    ResetSecondFactor(UserArg),
    /// 1人の詳細（端末・担当児童） / one person with their devices and assignments.
    Show(UserArg),
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
        /// 所属の種類 / organisation kind: station, municipality or operator (default: the
        /// existing organisation's; for a new one, municipality for a municipality account, else
        /// station).
        #[arg(long)]
        org_kind: Option<OrgKind>,
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

/// One account.
#[derive(Debug, Args)]
pub struct UserArg {
    /// ユーザー名 / account name.
    #[arg(long)]
    user: String,
    #[command(flatten)]
    opts: ServerOpts,
}

/// A person's name, reading and profession.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// 氏名（漢字） / name, as records show it.
    #[arg(long)]
    name: Option<String>,
    /// ふりがな / reading in kana.
    #[arg(long)]
    kana: Option<String>,
    /// 職種 / profession: nurse, associate_nurse, public_health_nurse, physiotherapist, occupational_therapist, speech_therapist, care_worker, other.
    #[arg(long)]
    profession: Option<Profession>,
}

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// 所属を追加、または名称を変更 / add an organisation, or rename one.
    Add {
        /// 所属ID / organisation id, e.g. st-kakuu.
        #[arg(long)]
        id: String,
        /// 種類 / kind: station, municipality or operator.
        #[arg(long)]
        kind: OrgKind,
        /// 名称 / name, e.g. 架空訪問看護ステーション.
        #[arg(long)]
        name: String,
        /// 区市町村コード（障害福祉課のみ） / municipality code, for a welfare section only (e.g. 13101).
        #[arg(long)]
        municipality: Option<String>,
        #[command(flatten)]
        opts: ServerOpts,
    },
    /// 所属一覧 / list organisations.
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
            let scheme = if config.tls_cert.is_some() { "https" } else { "http" };
            // One line on standard output once bound, with the real port (also for port 0).
            carebook_server::run_with(config, |addr| {
                println!("Carebook サーバー server: {scheme}://{addr} ({db})");
                let _ = std::io::Write::flush(&mut std::io::stdout());
            })
            .await?;
            Ok(())
        }
        ServerCmd::User(UserCmd::Add { username, role, org, org_kind, profile, one_time, opts }) => {
            let password = if one_time { None } else { Some(read_password()?) };
            let storage = storage(&opts).await?;
            let org_kind = org_kind_of(&storage, &org, org_kind, Some(role)).await?;
            let (user, one_time) = match profile.name {
                Some(name) => {
                    let new = NewPerson {
                        username,
                        role,
                        org_id: Some(org),
                        name,
                        kana: profile.kana.unwrap_or_default(),
                        profession: profile.profession,
                    };
                    storage.add_person(&new, password.as_deref(), Some(org_kind), None).await?
                }
                None => {
                    anyhow::ensure!(
                        profile.kana.is_none() && profile.profession.is_none(),
                        "--kana と --profession には --name が必要です / --kana and --profession need --name"
                    );
                    let Some(password) = password else {
                        anyhow::bail!("--one-time には --name が必要です / --one-time needs --name (the person's name)")
                    };
                    (storage.add_user(&username, &password, role, &org, org_kind).await?, None)
                }
            };
            if env.json {
                return print_json(&serde_json::json!({ "user": user, "one_time_password": one_time }));
            }
            out!(
                "アカウントを追加しました / account added: {} {} ({}) {} {}",
                user.username,
                shown(&user.name),
                user.role.label().ja,
                user.org_id,
                user.id
            );
            if let Some(p) = one_time {
                print_one_time(&p);
            }
            Ok(())
        }
        ServerCmd::User(UserCmd::Profile { user, profile, opts }) => {
            anyhow::ensure!(
                profile.name.is_some() || profile.kana.is_some() || profile.profession.is_some(),
                "--name、--kana、--profession のいずれかを指定してください / give --name, --kana or --profession"
            );
            let p = storage(&opts)
                .await?
                .set_profile(&user, profile.name.as_deref(), profile.kana.as_deref(), profile.profession, None)
                .await?;
            if env.json {
                return print_json(&p);
            }
            out!("設定しました / saved: {} {} {}", user.trim(), shown(&p.name), shown(&p.kana));
            Ok(())
        }
        ServerCmd::User(UserCmd::Disable(UserArg { user, opts })) => {
            let revoked = storage(&opts).await?.disable_user(&user, None).await?;
            if env.json {
                return print_json(&serde_json::json!({ "username": user.trim(), "devices_revoked": revoked }));
            }
            out!("無効にしました。端末 {revoked} 台を無効化しました / disabled; {revoked} device(s) revoked: {}", user.trim());
            Ok(())
        }
        ServerCmd::User(UserCmd::Enable(UserArg { user, opts })) => {
            storage(&opts).await?.enable_user(&user, None).await?;
            out!("有効に戻しました（各端末で再ログインが必要です） / enabled (each device logs in again): {}", user.trim());
            Ok(())
        }
        ServerCmd::User(UserCmd::ResetSecondFactor(UserArg { user, opts })) => {
            storage(&opts).await?.reset_second_factor(&user).await?;
            if env.json {
                return print_json(&serde_json::json!({ "username": user.trim(), "second_factor": false }));
            }
            out!("二要素認証を外しました / the second factor was removed: {}", user.trim());
            Ok(())
        }
        ServerCmd::User(UserCmd::ResetPassword(UserArg { user, opts })) => {
            let p = storage(&opts).await?.reset_password(&user, None).await?;
            if env.json {
                return print_json(&p);
            }
            print_one_time(&p);
            Ok(())
        }
        ServerCmd::User(UserCmd::Show(UserArg { user, opts })) => {
            let p = storage(&opts).await?.person(&user).await?;
            if env.json {
                return print_json(&p);
            }
            print_person(&p);
            Ok(())
        }
        ServerCmd::Org(OrgCmd::Add { id, kind, name, municipality, opts }) => {
            let org = storage(&opts).await?.add_org(&Org { id, kind, name, municipality }, None).await?;
            if env.json {
                return print_json(&org);
            }
            out!("所属を保存しました / organisation saved: {} {} ({})", org.id, shown(&org.name), org.kind.label().ja);
            Ok(())
        }
        ServerCmd::Org(OrgCmd::List { opts }) => {
            let orgs = storage(&opts).await?.orgs().await?;
            if env.json {
                return print_json(&orgs);
            }
            for o in orgs {
                out!("{}  {}  {}  {}", o.id, o.kind, shown(o.shown_name()), o.municipality.as_deref().unwrap_or("-"));
            }
            Ok(())
        }
        ServerCmd::Access { child, user, limit, opts } => {
            let lines = storage(&opts).await?.access_log(child.as_deref(), user.as_deref(), limit).await?;
            if env.json {
                return print_json(&lines);
            }
            for e in &lines {
                let what = match e.action.as_str() {
                    "sign_in" => "サインイン sign-in".to_string(),
                    "sign_in_failed" => "サインイン失敗 failed sign-in".to_string(),
                    "sign_in_refused" => "サインイン拒否 refused sign-in".to_string(),
                    "received" => format!("受信 received {} 件 records of {}", e.records, e.child_id.as_deref().unwrap_or("")),
                    "opened" => format!(
                        "閲覧 opened {} {} ({})",
                        e.what,
                        e.record_id.as_deref().unwrap_or(""),
                        e.happened_at.map_or(String::new(), unix_jst)
                    ),
                    "exported" => format!("書き出し exported {} ({})", e.what, e.happened_at.map_or(String::new(), unix_jst)),
                    other => other.to_string(),
                };
                let device = e.device_id.as_deref().unwrap_or("-");
                out!(
                    "{}  {}  {}  {}  {}  {}",
                    unix_jst(e.at),
                    shown(&e.username),
                    e.role.as_deref().unwrap_or("-"),
                    device,
                    what,
                    e.client
                );
            }
            if lines.is_empty() {
                eprintln!("該当する記録はありません / nothing logged");
            }
            Ok(())
        }
        ServerCmd::Backup { dir, keep, every, opts } => {
            let url = config(&opts)?.database_url();
            let storage = storage(&opts).await?;
            loop {
                let path = storage.backup(&url, &dir, keep as usize).await?;
                let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                if env.json {
                    print_json(&serde_json::json!({ "path": path, "bytes": bytes }))?;
                } else {
                    eprintln!("バックアップを作成しました / backup written ({bytes} bytes)");
                    out!("{}", path.display());
                }
                let Some(hours) = every else { break };
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(u64::from(hours) * 3600)) => {}
                    _ = tokio::signal::ctrl_c() => break,
                }
            }
            storage.close().await;
            Ok(())
        }
        ServerCmd::Restore { file, opts } => {
            let url = config(&opts)?.database_url();
            let epoch = carebook_server::restore(&url, &file).await?;
            if env.json {
                return print_json(&serde_json::json!({ "restored": file, "epoch": epoch }));
            }
            eprintln!(
                "復元しました。各端末は次の同期で最初から受信し直し、手元の記録を送り直します / restored: each device pulls again from the start at its next sync and pushes back what it holds"
            );
            out!("{}", file.display());
            Ok(())
        }
        ServerCmd::Events { subject, opts } => {
            let events = storage(&opts).await?.org_events(subject.as_deref()).await?;
            if env.json {
                return print_json(&events);
            }
            for e in events {
                let actor = e.actor.as_deref().unwrap_or("(operator)");
                out!("{}  {}  {}  {}  {}", unix_jst(e.at), shown(actor), e.action, shown(&e.subject), shown(&e.detail));
            }
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
            let storage = storage(&opts).await?;
            let org = match org {
                Some(o) => {
                    let kind = org_kind_of(&storage, &o, org_kind, role).await?;
                    Some((o, kind))
                }
                None => None,
            };
            let info = storage.change_user(&user, role, org.as_ref().map(|(o, k)| (o.as_str(), *k))).await?;
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
            let storage = storage(&opts).await?;
            if env.json {
                return print_json(&storage.list_users().await?);
            }
            for p in storage.people(None).await? {
                print_person(&p);
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

fn print_one_time(p: &OneTimePassword) {
    out!(
        "仮パスワード / one-time password for {}: {}\n有効期限 / valid until {}。初回ログインで本人が新しいパスワードを設定します / the person sets their own at their first login.",
        p.username,
        p.password,
        unix_jst(p.expires_at)
    );
}

/// One line per person: account, name, role, profession, organisation, state; then their
/// devices and children.
fn print_person(p: &PersonDetail) {
    let state = match (p.disabled_at, p.one_time_until) {
        (Some(at), _) => format!("無効 disabled {}", unix_jst(at)),
        (None, Some(until)) => format!("仮パスワード one-time until {}", unix_jst(until)),
        (None, None) => "有効 active".into(),
    };
    let profession = p.person.profession.map_or("-", |pr| pr.label().ja);
    out!(
        "{}  {}  {}  {}  {}  {}  {}",
        shown(&p.username),
        shown(if p.person.name.is_empty() { "(氏名未設定 no name)" } else { &p.person.name }),
        shown(&p.person.kana),
        p.person.role.name(),
        profession,
        shown(&p.person.org_id),
        state
    );
    for d in &p.devices {
        let state = if d.revoked_at.is_some() { "無効 revoked" } else { "有効 active" };
        let seen = d.last_seen.map_or("-".to_string(), unix_jst);
        out!("    端末 device {}  {}  {}  last seen {}", d.id, shown(&d.name), state, seen);
    }
    if !p.children.is_empty() {
        out!("    担当 children {}", p.children.join(","));
    }
}

/// The kind of organisation `org` is taken to be: as given; else the existing organisation's;
/// else (a new one) a welfare section for a municipality account, a station for the others.
async fn org_kind_of(storage: &Storage, org: &str, given: Option<OrgKind>, role: Option<Role>) -> anyhow::Result<OrgKind> {
    if let Some(kind) = given {
        return Ok(kind);
    }
    if let Some(existing) = storage.orgs().await?.into_iter().find(|o| o.id == org.trim()) {
        return Ok(existing.kind);
    }
    Ok(if role == Some(Role::Municipality) { OrgKind::Municipality } else { OrgKind::Station })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_database_password_is_not_printed() {
        assert_eq!(super::redact("postgres://carebook:secret@db:5432/cb"), "postgres://…@db:5432/cb");
        assert_eq!(super::redact("sqlite:///tmp/x.sqlite"), "sqlite:///tmp/x.sqlite");
    }
}
