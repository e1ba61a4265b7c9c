//! `carebook`: the command-line client over the device store.
//!
//! Every read command takes `--json`. Human output is Japanese first, then English. Bad input
//! exits non-zero and writes nothing: clap's usage errors exit 2, validation and runtime errors
//! exit 1 with every problem on its own line (`field: ja / en`); with `--json` the error's
//! `ErrorBody` is printed on stdout as well.

// Argument help comes from doc comments, where `[:note]` means "optional", not a doc link.
#![allow(rustdoc::broken_intra_doc_links)]

/// `println!` that ends the program quietly when stdout is closed (`carebook … | head`). The
/// line is made safe for a terminal: any control or bidirectional character in it but a line
/// break is written escaped ([`output::escaped`]); record text goes through
/// [`output::shown`] first, which escapes line breaks too.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        if let Err(e) = writeln!(std::io::stdout(), "{}", $crate::output::escaped(&line, true)) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("stdout: {e}");
            std::process::exit(1);
        }
    }};
}

mod args;
mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use carebook_core::vault::WipePolicy;
use carebook_core::{Carebook, CoreError};
use carebook_domain::{ErrorBody, Message};
use clap::{Parser, Subcommand};

use commands::{
    account, checklist, child, coordinator, demo, export, index, municipality, phrases, purchase, respite, search, server, sync, visit,
};

/// Carebook: records for visiting nurses caring for children who need medical care at home.
/// Carebook（医療的ケア児の訪問看護記録）.
#[derive(Debug, Parser)]
#[command(name = "carebook", version, propagate_version = true)]
struct Cli {
    /// データ保存先 / data directory (default: $XDG_DATA_HOME/carebook or ~/.local/share/carebook).
    #[arg(long, global = true, env = "CAREBOOK_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// JSON で出力 / print JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 児童（フェイスシート） / children's face sheets.
    #[command(subcommand)]
    Child(child::ChildCmd),
    /// 訪問記録 / visit records.
    #[command(subcommand)]
    Visit(visit::VisitCmd),
    /// レスパイト残り時間 / respite hours.
    #[command(subcommand)]
    Respite(respite::RespiteCmd),
    /// 物品チェックリスト / equipment checklists.
    #[command(subcommand)]
    Checklist(checklist::ChecklistCmd),
    /// 自治体ごとの設定 / municipality settings.
    #[command(subcommand)]
    Municipality(municipality::MunicipalityCmd),
    /// 事業所の定型文 / the station's canned phrases.
    #[command(subcommand)]
    Phrases(phrases::PhrasesCmd),
    /// 請求・報告の書き出し / exports: the monthly claim, the results report, a visit record.
    #[command(subcommand)]
    Export(export::ExportCmd),
    /// 体制整備事業の物品購入 / equipment purchases of a station (station-readiness subsidy).
    #[command(subcommand)]
    Purchase(purchase::PurchaseCmd),
    /// 医療的ケア児等コーディネーター支援 / coordinator support: work, meetings, the year's report.
    #[command(subcommand)]
    Coordinator(coordinator::CoordinatorCmd),
    /// 検索：名前・かな・日付・記録の言葉 / search children and visits by name, kana, date and the notes' words.
    Search(search::SearchArgs),
    /// 索引の保守 / index maintenance (support tooling).
    #[command(subcommand)]
    Index(index::IndexCmd),
    /// 架空の見本データを入れる / seed obviously fictional demo data.
    Demo,
    /// サーバーにログイン（パスワードは標準入力） / log this device in (password from stdin).
    Login(sync::LoginArgs),
    /// サーバーと同期 / sync with the server (progress on stderr).
    Sync(sync::SyncArgs),
    /// 自分のアカウント：二要素認証 / your own account: two-factor sign-in.
    #[command(subcommand)]
    Account(account::AccountCmd),
    /// 中央サーバー（運用者向け） / the central server and its operator commands.
    #[command(subcommand)]
    Server(server::ServerCmd),
}

/// What every command gets: where the data is and how to print.
#[derive(Debug)]
pub struct Env {
    data_dir: PathBuf,
    /// Print JSON.
    pub json: bool,
    /// The stores opened, closed before the process ends: SQLCipher's connections must be
    /// closed before OpenSSL's exit handlers run.
    opened: std::sync::Mutex<Vec<Carebook>>,
}

impl Env {
    /// Opens the device store, which is always encrypted. With a passphrase in
    /// `CAREBOOK_PASSPHRASE` its key is wrapped by it (a new device's key is made and wrapped;
    /// a key not yet wrapped is wrapped now). Without one, a new device's key is kept beside the
    /// store unwrapped — protected by the folder's permissions only, as the app's before its
    /// first PIN — and stderr says so; a store whose key a passphrase wraps needs it.
    pub async fn open(&self) -> anyhow::Result<Carebook> {
        use carebook_core::vault::{self, VaultState};
        let passphrase = std::env::var("CAREBOOK_PASSPHRASE").ok().filter(|p| !p.is_empty());
        let dir = &self.data_dir;
        let key = match (passphrase, vault::state(dir)?) {
            (Some(p), VaultState::Unprotected) => {
                let key = vault::unprotected_key(dir)?.context("the key file changed while it was read")?;
                vault::protect(dir, &key, &p).await?;
                key
            }
            (Some(p), _) => vault::key_for_passphrase(dir, &p, WipePolicy::from_env()).await?,
            (None, VaultState::New | VaultState::Plain) => {
                eprintln!(
                    "{}",
                    Message::new(
                        "注意: 端末の記録は暗号化しましたが、鍵はパスフレーズで保護されていません（CAREBOOK_PASSPHRASE を設定すると保護されます）",
                        "note: the device store is encrypted, but its key is not protected by a passphrase (set CAREBOOK_PASSPHRASE to protect it)",
                    )
                );
                vault::unwrapped_key(dir).await?
            }
            (None, VaultState::Unprotected) => vault::unwrapped_key(dir).await?,
            (None, VaultState::Locked) => anyhow::bail!(Message::new(
                "この端末の記録はパスフレーズで保護されています。パスフレーズか PIN を環境変数 CAREBOOK_PASSPHRASE に設定してください",
                "this device store is protected by a passphrase: set it (or the PIN) in CAREBOOK_PASSPHRASE",
            )),
        };
        let app = Carebook::open_with_key(dir, &key).await?;
        self.opened.lock().unwrap_or_else(|e| e.into_inner()).push(app.clone());
        Ok(app)
    }

    /// Closes every store opened, waiting for their connections.
    async fn close(&self) {
        let opened = std::mem::take(&mut *self.opened.lock().unwrap_or_else(|e| e.into_inner()));
        for app in opened {
            app.store().clone().close().await;
        }
    }
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(xdg) = non_empty("XDG_DATA_HOME") {
        return Ok(xdg.join("carebook"));
    }
    non_empty("HOME").map(|h| h.join(".local").join("share").join("carebook")).context(Message::new(
        "データ保存先がわかりません。--data-dir か CAREBOOK_DATA_DIR を指定してください",
        "no data directory: pass --data-dir or set CAREBOOK_DATA_DIR",
    ))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let data_dir = match cli.data_dir {
        Some(d) => d,
        None => default_data_dir()?,
    };
    let env = Env { data_dir, json: cli.json, opened: Default::default() };
    let result = run_command(&env, cli.command).await;
    env.close().await;
    result
}

async fn run_command(env: &Env, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Child(c) => child::run(env, c).await,
        Command::Visit(c) => visit::run(env, c).await,
        Command::Respite(c) => respite::run(env, c).await,
        Command::Checklist(c) => checklist::run(env, c).await,
        Command::Municipality(c) => municipality::run(env, c).await,
        Command::Phrases(c) => phrases::run(env, c).await,
        Command::Index(c) => index::run(env, c).await,
        Command::Search(a) => search::run(env, a).await,
        Command::Export(c) => export::run(env, c).await,
        Command::Purchase(c) => purchase::run(env, c).await,
        Command::Coordinator(c) => coordinator::run(env, c).await,
        Command::Demo => demo::run(env).await,
        Command::Login(a) => sync::login(env, a).await,
        Command::Sync(a) => sync::sync(env, a).await,
        Command::Account(c) => account::run(env, c).await,
        Command::Server(c) => server::run(env, c).await,
    }
}

/// The wire shape of a command's error. A use case's error is its own body; any other error
/// (`code` `error`) says what failed in both languages: the CLI's own [`Message`]s, the server
/// library's errors, and beneath them what the system said (the same in both).
fn error_body(err: &anyhow::Error) -> ErrorBody {
    let mut parts = Vec::new();
    for (i, e) in err.chain().enumerate() {
        let known = e
            .downcast_ref::<CoreError>()
            .map(CoreError::message)
            .or_else(|| e.downcast_ref::<carebook_server::Error>().map(|e| e.message()));
        match known {
            // Its message already names its causes.
            Some(m) => {
                parts.push(m);
                break;
            }
            None if i == 0 => parts.push(
                err.downcast_ref::<Message>()
                    .cloned()
                    .unwrap_or_else(|| Message::new("処理に失敗しました", "the command failed").with_detail(e)),
            ),
            None => parts.push(Message::new(e.to_string(), e.to_string())),
        }
    }
    let join = |f: fn(&Message) -> &str, sep: &str| parts.iter().map(f).collect::<Vec<_>>().join(sep);
    let message = Message::new(join(|m| &m.ja, "："), join(|m| &m.en, ": "));
    match err.downcast_ref::<CoreError>() {
        Some(core) if parts.len() == 1 => core.to_body(),
        Some(core) => ErrorBody::new(core.code(), message).with_problems(core.to_body().problems),
        None => ErrorBody::new("error", message),
    }
}

/// Prints an error: text on stderr, and with `--json` the `ErrorBody` on stdout.
fn report(err: &anyhow::Error, json: bool) {
    let body = error_body(err);
    // Both languages: on one line, or (a list of problems) Japanese first, then English.
    let mut text = body.text();
    // A server's refusal lists its problems apart from its message: name each field here.
    if body.problems.iter().any(|p| !text.ja.contains(&p.ja)) {
        for p in &body.problems {
            text.ja.push_str(&format!("\n{}: {}", p.field, p.ja));
            text.en.push_str(&format!("\n{}: {}", p.field, p.en));
        }
    }
    let text = if text.ja.contains('\n') || text.en.contains('\n') { format!("{}\n{}", text.ja, text.en) } else { text.to_string() };
    // The message may quote a server's answer or a record: shown escaped, its lines kept.
    eprintln!("エラー error: {}", output::escaped(&text, true));
    if json {
        match serde_json::to_string_pretty(&body) {
            Ok(s) => out!("{}", output::json_safe(&s)),
            Err(e) => eprintln!("エラー error: {e}"),
        }
    }
}

/// A usage error in both languages: a value the domain refused says why in each (clap's
/// English `first` line names the argument); any other says the usage is wrong.
fn usage_message(e: &clap::Error, first: String) -> Message {
    use carebook_domain::{CalendarError, IdError, UnknownName};
    use clap::error::{ContextKind, ContextValue};
    let source = std::error::Error::source(e);
    let refused = source.and_then(|s| {
        (s.downcast_ref::<IdError>().map(IdError::message))
            .or_else(|| s.downcast_ref::<CalendarError>().map(CalendarError::message))
            .or_else(|| s.downcast_ref::<UnknownName>().map(UnknownName::message))
    });
    match (refused, e.get(ContextKind::InvalidArg)) {
        (Some(m), Some(ContextValue::String(arg))) => {
            Message::new(format!("{arg} の値が正しくありません：{}", m.ja), format!("invalid value for {arg}: {}", m.en))
        }
        _ => Message::new(format!("コマンドの使い方が正しくありません：{first}"), first),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let informational = matches!(
                e.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if !informational && std::env::args_os().any(|a| a == "--json") {
                let rendered = e.render().to_string();
                let first = rendered.split("\n\n").next().unwrap_or_default().trim();
                let message = first.strip_prefix("error: ").unwrap_or(first).to_string();
                let body = ErrorBody::new("usage", usage_message(&e, message));
                if let Ok(s) = serde_json::to_string_pretty(&body) {
                    out!("{s}");
                }
            }
            e.exit();
        }
    };
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            report(&anyhow::Error::new(e).context(Message::new("起動できませんでした", "starting the runtime failed")), json);
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, json);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
