//! `carebook account`: the logged-in account's own settings on the server — its second factor
//! (TOTP): `second-factor status|start|confirm CODE|remove`.

use std::path::PathBuf;

use anyhow::Context as _;
use carebook_domain::Message;
use clap::{Args, Subcommand};

use crate::commands::sync::read_password;
use crate::output::print_json;
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// 二要素認証（認証アプリの確認コード） / two-factor sign-in (an authenticator app's codes).
    #[command(subcommand)]
    SecondFactor(SecondFactorCmd),
}

#[derive(Debug, Subcommand)]
pub enum SecondFactorCmd {
    /// 登録の状態 / whether the account has one, must have one, and its recovery codes left.
    Status,
    /// 登録を始める：秘密鍵と QR コード / start enrolling: the secret and its QR code.
    Start(StartArgs),
    /// 認証アプリの今のコードで登録を確定し、回復コードを表示 / confirm with the app's current code:
    /// shows the recovery codes (once).
    Confirm {
        /// 認証アプリの 6 桁のコード / the app's 6-digit code.
        code: String,
    },
    /// 二要素認証を外す（パスワードは標準入力） / remove it (the password from standard input).
    Remove,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// QR コードを SVG ファイルに書き出す / write the QR code to this SVG file.
    #[arg(long, value_name = "FILE")]
    pub qr_svg: Option<PathBuf>,
    /// 登録済みの二要素認証を置き換える（パスワードは標準入力） / replace the second factor in force
    /// (the password from standard input).
    #[arg(long)]
    pub replace: bool,
}

pub async fn run(env: &Env, cmd: AccountCmd) -> anyhow::Result<()> {
    let AccountCmd::SecondFactor(cmd) = cmd;
    match cmd {
        SecondFactorCmd::Status => {
            let status = env.open().await?.second_factor_status().await?;
            if env.json {
                return print_json(&status);
            }
            let yes_no = |b: bool| if b { "はい yes" } else { "いいえ no" };
            out!("登録済み enrolled: {}", yes_no(status.enrolled));
            out!("必須 required: {}", yes_no(status.required));
            if status.enrolled {
                out!("残りの回復コード recovery codes left: {}", status.recovery_codes_left);
            }
            Ok(())
        }
        SecondFactorCmd::Start(args) => {
            let password = if args.replace { Some(read_password()?) } else { None };
            let enrolment = env.open().await?.start_second_factor(password.as_deref()).await?;
            if let Some(path) = &args.qr_svg {
                std::fs::write(path, &enrolment.qr_svg)
                    .with_context(|| Message::new(format!("{} に書き込めません", path.display()), format!("writing {}", path.display())))?;
            }
            if env.json {
                return print_json(&enrolment);
            }
            out!("認証アプリに次の秘密鍵を登録してください / add this secret to your authenticator app:");
            out!("{}", enrolment.secret);
            out!("{}", enrolment.uri);
            if let Some(path) = &args.qr_svg {
                out!("QR コード / QR code: {}", path.display());
            }
            out!("次に carebook account second-factor confirm CODE / then: carebook account second-factor confirm CODE");
            Ok(())
        }
        SecondFactorCmd::Confirm { code } => {
            let codes = env.open().await?.confirm_second_factor(&code).await?;
            if env.json {
                return print_json(&codes);
            }
            out!("二要素認証を登録しました / two-factor sign-in is on.");
            out!("回復コード（各 1 回だけ使えます。今すぐ書き留め、安全に保管してください。二度と表示されません）");
            out!("recovery codes (each works once; write them down now and keep them safe: they are not shown again):");
            for c in &codes.codes {
                out!("  {c}");
            }
            Ok(())
        }
        SecondFactorCmd::Remove => {
            let password = read_password()?;
            env.open().await?.remove_second_factor(&password).await?;
            if env.json {
                return print_json(&serde_json::json!({"removed": true}));
            }
            out!("二要素認証を外しました / two-factor sign-in is off.");
            Ok(())
        }
    }
}
