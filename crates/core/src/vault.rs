//! The device key: the store is encrypted with SQLCipher under a random 256-bit data key, and
//! that key is kept in `device.key` wrapped (AES-256-GCM) by a key derived from the PIN or
//! passphrase with Argon2id. Opening the app is unwrapping the key: a wrong PIN fails the
//! AEAD tag, and nothing else on the device can tell the PIN.
//!
//! - **First run.** The key is made before the PIN exists (the sign-in is stored in the store),
//!   and kept unwrapped (`protection = "none"`) until the PIN is set a moment later. The app
//!   syncs nothing before that, so no child's record lies under an unwrapped key.
//! - **Changing the PIN** wraps the same data key again under the new PIN (with a new salt), in
//!   one atomic rename of the key file: nothing in the store is rewritten, and a crash leaves
//!   the old PIN or the new one working, never neither.
//! - **Wrong PINs** are counted in the key file (it must be read before the store can be). The
//!   first [`crate::lock::PIN_FREE_TRIES`] are free, then each waits (the back-off of
//!   [`crate::lock::pin_wait_secs`]); at [`WipePolicy::wipe_after`] wrong PINs in a row the
//!   store, its key and its backups are deleted. Every wrong PIN before says how many tries are
//!   left and how many records were not yet sent when the app last counted them (`unsent`).
//! - **Files** are mode 0600 in a folder of mode 0700.
//!
//! What this does not protect: a copy of `device.key` and the store taken off the tablet can be
//! attacked offline, one Argon2id per guess; a 4-digit PIN is 10,000 guesses. A passphrase (8
//! characters or more) is what makes the copy safe; the threat model in ARCHITECTURE.md says so.

use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use carebook_domain::{Message, Problems};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::lock::{check_pin, pin_wait, pin_wait_secs};
use crate::store::DB_FILE;
use crate::{clock, CoreError};

/// The key file inside a data folder.
pub const KEY_FILE: &str = "device.key";
/// What the wrapped key is bound to (the AEAD's associated data).
const AAD: &[u8] = b"carebook device key v1";
/// Argon2id's cost for the PIN: the argon2 crate's defaults (19 MiB, two passes), as for the
/// server's passwords.
const M_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
/// The most memory a key file may ask Argon2id for (a tampered file cannot exhaust the device).
const MAX_M_KIB: u32 = 4 * M_KIB;

/// The store's 256-bit key. Its bytes are overwritten when it is dropped and never printed.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl DataKey {
    /// A new random key from the operating system.
    pub fn random() -> Result<DataKey, CoreError> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| randomness(e.to_string()))?;
        Ok(DataKey(k))
    }

    /// The value of SQLCipher's `PRAGMA key` for this raw key (no KDF of SQLCipher's own).
    pub fn sqlcipher_pragma(&self) -> String {
        format!("\"x'{}'\"", hex::encode(self.0))
    }
}

fn randomness(why: String) -> CoreError {
    CoreError::step(Message::new("乱数を得られません", "no randomness from the system"), why)
}

/// When the local copy is wiped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WipePolicy {
    /// Wrong PINs in a row that wipe the store (at least 3).
    pub wipe_after: u32,
}

impl Default for WipePolicy {
    fn default() -> WipePolicy {
        WipePolicy { wipe_after: 10 }
    }
}

impl WipePolicy {
    /// `CAREBOOK_PIN_WIPE_AFTER` (3 to 100), else 10.
    pub fn from_env() -> WipePolicy {
        std::env::var("CAREBOOK_PIN_WIPE_AFTER")
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| (3..=100).contains(n))
            .map_or_else(WipePolicy::default, |wipe_after| WipePolicy { wipe_after })
    }
}

/// What a data folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultState {
    /// Nothing yet: a new device.
    New,
    /// A store from before encryption, with no key file: it is encrypted when the key is made.
    Plain,
    /// A key not yet wrapped by a PIN (first run, between the sign-in and the PIN).
    Unprotected,
    /// A key wrapped by the PIN.
    Locked,
}

#[derive(Debug, Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    #[serde(flatten)]
    protection: Protection,
    /// Wrong PINs in a row.
    #[serde(default)]
    failures: u32,
    /// No try before this (Unix seconds).
    #[serde(default)]
    wait_until: i64,
    /// Records waiting to be sent when the app last counted them (for the wipe's warning).
    #[serde(default)]
    unsent: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "protection", rename_all = "snake_case")]
enum Protection {
    /// The key itself, hex (before the first PIN).
    None { key: String },
    /// The key wrapped by Argon2id(PIN, salt): hex of nonce ‖ ciphertext ‖ tag.
    Pin { salt: String, m_kib: u32, t_cost: u32, p_cost: u32, wrapped: String },
}

fn key_path(dir: &Path) -> PathBuf {
    dir.join(KEY_FILE)
}

fn broken(dir: &Path, why: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> CoreError {
    let p = key_path(dir);
    CoreError::step(
        Message::new(format!("端末の鍵 {} を読めません", p.display()), format!("cannot read the device key {}", p.display())),
        why,
    )
}

/// What the data folder holds.
pub fn state(dir: &Path) -> Result<VaultState, CoreError> {
    match read(dir)? {
        Some(KeyFile { protection: Protection::None { .. }, .. }) => Ok(VaultState::Unprotected),
        Some(KeyFile { protection: Protection::Pin { .. }, .. }) => Ok(VaultState::Locked),
        None if dir.join(DB_FILE).exists() => Ok(VaultState::Plain),
        None => Ok(VaultState::New),
    }
}

fn read(dir: &Path) -> Result<Option<KeyFile>, CoreError> {
    let bytes = match std::fs::read(key_path(dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(broken(dir, e)),
    };
    if bytes.len() > 64 * 1024 {
        return Err(broken(dir, "larger than 64 KiB"));
    }
    let file: KeyFile = serde_json::from_slice(&bytes).map_err(|e| broken(dir, e))?;
    if file.version != 1 {
        return Err(broken(dir, format!("unknown version {}", file.version)));
    }
    Ok(Some(file))
}

/// Writes the key file whole: a temporary file of mode 0600, synced, renamed over the old one,
/// and the folder synced, so a crash leaves the old file or the new one.
fn write(dir: &Path, file: &KeyFile) -> Result<(), CoreError> {
    secure_dir(dir)?;
    let tmp = dir.join(format!("{KEY_FILE}.tmp"));
    let bytes = serde_json::to_vec_pretty(file)?;
    {
        let mut f = private_file(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, key_path(dir))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Creates (truncating) a file only its owner may read.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path)?;
    set_mode(path, 0o600)?;
    Ok(f)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// Creates the data folder if needed and makes it (and the store's files in it) private:
/// the folder 0700, the files 0600.
pub fn secure_dir(dir: &Path) -> Result<(), CoreError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        CoreError::step(
            Message::new(
                format!("データ保存先 {} を作成できません", dir.display()),
                format!("cannot create data directory {}", dir.display()),
            ),
            e,
        )
    })?;
    set_mode(dir, 0o700)?;
    for name in [DB_FILE.to_string(), format!("{DB_FILE}-wal"), format!("{DB_FILE}-shm"), KEY_FILE.to_string()] {
        let p = dir.join(name);
        if p.exists() {
            set_mode(&p, 0o600)?;
        }
    }
    Ok(())
}

/// Makes a new data key for a folder with no key file, wrapped by `pin` when given (the CLI's
/// passphrase), else kept unwrapped until [`protect`] (the app's first run).
pub async fn create(dir: &Path, pin: Option<&str>) -> Result<DataKey, CoreError> {
    if read(dir)?.is_some() {
        return Err(broken(dir, "a key file exists already"));
    }
    if let Some(pin) = pin {
        check_pin(pin).into_result()?;
    }
    let key = DataKey::random()?;
    let protection = match pin {
        Some(pin) => wrap(&key, pin).await?,
        None => Protection::None { key: hex::encode(key.0) },
    };
    write(dir, &KeyFile { version: 1, protection, failures: 0, wait_until: 0, unsent: None })?;
    Ok(key)
}

/// The key for a passphrase (the CLI's `CAREBOOK_PASSPHRASE`): a new device's key is made and
/// wrapped by it (a store from before encryption is encrypted when it is opened with it), a
/// locked one is unlocked by it, and an app's key not yet wrapped is used as it is.
pub async fn key_for_passphrase(dir: &Path, passphrase: &str, policy: WipePolicy) -> Result<DataKey, CoreError> {
    match state(dir)? {
        VaultState::New | VaultState::Plain => {
            secure_dir(dir)?;
            create(dir, Some(passphrase)).await
        }
        VaultState::Unprotected | VaultState::Locked => unlock(dir, passphrase, policy).await,
    }
}

/// The folder's key when no PIN wraps it: made (unwrapped) for a new folder or a store from
/// before encryption, read when it is not wrapped yet. A key a PIN wraps is refused, naming
/// the file: it needs [`unlock`].
pub async fn unwrapped_key(dir: &Path) -> Result<DataKey, CoreError> {
    match state(dir)? {
        VaultState::New | VaultState::Plain => {
            secure_dir(dir)?;
            create(dir, None).await
        }
        VaultState::Unprotected => unprotected_key(dir)?.ok_or_else(|| broken(dir, "the key file changed while it was read")),
        VaultState::Locked => Err(CoreError::step(
            Message::new(
                format!("{} の鍵は PIN で保護されています。PIN で開いてください", key_path(dir).display()),
                format!("the key in {} is protected by a PIN: unlock it with the PIN", key_path(dir).display()),
            ),
            "wrapped key",
        )),
    }
}

/// The key of a folder whose key is not wrapped yet (`None` when it is, or there is none).
pub fn unprotected_key(dir: &Path) -> Result<Option<DataKey>, CoreError> {
    match read(dir)? {
        Some(KeyFile { protection: Protection::None { key }, .. }) => Ok(Some(decode_key(dir, &key)?)),
        _ => Ok(None),
    }
}

fn decode_key(dir: &Path, hex_key: &str) -> Result<DataKey, CoreError> {
    let bytes = hex::decode(hex_key).map_err(|e| broken(dir, e))?;
    let k: [u8; 32] = bytes.try_into().map_err(|_| broken(dir, "the key is not 32 bytes"))?;
    Ok(DataKey(k))
}

/// Wraps the store's key by a (new) PIN: the first PIN, or a change of PIN. The PIN's rules
/// ([`check_pin`]) are checked first; the count of wrong PINs starts again.
pub async fn protect(dir: &Path, key: &DataKey, pin: &str) -> Result<(), CoreError> {
    check_pin(pin).into_result()?;
    let mut file = read(dir)?.ok_or_else(|| broken(dir, "no key file"))?;
    file.protection = wrap(key, pin).await?;
    file.failures = 0;
    file.wait_until = 0;
    write(dir, &file)
}

/// Whether the folder's key is wrapped by a PIN.
pub fn is_protected(dir: &Path) -> Result<bool, CoreError> {
    Ok(state(dir)? == VaultState::Locked)
}

/// Notes how many records wait to be sent, for the warning before a wipe.
pub fn note_unsent(dir: &Path, unsent: u64) -> Result<(), CoreError> {
    let Some(mut file) = read(dir)? else { return Ok(()) };
    if file.unsent == Some(unsent) {
        return Ok(());
    }
    file.unsent = Some(unsent);
    write(dir, &file)
}

/// Opens the key with the PIN. A wrong PIN is `invalid` on `pin`, saying how many tries are
/// left before the wipe and how many records were not yet sent; the wrong PIN that reaches
/// [`WipePolicy::wipe_after`] deletes the store and the key ([`CoreError::Wiped`]). A try
/// during the back-off's wait is refused without checking the PIN.
pub async fn unlock(dir: &Path, pin: &str, policy: WipePolicy) -> Result<DataKey, CoreError> {
    let mut file = read(dir)?.ok_or_else(|| broken(dir, "no key file"))?;
    let (salt, m_kib, t_cost, p_cost, wrapped) = match &file.protection {
        Protection::None { key } => return decode_key(dir, key),
        Protection::Pin { salt, m_kib, t_cost, p_cost, wrapped } => (salt.clone(), *m_kib, *t_cost, *p_cost, wrapped.clone()),
    };
    let now = clock::unix_now();
    if now < file.wait_until {
        return Err(pin_wait(file.wait_until - now).into());
    }
    let salt = hex::decode(&salt).map_err(|e| broken(dir, e))?;
    let wrapped = hex::decode(&wrapped).map_err(|e| broken(dir, e))?;
    if m_kib > MAX_M_KIB {
        return Err(broken(dir, format!("Argon2id memory {m_kib} KiB is more than {MAX_M_KIB}")));
    }
    let kek = derive(pin.to_string(), salt, m_kib, t_cost, p_cost).await?;
    if let Some(key) = unwrap(&kek, wrapped) {
        if file.failures != 0 || file.wait_until != 0 {
            file.failures = 0;
            file.wait_until = 0;
            write(dir, &file)?;
        }
        return Ok(key);
    }
    file.failures = file.failures.saturating_add(1);
    if file.failures >= policy.wipe_after {
        let unsent = file.unsent.unwrap_or(0);
        wipe(dir)?;
        tracing::warn!(failures = file.failures, "too many wrong PINs: the device's records were wiped");
        return Err(CoreError::Wiped { unsent });
    }
    let wait = pin_wait_secs(file.failures);
    if wait > 0 {
        file.wait_until = now + wait;
    }
    write(dir, &file)?;
    Err(wrong_pin(policy.wipe_after - file.failures, file.unsent).into())
}

/// The wrong PIN's problem, with the warning of the wipe to come.
fn wrong_pin(left: u32, unsent: Option<u64>) -> Problems {
    let (unsent_ja, unsent_en) = match unsent {
        Some(0) => ("未送信の記録はありません".to_string(), "no record is waiting to be sent".to_string()),
        Some(n) => (format!("未送信の記録 {n} 件も失われます"), format!("{n} records not yet sent will be lost")),
        None => ("未送信の記録があれば失われます".to_string(), "records not yet sent would be lost".to_string()),
    };
    let mut p = Problems::new();
    p.push(
        "pin",
        "wrong_pin",
        format!("PIN が違います。あと {left} 回間違えると、この端末の記録を消去します（{unsent_ja}）"),
        format!("wrong PIN. {left} more wrong tries erase this device's records ({unsent_en})"),
    );
    p
}

/// Deletes the store, its write-ahead log, the backups made before migrations, and the key.
/// The records that were sent are on the server; signing in again brings them back.
pub fn wipe(dir: &Path) -> Result<(), CoreError> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(DB_FILE) || name.starts_with(KEY_FILE) {
            std::fs::remove_file(entry.path())?;
        }
    }
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

async fn wrap(key: &DataKey, pin: &str) -> Result<Protection, CoreError> {
    let mut salt = vec![0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| randomness(e.to_string()))?;
    let kek = derive(pin.to_string(), salt.clone(), M_KIB, T_COST, P_COST).await?;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| randomness(e.to_string()))?;
    let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &kek.0).map_err(|_| randomness("AES key".into()))?);
    let mut in_out = key.0.to_vec();
    sealing
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(AAD), &mut in_out)
        .map_err(|_| randomness("AES-GCM".into()))?;
    let mut wrapped = nonce.to_vec();
    wrapped.extend_from_slice(&in_out);
    in_out.zeroize();
    Ok(Protection::Pin { salt: hex::encode(salt), m_kib: M_KIB, t_cost: T_COST, p_cost: P_COST, wrapped: hex::encode(wrapped) })
}

/// The key-encrypting key: Argon2id of the PIN, on a blocking thread (it takes tens of ms).
async fn derive(pin: String, salt: Vec<u8>, m_kib: u32, t_cost: u32, p_cost: u32) -> Result<DataKey, CoreError> {
    tokio::task::spawn_blocking(move || {
        let params = Params::new(m_kib, t_cost, p_cost, Some(32)).map_err(|e| e.to_string())?;
        let mut out = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(pin.as_bytes(), &salt, &mut out)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(DataKey(out))
    })
    .await?
    .map_err(|e| CoreError::step(Message::new("PIN の変換", "PIN key derivation"), e))
}

fn unwrap(kek: &DataKey, mut wrapped: Vec<u8>) -> Option<DataKey> {
    if wrapped.len() != NONCE_LEN + 32 + AES_256_GCM.tag_len() {
        return None;
    }
    let nonce = Nonce::try_assume_unique_for_key(&wrapped[..NONCE_LEN]).ok()?;
    let opening = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &kek.0).ok()?);
    let plain = opening.open_in_place(nonce, Aad::from(AAD), &mut wrapped[NONCE_LEN..]).ok()?;
    let k: [u8; 32] = plain.try_into().ok()?;
    wrapped.zeroize();
    Some(DataKey(k))
}
