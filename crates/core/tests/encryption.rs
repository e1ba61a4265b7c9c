//! The device store at rest: encrypted with SQLCipher under a key that the PIN wraps
//! (`carebook_core::vault`). What a lost tablet's files give away is checked on the real files:
//! none of a child's name, a note or the bearer token, in the store, its write-ahead log, its
//! backup or the key file.

use std::path::Path;

use carebook_core::store::DB_FILE;
use carebook_core::vault::{self, VaultState, WipePolicy, KEY_FILE};
use carebook_core::{Carebook, CoreError};
use carebook_testkit::{child, respite};

const PIN: &str = "2468";
const NAME: &str = "見本 秘匿子";
const NOTE: &str = "架空の観察メモ・吸引三回";
const TOKEN: &str = "tok-kakuu-0123456789abcdef";

/// Every byte of every file in the folder, with the file's name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.file_name().to_string_lossy().to_string(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A device with a PIN, a child and a visit with a note.
async fn filled_device(dir: &Path) -> (Carebook, carebook_domain::ChildId) {
    let key = vault::create(dir, None).await.unwrap();
    vault::protect(dir, &key, PIN).await.unwrap();
    let app = Carebook::open_with_key(dir, &key).await.unwrap();
    let c = app.add_child(carebook_domain::Child { name: NAME.into(), ..child("13105") }).await.unwrap();
    let mut v = respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00");
    v.note.objective = NOTE.into();
    app.record_visit(v).await.unwrap();
    (app, c.id)
}

#[tokio::test]
async fn the_store_its_log_and_its_key_file_hold_no_name_note_or_token_and_it_opens_only_with_the_pin() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (app, child_id) = filled_device(dir).await;
    // The bearer token is kept where the session is (only its token matters here).
    app.store().set_setting("session", &format!(r#"{{"token":"{TOKEN}"}}"#)).await.unwrap();
    // A backup as the store makes before a migration (VACUUM INTO): SQLCipher writes it under
    // the same key.
    let backup = dir.join(format!("{DB_FILE}.bak-test"));
    sqlx::query("VACUUM INTO ?1").bind(backup.to_string_lossy().to_string()).execute(app.store().pool()).await.unwrap();

    // While open (the write-ahead log holds the newest pages) and after closing.
    for moment in ["open", "closed"] {
        if moment == "closed" {
            app.store().clone().close().await;
        }
        let files = files(dir);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&DB_FILE) && names.contains(&KEY_FILE), "{moment}: {names:?}");
        for (name, bytes) in &files {
            for secret in [NAME, "見本", NOTE, TOKEN, "13105"] {
                assert!(!contains(bytes, secret), "{moment}: {name} holds {secret:?} in plain text");
            }
            assert!(!bytes.starts_with(b"SQLite format 3"), "{moment}: {name} is a plain SQLite file");
        }
    }

    // Without the key, or with another one, the store does not open.
    let plain = Carebook::open_unencrypted(dir).await.unwrap_err();
    assert_eq!(plain.code(), "storage");
    assert!(plain.to_string().contains("鍵が違うか"), "{plain}");
    let other = vault::DataKey::random().unwrap();
    assert!(Carebook::open_with_key(dir, &other).await.is_err());
    // The PIN unwraps the key, and everything is there.
    let key = vault::unlock(dir, PIN, WipePolicy::default()).await.unwrap();
    let app = Carebook::open_with_key(dir, &key).await.unwrap();
    assert_eq!(app.child(child_id).await.unwrap().name, NAME);
    assert_eq!(app.visits(&Default::default()).await.unwrap().len(), 1);
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_is_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("carebook");
    let (app, _) = filled_device(&dir).await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for (name, _) in files(&dir) {
        assert_eq!(mode(&dir.join(&name)), 0o600, "{name}");
    }
    // The write-ahead log exists while open: it was checked above with the others.
    assert!(dir.join(format!("{DB_FILE}-wal")).exists());
    app.store().clone().close().await;
}

#[tokio::test]
async fn wrong_pins_warn_with_the_tries_left_and_the_unsent_records_then_the_store_is_wiped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (app, _) = filled_device(dir).await;
    let pending = app.sync_status().await.unwrap().pending;
    assert_eq!(pending, 2, "the face sheet and the visit wait to be sent");
    vault::note_unsent(dir, pending as u64).unwrap();
    app.store().clone().close().await;
    let policy = WipePolicy { wipe_after: 4 };

    // A right PIN in between starts the count again.
    assert!(vault::unlock(dir, "1111", policy).await.is_err());
    vault::unlock(dir, PIN, policy).await.unwrap();
    for left in [3, 2, 1] {
        let err = vault::unlock(dir, "1111", policy).await.unwrap_err();
        let CoreError::Invalid(p) = &err else { panic!("{err:?}") };
        assert!(p.has_code("wrong_pin"), "{p:?}");
        assert!(p.0[0].ja.contains(&format!("あと {left} 回")) && p.0[0].ja.contains("未送信の記録 2 件"), "{}", p.0[0].ja);
        assert!(p.0[0].en.contains(&format!("{left} more wrong tries")), "{}", p.0[0].en);
        assert_eq!(vault::state(dir).unwrap(), VaultState::Locked, "nothing is wiped before the last try");
    }
    let err = vault::unlock(dir, "1111", policy).await.unwrap_err();
    assert!(matches!(err, CoreError::Wiped { unsent: 2 }), "{err:?}");
    assert_eq!(err.code(), "device_wiped");
    assert!(err.to_string().contains("未送信だった記録 2 件"), "{err}");
    assert_eq!(files(dir), vec![], "the store, its log and the key are gone");
    assert_eq!(vault::state(dir).unwrap(), VaultState::New);
}

#[tokio::test]
async fn changing_the_pin_wraps_the_same_key_again_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (app, child_id) = filled_device(dir).await;
    let before = std::fs::read(dir.join(KEY_FILE)).unwrap();
    let key = vault::unlock(dir, PIN, WipePolicy::default()).await.unwrap();
    // A PIN that breaks the rules is refused and the key file stays.
    let bad = vault::protect(dir, &key, "12").await.unwrap_err();
    assert!(matches!(&bad, CoreError::Invalid(p) if p.has_code("pin_length")), "{bad:?}");
    assert_eq!(std::fs::read(dir.join(KEY_FILE)).unwrap(), before);
    vault::protect(dir, &key, "見本のパスフレーズ").await.unwrap();
    assert_ne!(std::fs::read(dir.join(KEY_FILE)).unwrap(), before);
    app.store().clone().close().await;

    assert!(vault::unlock(dir, PIN, WipePolicy::default()).await.is_err(), "the old PIN no longer opens it");
    let key = vault::unlock(dir, "見本のパスフレーズ", WipePolicy::default()).await.unwrap();
    let app = Carebook::open_with_key(dir, &key).await.unwrap();
    assert_eq!(app.child(child_id).await.unwrap().name, NAME);
}

#[tokio::test]
async fn a_store_from_before_encryption_is_encrypted_with_its_records_and_its_plain_backups_go() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let plain = Carebook::open_unencrypted(dir).await.unwrap();
    let c = plain.add_child(carebook_domain::Child { name: NAME.into(), ..child("13105") }).await.unwrap();
    plain.store().clone().close().await;
    std::fs::write(dir.join(format!("{DB_FILE}.bak-3")), format!("plain backup {NAME}")).unwrap();
    assert!(files(dir).iter().any(|(_, b)| contains(b, NAME)), "the plain store holds the name");
    assert_eq!(vault::state(dir).unwrap(), VaultState::Plain);

    let key = vault::key_for_passphrase(dir, "見本のパスフレーズ", WipePolicy::default()).await.unwrap();
    let app = Carebook::open_with_key(dir, &key).await.unwrap();
    assert_eq!(app.child(c.id).await.unwrap().name, NAME);
    app.store().clone().close().await;
    assert_eq!(vault::state(dir).unwrap(), VaultState::Locked);
    for (name, bytes) in files(dir) {
        assert!(!contains(&bytes, NAME), "{name} still holds the name");
    }
    assert!(!dir.join(format!("{DB_FILE}.bak-3")).exists());
}

#[tokio::test]
async fn a_tampered_key_file_opens_nothing_and_says_which_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (app, _) = filled_device(dir).await;
    app.store().clone().close().await;
    let path = dir.join(KEY_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
    // One flipped hex digit of the wrapped key: the AEAD tag fails, as for a wrong PIN.
    let wrapped = file["wrapped"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", if wrapped.starts_with('0') { '1' } else { '0' }, &wrapped[1..]);
    file["wrapped"] = flipped.into();
    std::fs::write(&path, file.to_string()).unwrap();
    let err = vault::unlock(dir, PIN, WipePolicy::default()).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("wrong_pin")), "{err:?}");
    // A key file that is not one at all is named.
    std::fs::write(&path, "not json").unwrap();
    let err = vault::unlock(dir, PIN, WipePolicy::default()).await.unwrap_err();
    assert!(err.to_string().contains(KEY_FILE), "{err}");
    // A key file asking Argon2id for a gigabyte is refused before it is computed.
    file["m_kib"] = (1u32 << 20).into();
    std::fs::write(&path, file.to_string()).unwrap();
    let err = vault::unlock(dir, PIN, WipePolicy::default()).await.unwrap_err();
    assert!(err.to_string().contains("Argon2id memory") || format!("{err:?}").contains("Argon2id memory"), "{err:?}");
}

#[tokio::test]
async fn after_five_wrong_pins_even_the_right_one_waits_and_nothing_is_wiped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (app, _) = filled_device(dir).await;
    app.store().clone().close().await;
    for _ in 0..5 {
        let err = vault::unlock(dir, "1111", WipePolicy::default()).await.unwrap_err();
        assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("wrong_pin")), "{err:?}");
    }
    // The fifth wrong PIN starts a 30-second wait: the right PIN is refused unchecked, and the
    // refusal does not count towards the wipe.
    for _ in 0..3 {
        let err = vault::unlock(dir, PIN, WipePolicy::default()).await.unwrap_err();
        let CoreError::Invalid(p) = &err else { panic!("{err:?}") };
        assert!(p.has_code("pin_wait"), "{p:?}");
        // The wait is 30 s from the fifth wrong PIN; however slow the machine, some of it is left.
        let secs: i64 = p.0[0].en.trim_start_matches("too many wrong PINs: try again in ").trim_end_matches(" s").parse().unwrap();
        assert!((1..=30).contains(&secs), "{}", p.0[0].en);
    }
    assert_eq!(vault::state(dir).unwrap(), VaultState::Locked);
}

#[tokio::test]
async fn opening_without_a_key_encrypts_under_one_kept_beside_the_store_and_a_pin_wrapped_store_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let app = Carebook::open(dir).await.unwrap();
    let c = app.add_child(carebook_domain::Child { name: NAME.into(), ..child("13105") }).await.unwrap();
    app.store().clone().close().await;
    assert_eq!(vault::state(dir).unwrap(), VaultState::Unprotected);
    let store = std::fs::read(dir.join(DB_FILE)).unwrap();
    assert!(!contains(&store, NAME) && !store.starts_with(b"SQLite format 3"));
    // The same key again: the child is there.
    let app = Carebook::open(dir).await.unwrap();
    assert_eq!(app.child(c.id).await.unwrap().name, NAME);
    // Once a PIN wraps the key, only the PIN opens it.
    let key = vault::unprotected_key(dir).unwrap().unwrap();
    vault::protect(dir, &key, PIN).await.unwrap();
    app.store().clone().close().await;
    let err = Carebook::open(dir).await.unwrap_err();
    assert!(err.to_string().contains("PIN"), "{err}");
    let key = vault::unlock(dir, PIN, WipePolicy::default()).await.unwrap();
    assert_eq!(Carebook::open_with_key(dir, &key).await.unwrap().child(c.id).await.unwrap().name, NAME);
}
