//! Carebook's tablet app: a thin Tauri v2 shell over `carebook-core`.
//!
//! Every command is one call into a core use case; errors reach the web view as the wire's
//! `{code, message, problems}`. The window may call only the commands in
//! `capabilities/main.json` (permissions generated from `src/command_names.rs`). The TypeScript
//! types for the commands and records in `ui/src/bindings.ts` are generated from these Rust
//! types by `cargo test -p carebook-app` (`typescript()`, in test builds).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use carebook_core::app::{
    ApproveResult, ChildCard, ChildSheet, Labels, MonthRespiteRow, PreviousVisit, RespitePreview, RespiteYear, ReviewFilter, Today,
    VisitDetail, VisitRow, VitalHistory,
};
use carebook_core::export::{ExportFormat, ExportedFile};
use carebook_core::vault::{self, DataKey, VaultState, WipePolicy};
use carebook_core::{Carebook, CoreError, LoopStatus, SyncLoop, SyncStatus};
use carebook_domain::{
    ChecklistTemplate, Child, ChildId, CoordinatorReport, CoordinatorWorkRecord, Date, DateTime, DaytimeClaim, Directory, ErrorBody,
    FiscalYear, Grant, GuardianConfirmation, MonthlyClaim, MunicipalityRules, NewCoordinatorWork, NewGrant, NewPerson, NewPurchase,
    NewRegionalMeeting, OneTimePassword, PersonAdded, PersonChange, PersonDetail, PersonDisabled, PhraseList, Purchase, RecoveryCodes,
    RegionalMeetingRecord, ResultsReport, RuleBook, RuleVersion, SecondFactorEnrolment, SecondFactorStatus, Transfer, TransferRequest,
    UserInfo, Visit, VisitId, VisitKind, YearMonth,
};
use serde::Serialize;
use tauri::Manager;

#[macro_use]
mod macros;
#[cfg(test)]
mod bindings;
#[cfg(test)]
mod command_names;
#[cfg(test)]
mod tests;

/// How often the background sync runs while it succeeds.
const SYNC_EVERY: Duration = Duration::from_secs(60);

/// What the shell holds: the device's use cases once the store is open, the store's key, the
/// background sync, and whether the PIN has opened the app in this run.
///
/// The store is encrypted (`carebook_core::vault`): after a restart it stays closed until the
/// PIN unwraps its key. Locking the app later keeps it open, so the records still sync.
#[derive(Debug)]
pub struct Shell {
    data_dir: PathBuf,
    core: Mutex<Option<Opened>>,
    /// A store from before encryption with its PIN still an Argon2id hash inside it: the PIN
    /// opens it once more, and it is encrypted under a key wrapped by that PIN.
    legacy: Mutex<Option<Carebook>>,
    sync: Mutex<Option<SyncLoop>>,
    unlocked: AtomicBool,
    policy: WipePolicy,
    /// The count of unsent records last written to the key file: the sync line, polled every
    /// few seconds, writes it (and reads the file) only when it changed.
    noted_unsent: Mutex<Option<u64>>,
    idle_lock_secs: u32,
    default_server_url: Option<String>,
    demo_hint: Option<String>,
    /// Where exports are written: `CAREBOOK_EXPORT_DIR`, else the user's downloads folder, else
    /// `exports` in the data folder.
    export_dir: PathBuf,
}

/// The open store and its key (kept to wrap it again when the PIN is set or changed).
#[derive(Debug, Clone)]
struct Opened {
    core: Carebook,
    key: DataKey,
}

/// Where the app stands: logged in or not, locked or not, and today.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct AppStatus {
    /// The account, once logged in.
    pub user: Option<UserInfo>,
    /// The server, once logged in.
    pub server_url: Option<String>,
    /// The server address to offer on first run.
    pub default_server_url: Option<String>,
    /// A PIN is set on this device.
    pub pin_set: bool,
    /// The PIN has opened the app in this run (always true when no PIN is set yet).
    pub unlocked: bool,
    /// Seconds without a touch or a key after which the app locks itself
    /// (`CAREBOOK_IDLE_LOCK_MINUTES`, 5 minutes unless set; 0 never).
    pub idle_lock_secs: u32,
    /// Today (JST) and the fiscal year.
    pub today: Today,
    /// How to log in as the demo's other people (demo runs only).
    pub demo_hint: Option<String>,
    /// The account must enrol a second factor before the app can sync (office, municipality,
    /// administrator without one): the app shows the enrolment first.
    pub second_factor_enrolment_required: bool,
}

/// The sync line: online, progress, waiting and refused records.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SyncView {
    /// The last attempt reached the server (false while offline or before the first attempt).
    pub online: bool,
    /// The background loop and the stored status.
    pub status: SyncStatus,
    /// The loop: syncing now, progress, last error.
    pub run: LoopStatus,
}

impl Shell {
    /// Opens the data folder: a new device's store is made with a new key (not yet wrapped: the
    /// PIN comes after the sign-in), a store whose key the PIN wraps waits for the PIN, and a
    /// store from before encryption is encrypted (after its PIN, if it had one). The
    /// background sync starts once the store is open and protected by a PIN.
    pub async fn open(data_dir: PathBuf, default_server_url: Option<String>, demo_hint: Option<String>) -> Result<Shell, CoreError> {
        let idle_lock_secs = std::env::var("CAREBOOK_IDLE_LOCK_MINUTES")
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .map_or(5 * 60, |m| m.min(24 * 60) * 60);
        let shell = Shell {
            export_dir: data_dir.join("exports"),
            data_dir,
            core: Mutex::new(None),
            legacy: Mutex::new(None),
            sync: Mutex::new(None),
            unlocked: AtomicBool::new(false),
            policy: WipePolicy::from_env(),
            noted_unsent: Mutex::new(None),
            idle_lock_secs,
            default_server_url,
            demo_hint,
        };
        match vault::state(&shell.data_dir)? {
            VaultState::Locked => {}
            VaultState::Plain => {
                let plain = Carebook::open_unencrypted(&shell.data_dir).await?;
                if plain.pin_is_set().await? {
                    *lock(&shell.legacy) = Some(plain);
                } else {
                    plain.store().clone().close().await;
                    shell.open_new_key().await?;
                }
            }
            VaultState::New => shell.open_new_key().await?,
            VaultState::Unprotected => {
                let key = vault::unprotected_key(&shell.data_dir)?.ok_or(CoreError::AppLocked)?;
                shell.opened(key).await?;
            }
        }
        Ok(shell)
    }

    /// A new key, not yet wrapped, and the store under it (a new device, or a plain store
    /// without a PIN, encrypted now): open until the PIN is set.
    async fn open_new_key(&self) -> Result<(), CoreError> {
        let key = vault::create(&self.data_dir, None).await?;
        self.opened(key).await
    }

    /// Opens the store under `key`, opens the app, and starts the sync when a PIN protects the
    /// key and someone is signed in.
    async fn opened(&self, key: DataKey) -> Result<(), CoreError> {
        let core = Carebook::open_with_key(&self.data_dir, &key).await?;
        *lock(&self.core) = Some(Opened { core, key });
        *lock(&self.noted_unsent) = None;
        self.unlocked.store(true, Ordering::SeqCst);
        self.start_sync_if_protected().await
    }

    fn core(&self) -> Option<Carebook> {
        lock(&self.core).as_ref().map(|o| o.core.clone())
    }

    fn pin_set(&self) -> Result<bool, CoreError> {
        Ok(vault::is_protected(&self.data_dir)? || lock(&self.legacy).is_some())
    }

    /// Starts the background sync once there is an account and a PIN: nothing of a child's is
    /// pulled onto the device before its key is wrapped.
    async fn start_sync_if_protected(&self) -> Result<(), CoreError> {
        let Some(core) = self.core() else { return Ok(()) };
        if !vault::is_protected(&self.data_dir)? || core.session().await?.is_none() {
            return Ok(());
        }
        let mut guard = lock(&self.sync);
        if let Some(old) = guard.take() {
            old.stop();
        }
        *guard = Some(SyncLoop::spawn(core, SYNC_EVERY));
        Ok(())
    }

    fn stop_sync(&self) {
        if let Some(old) = lock(&self.sync).take() {
            old.stop();
        }
    }

    fn sync_now(&self) {
        if let Some(l) = lock(&self.sync).as_ref() {
            l.sync_now();
        }
    }

    /// The app, once the PIN has opened it: every command but those that run while locked gets
    /// it through this check (`commands!`).
    fn open_core(&self) -> Result<Open<'_>, CoreError> {
        match self.core() {
            Some(core) if self.unlocked.load(Ordering::SeqCst) => Ok(Open { shell: self, core }),
            _ => Err(CoreError::AppLocked),
        }
    }

    async fn status(&self) -> Result<AppStatus, CoreError> {
        let session = match self.core() {
            Some(core) => core.session().await?,
            None => None,
        };
        Ok(AppStatus {
            second_factor_enrolment_required: session.as_ref().is_some_and(|s| s.second_factor_enrolment_required),
            server_url: session.as_ref().map(|s| s.server_url.clone()),
            user: session.map(|s| s.user),
            default_server_url: self.default_server_url.clone(),
            pin_set: self.pin_set()?,
            unlocked: self.unlocked.load(Ordering::SeqCst),
            idle_lock_secs: self.idle_lock_secs,
            today: Today::now(),
            demo_hint: self.demo_hint.clone(),
        })
    }

    async fn login(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        new_password: Option<&str>,
        otp: Option<&str>,
    ) -> Result<AppStatus, CoreError> {
        let core = self.core().ok_or(CoreError::AppLocked)?;
        if self.pin_set()? && !self.unlocked.load(Ordering::SeqCst) {
            return Err(CoreError::AppLocked);
        }
        let device = format!("Carebook app ({})", std::env::consts::OS);
        core.login_with(server_url.trim(), username.trim(), password, new_password, otp, &device).await?;
        self.start_sync_if_protected().await?;
        self.status().await
    }

    /// Sets or changes the PIN: the store's key is wrapped by it (nothing in the store is
    /// rewritten). Only open (`commands!`): with no PIN set yet the app is open.
    async fn set_pin(&self, pin: &str) -> Result<AppStatus, CoreError> {
        let key = lock(&self.core).as_ref().map(|o| o.key.clone()).ok_or(CoreError::AppLocked)?;
        vault::protect(&self.data_dir, &key, pin).await?;
        self.unlocked.store(true, Ordering::SeqCst);
        self.start_sync_if_protected().await?;
        self.note_unsent().await;
        self.status().await
    }

    /// Changes the PIN: the current one first (a wrong one counts towards the wipe, as at the
    /// lock), then the store's key is wrapped by the new one. Nothing in the store changes.
    async fn change_pin(&self, current: &str, pin: &str) -> Result<AppStatus, CoreError> {
        if !self.pin_set()? {
            return self.set_pin(pin).await;
        }
        carebook_core::lock::check_pin(pin).into_result()?;
        self.unlock(current).await?;
        self.set_pin(pin).await
    }

    async fn unlock(&self, pin: &str) -> Result<AppStatus, CoreError> {
        let legacy = lock(&self.legacy).clone();
        if let Some(plain) = legacy {
            // The PIN of a store from before encryption: checked by its hash, then it becomes the
            // PIN that wraps the new key.
            plain.verify_pin(pin).await?;
            plain.forget_pin().await?;
            plain.store().clone().close().await;
            *lock(&self.legacy) = None;
            let key = vault::create(&self.data_dir, Some(pin)).await?;
            self.opened(key).await?;
            return self.status().await;
        }
        match vault::unlock(&self.data_dir, pin, self.policy).await {
            Ok(key) => {
                if self.core().is_none() {
                    self.opened(key).await?;
                }
                self.unlocked.store(true, Ordering::SeqCst);
                self.status().await
            }
            Err(wiped @ CoreError::Wiped { .. }) => {
                // The files are gone: what is left in memory goes too, and the app starts again
                // as a new device (sign in, then a PIN).
                self.stop_sync();
                let old = lock(&self.core).take();
                if let Some(o) = old {
                    o.core.store().clone().close().await;
                }
                vault::wipe(&self.data_dir)?;
                self.open_new_key().await?;
                Err(wiped)
            }
            Err(e) => Err(e),
        }
    }

    async fn lock(&self) -> Result<AppStatus, CoreError> {
        if self.pin_set()? {
            self.unlocked.store(false, Ordering::SeqCst);
            self.note_unsent().await;
        }
        self.status().await
    }

    /// Notes in the key file how many records wait to be sent, for the warning a wrong PIN gives
    /// before the wipe. A failure here only leaves the last count.
    async fn note_unsent(&self) {
        let Some(core) = self.core() else { return };
        if let Ok(status) = core.sync_status().await {
            if let Err(e) = self.note_count(status.pending) {
                tracing::warn!(error = %e, "could not note the unsent records in the key file");
            }
        }
    }

    /// Writes `pending` to the key file when it differs from what was last written.
    fn note_count(&self, pending: i64) -> Result<(), CoreError> {
        let n = pending.max(0) as u64;
        let mut noted = lock(&self.noted_unsent);
        if *noted != Some(n) {
            vault::note_unsent(&self.data_dir, n)?;
            *noted = Some(n);
        }
        Ok(())
    }

    async fn sync_view(&self, core: &Carebook) -> Result<SyncView, CoreError> {
        let run = lock(&self.sync).as_ref().map(SyncLoop::status).unwrap_or_default();
        let online = run.last_success_at.is_some() && run.last_error.as_ref().is_none_or(|e| e.code != "offline");
        let status = core.sync_status().await?;
        self.note_count(status.pending)?;
        Ok(SyncView { online, status, run })
    }
}

/// `set_pin` once a PIN is set: changing it needs the current one (`change_pin`).
fn pin_is_set() -> carebook_domain::Problems {
    let mut p = carebook_domain::Problems::new();
    p.push("current", "pin_set", "PIN は設定済みです。変更には今の PIN が必要です", "a PIN is set: changing it needs the current one");
    p
}

/// A mutex's value, also after a panic while it was held (its values are replaced whole).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The app opened by the PIN (or with no PIN set yet): what every command that may not run while
/// locked gets, derefing to the core. Only `Shell::open_core` makes one.
#[derive(Debug, Clone)]
pub struct Open<'a> {
    shell: &'a Shell,
    core: Carebook,
}

impl std::ops::Deref for Open<'_> {
    type Target = Carebook;
    fn deref(&self) -> &Carebook {
        &self.core
    }
}

impl Open<'_> {
    /// Passes a write's result on, asking the background loop to push the change when it worked.
    fn changed<T>(&self, r: Result<T, CoreError>) -> Result<T, CoreError> {
        if r.is_ok() {
            self.shell.sync_now();
        }
        r
    }
}

commands! {
    /// Where the app stands.
    [while_locked] fn app_status(s) -> AppStatus { s.status().await }
    /// Logs in to a server; the role comes from the account. Runs while locked: with no account
    /// on the device (first run, or after a revocation) the login screen comes before the PIN.
    /// With a one-time password (`password_change_required`), `new_password` is the person's own;
    /// `otp` is the second factor's code (or a recovery code) when the server asks for it
    /// (`second_factor_required`).
    [while_locked] fn login(s, server_url: String, username: String, password: String, new_password: Option<String>, otp: Option<String>) -> AppStatus {
        s.login(&server_url, &username, &password, new_password.as_deref(), otp.as_deref()).await
    }
    /// Sets the first PIN (the first run; once set, `change_pin` changes it).
    fn set_pin(s, pin: String) -> AppStatus {
        if s.shell.pin_set()? {
            return Err(CoreError::Invalid(pin_is_set()));
        }
        s.shell.set_pin(&pin).await
    }
    /// Changes the PIN, given the current one.
    fn change_pin(s, current: String, pin: String) -> AppStatus { s.shell.change_pin(&current, &pin).await }
    /// Opens the app with the PIN.
    [while_locked] fn unlock(s, pin: String) -> AppStatus { s.unlock(&pin).await }
    /// Locks the app (locking a locked app changes nothing).
    [while_locked] fn lock(s) -> AppStatus { s.lock().await }
    /// The sync line.
    fn sync_view(s) -> SyncView { s.shell.sync_view(&s).await }
    /// Syncs now.
    fn sync_now(s) -> SyncView { s.shell.sync_now(); s.shell.sync_view(&s).await }
    /// Every choice's labels in both languages.
    fn labels(_s) -> Labels { Ok(Labels::all()) }
    /// Checklist templates.
    fn templates(s) -> Vec<ChecklistTemplate> { s.templates().await }
    /// The canned phrases (定型文) of a visit's station in force on its date, as last synced.
    fn visit_phrases(s, visit: Visit) -> PhraseList { s.visit_phrases(&visit).await }
    /// The canned phrases of the account's station in force on a date (default today), as last synced (office).
    fn station_phrases(s, on: Option<Date>) -> PhraseList { s.station_phrases(on).await }
    /// The children on this device.
    fn children(s) -> Vec<ChildCard> { s.child_cards().await }
    /// A child's face sheet.
    fn child_sheet(s, id: ChildId) -> ChildSheet { s.child_sheet(id).await }
    /// Changes a child's face sheet (the consent to share with the municipality among it):
    /// validated as a new one, only what changed is written, and it waits to sync.
    fn save_child(s, child: Child) -> ChildSheet {
        let id = child.id;
        s.changed(s.update_child(id, move |c| *c = child).await)?;
        s.child_sheet(id).await
    }
    /// A child's vital signs over its ten newest visits, from this device.
    fn vital_history(s, child_id: ChildId) -> VitalHistory { s.vital_history(child_id, 10).await }
    /// What to tell the user without being asked (お知らせ): instructions expiring or expired,
    /// records waiting for the guardian, checklist problems, records sent back.
    fn notices(s) -> Vec<carebook_core::notices::Notice> { s.notices().await }
    /// Plans a visit (予定): a draft with only its planned start, led by `nurse_id` (a person of
    /// the station, from the directory) or by the account itself; it waits to sync.
    fn plan_visit(s, child_id: ChildId, kind: VisitKind, start: DateTime, nurse_id: Option<String>) -> VisitRow {
        s.changed(s.plan_visit(child_id, kind, start, nurse_id.as_deref()).await)
    }
    /// Searches the children and visits on this device (names, kana, dates, the notes' text).
    fn search(s, query: String) -> carebook_core::search::SearchResults { s.search(&query).await }
    /// The child's visit before `visit_id` (前回の値): the newest that took place, to read and to
    /// copy its care and plan from.
    fn previous_visit(s, child_id: ChildId, visit_id: Option<VisitId>) -> Option<PreviousVisit> { s.previous_visit(child_id, visit_id).await }
    /// Visits with their flags (lists and the review table).
    fn visits(s, filter: ReviewFilter) -> Vec<VisitRow> { s.review(&filter).await }
    /// A visit with its history.
    fn visit_detail(s, id: VisitId) -> VisitDetail { s.visit_detail(id).await }
    /// A new draft visit.
    fn new_visit(s, child_id: ChildId, kind: VisitKind) -> Visit { s.new_visit(child_id, kind).await }
    /// Every problem with a visit as it stands.
    fn check_visit(s, visit: Visit) -> carebook_core::app::VisitCheck { s.check_visit_full(&visit).await }
    /// Saves a visit (new or changed).
    fn save_visit(s, visit: Visit) -> VisitRow { s.changed(s.save_visit(visit).await) }
    /// Submits a visit.
    fn submit_visit(s, id: VisitId) -> VisitRow { s.changed(s.submit_visit(id).await) }
    /// Records the guardian's confirmation.
    fn confirm_visit(s, id: VisitId, confirmation: GuardianConfirmation) -> VisitRow {
        s.changed(s.confirm_visit(id, confirmation).await)
    }
    /// What a respite session would do to the child's hours.
    fn respite_preview(s, child_id: ChildId, visit_id: Option<VisitId>, start: DateTime, end: DateTime, lead_nurses: u32) -> RespitePreview {
        s.respite_preview(child_id, visit_id, start, end, lead_nurses).await
    }
    /// A child's respite year (the parent's gauge).
    fn respite_year(s, child_id: ChildId) -> RespiteYear { s.respite_year(child_id, None).await }
    /// A month's respite per child (office).
    fn respite_month(s, month: YearMonth) -> Vec<MonthRespiteRow> { s.respite_month(month).await }
    /// Sends a submitted visit back to its nurse with what to fix (office).
    fn send_back_visit(s, id: VisitId, reason: String) -> VisitRow { s.changed(s.send_back_visit(id, &reason).await) }
    /// Approves visits (office).
    fn approve_visits(s, ids: Vec<VisitId>) -> Vec<ApproveResult> { s.changed(s.approve_visits(&ids).await) }
    /// The organisation as last synced: stations' names and the people to pick as staff.
    fn directory(s) -> Directory { s.directory().await }
    /// The people the account manages (office, admin), from the server.
    fn people(s) -> Vec<PersonDetail> { s.people().await }
    /// Adds a person; the answer carries their one-time password.
    fn add_person(s, person: NewPerson) -> PersonAdded { s.add_person(&person).await }
    /// Changes a person.
    fn change_person(s, username: String, change: PersonChange) -> PersonDetail { s.change_person(&username, &change).await }
    /// Disables a person (every device of theirs is revoked at once).
    fn disable_person(s, username: String) -> PersonDisabled { s.disable_person(&username).await }
    /// Enables a disabled person.
    fn enable_person(s, username: String) -> PersonDetail { s.enable_person(&username).await }
    /// The published municipality settings and checklist templates (every version, as last synced).
    fn rule_book(s) -> RuleBook { s.store().rule_book().await }
    /// A municipality's settings in force on a date.
    fn municipality_rules(s, code: String, on: Date) -> MunicipalityRules { s.store().rules_on(&code, on).await }
    /// Publishes a version of a municipality's settings, of a template or of the station's canned phrases, applying from its date (office).
    fn publish_rule_version(s, version: RuleVersion) -> RuleVersion { s.changed(s.publish_rule_version(&version).await) }
    /// The monthly respite claim of a municipality (office).
    fn monthly_claim(s, municipality: String, month: YearMonth) -> MonthlyClaim { s.monthly_claim(&municipality, month).await }
    /// Writes the monthly claim as a file (CSV or Excel) into the downloads folder.
    fn export_claim(s, municipality: String, month: YearMonth, format: ExportFormat) -> ExportedFile {
        carebook_core::export::write_claim(&s, &municipality, month, format, &s.shell.export_dir).await
    }
    /// The monthly daytime-care claim of a municipality (office).
    fn daytime_claim(s, municipality: String, month: YearMonth) -> DaytimeClaim { s.daytime_claim(&municipality, month).await }
    /// Writes the daytime-care claim as a file (CSV, Excel or PDF) into the downloads folder.
    fn export_daytime_claim(s, municipality: String, month: YearMonth, format: ExportFormat) -> ExportedFile {
        carebook_core::export::write_daytime_claim(&s, &municipality, month, format, &s.shell.export_dir).await
    }
    /// The coordinator support of a station in a fiscal year (coordinator, office), from the server.
    fn coordinator_report(s, station: String, fy: FiscalYear) -> CoordinatorReport { s.coordinator_report(&station, fy).await }
    /// Records a piece of coordinator work for a child (the station's coordinator).
    fn add_coordinator_work(s, work: NewCoordinatorWork) -> CoordinatorWorkRecord { s.add_coordinator_work(&work).await }
    /// Records a regional meeting or training (the station's coordinator or office).
    fn add_regional_meeting(s, meeting: NewRegionalMeeting) -> RegionalMeetingRecord { s.add_regional_meeting(&meeting).await }
    /// Writes one visit as a printed record (PDF) into the downloads folder.
    fn export_visit(s, id: VisitId) -> ExportedFile { carebook_core::export::write_visit_pdf(&s, id, &s.shell.export_dir).await }
    /// Transfers a child to another station from a first day, after a signed handover visit (office).
    fn transfer_child(s, child_id: ChildId, request: TransferRequest) -> Transfer { s.changed(s.transfer_child(child_id, &request).await) }
    /// Gives a person a one-time password.
    fn reset_person_password(s, username: String) -> OneTimePassword { s.reset_person_password(&username).await }
    /// Where the account stands with its second factor.
    fn second_factor_status(s) -> SecondFactorStatus { s.second_factor_status().await }
    /// Starts enrolling a second factor: the secret, its URI and QR code (SVG, shown as an image).
    /// Replacing one in force takes the account's password.
    fn start_second_factor(s, password: Option<String>) -> SecondFactorEnrolment { s.start_second_factor(password.as_deref()).await }
    /// Confirms the enrolment with the authenticator app's code: the recovery codes, shown once.
    fn confirm_second_factor(s, code: String) -> RecoveryCodes { s.changed(s.confirm_second_factor(&code).await) }
    /// Removes the second factor (accounts that need not have one), with the password.
    fn remove_second_factor(s, password: String) -> SecondFactorStatus {
        s.remove_second_factor(&password).await?;
        s.second_factor_status().await
    }
    /// A station's results report (実績報告) for a fiscal year: the accompanied handover visits,
    /// each child's first-visit equipment checklist, the equipment purchases and their total, the
    /// amount granted and what is left (office of the station, admin; the purchases and the grant
    /// come from the server).
    fn results_report(s, station: String, fy: FiscalYear) -> ResultsReport { s.results_report(&station, fy).await }
    /// Writes the results report as a file (CSV, Shift_JIS CSV, Excel or PDF) into the downloads folder.
    fn export_results_report(s, station: String, fy: FiscalYear, format: ExportFormat) -> ExportedFile {
        carebook_core::export::write_results_report(&s, &station, fy, format, &s.shell.export_dir).await
    }
    /// Records an equipment purchase of a station on the server, checked first (each wrong field
    /// named; nothing is sent then).
    fn add_purchase(s, purchase: NewPurchase) -> Purchase { s.add_purchase(&purchase).await }
    /// Records the amount granted to a station for a fiscal year (交付決定額) on the server,
    /// replacing the one before, checked first (each wrong field named; nothing is sent then).
    fn set_grant(s, grant: NewGrant) -> Grant { s.set_grant(&grant).await }
}

/// Where the app keeps its store: `CAREBOOK_DATA_DIR`, else the platform's app data folder.
fn data_dir(app: &tauri::App) -> PathBuf {
    match std::env::var_os("CAREBOOK_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => app.path().app_data_dir().unwrap_or_else(|_| PathBuf::from("carebook-data")),
    }
}

/// Starts the app.
pub fn run() {
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).try_init();
    tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app);
            let server = std::env::var("CAREBOOK_SERVER_URL").ok().filter(|s| !s.is_empty());
            let hint = std::env::var("CAREBOOK_DEMO_HINT").ok().filter(|s| !s.is_empty());
            let mut shell = tauri::async_runtime::block_on(Shell::open(dir, server, hint))?;
            if let Some(d) = std::env::var_os("CAREBOOK_EXPORT_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .or_else(|| app.path().download_dir().ok())
            {
                shell.export_dir = d;
            }
            app.manage(shell);
            Ok(())
        })
        .invoke_handler(invoke_handler())
        .build(tauri::generate_context!())
        .expect("Carebook could not start")
        .run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                // SQLCipher's connections are closed before OpenSSL's exit handlers run.
                let shell = handle.state::<Shell>();
                shell.stop_sync();
                if let Some(core) = shell.core() {
                    tauri::async_runtime::block_on(core.store().clone().close());
                }
            }
        });
}
