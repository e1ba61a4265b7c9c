//! Argument lists for the `carebook` binary in tests, so each test says only what matters to it.

/// The passphrase the CLI tests' devices are encrypted with (`CAREBOOK_PASSPHRASE`).
pub const PASSPHRASE: &str = "架空のパスフレーズ";

/// The fictional station the CLI tests record with (`--station id:name`).
pub const STATION: &str = "st1:架空訪問看護ステーション";
/// The fictional lead nurse the CLI tests record with (`--staff id:name:role:profession`).
pub const NURSE: &str = "n1:架空 看護師:lead:nurse";

/// `visit record …` or `visit edit ID …` arguments.
///
/// A record starts from a done visit on 2026-05-01, 09:00–12:00, at [`STATION`], with
/// [`NURSE`] as the only staff; each setter replaces its option (the first [`staff`](Self::staff)
/// replaces the default nurse, later ones add), the list options ([`vital`](Self::vital),
/// [`care`](Self::care) …) add. An edit starts with no options at all.
///
/// ```
/// use carebook_testkit::cli::VisitArgs;
/// let args = VisitArgs::respite("CHILD").start("13:00").end("15:30").vital("13:10,rr=30").args();
/// assert_eq!(&args[..2], ["visit", "record"]);
/// assert!(args.windows(2).any(|w| w == ["--end", "15:30"]));
/// ```
#[derive(Debug, Clone)]
pub struct VisitArgs<'a> {
    command: Vec<&'a str>,
    options: Vec<(&'a str, &'a str)>,
    flags: Vec<&'a str>,
    default_staff: bool,
}

impl<'a> VisitArgs<'a> {
    /// `visit record --child CHILD --kind KIND` with the defaults above.
    pub fn record(child: &'a str, kind: &'a str) -> Self {
        let mut a = VisitArgs { command: vec!["visit", "record"], options: vec![], flags: vec![], default_staff: true };
        a = a.set("--child", child).set("--kind", kind).station(STATION).date("2026-05-01").start("09:00").end("12:00");
        a.options.push(("--staff", NURSE));
        a
    }

    /// A respite visit (`--kind respite`).
    pub fn respite(child: &'a str) -> Self {
        Self::record(child, "respite")
    }

    /// A nursing visit (`--kind nursing`).
    pub fn nursing(child: &'a str) -> Self {
        Self::record(child, "nursing")
    }

    /// `visit edit ID`, with no options yet.
    pub fn edit(id: &'a str) -> Self {
        VisitArgs { command: vec!["visit", "edit", id], options: vec![], flags: vec![], default_staff: false }
    }

    /// Sets a single-valued option, replacing any earlier value.
    pub fn set(mut self, option: &'a str, value: &'a str) -> Self {
        match self.options.iter_mut().find(|(o, _)| *o == option) {
            Some(slot) => slot.1 = value,
            None => self.options.push((option, value)),
        }
        self
    }

    /// Adds one value of a repeatable option.
    pub fn add(mut self, option: &'a str, value: &'a str) -> Self {
        self.options.push((option, value));
        self
    }

    /// Adds a flag (`--submit`, `--json`, `--clear-vitals` …).
    pub fn flag(mut self, flag: &'a str) -> Self {
        self.flags.push(flag);
        self
    }

    /// `--station id:name`.
    pub fn station(self, station: &'a str) -> Self {
        self.set("--station", station)
    }

    /// `--date YYYY-MM-DD`.
    pub fn date(self, date: &'a str) -> Self {
        self.set("--date", date)
    }

    /// `--start HH:MM`.
    pub fn start(self, start: &'a str) -> Self {
        self.set("--start", start)
    }

    /// `--end HH:MM`.
    pub fn end(self, end: &'a str) -> Self {
        self.set("--end", end)
    }

    /// `--end-date YYYY-MM-DD`.
    pub fn end_date(self, date: &'a str) -> Self {
        self.set("--end-date", date)
    }

    /// `--staff …`: the first replaces the default nurse, later ones add.
    pub fn staff(mut self, staff: &'a str) -> Self {
        if std::mem::take(&mut self.default_staff) {
            self.options.retain(|(o, _)| *o != "--staff");
        }
        self.add("--staff", staff)
    }

    /// `--vital …` (adds a reading).
    pub fn vital(self, vital: &'a str) -> Self {
        self.add("--vital", vital)
    }

    /// `--care …` (adds an entry).
    pub fn care(self, care: &'a str) -> Self {
        self.add("--care", care)
    }

    /// `--check item=status[:note]`.
    pub fn check(self, check: &'a str) -> Self {
        self.add("--check", check)
    }

    /// `--topic topic[:detail]`.
    pub fn topic(self, topic: &'a str) -> Self {
        self.add("--topic", topic)
    }

    /// `--submit`.
    pub fn submit(self) -> Self {
        self.flag("--submit")
    }

    /// The arguments, ready for the binary (after `--data-dir`).
    pub fn args(&self) -> Vec<&'a str> {
        let mut out = self.command.clone();
        for (o, v) in &self.options {
            out.push(o);
            out.push(v);
        }
        out.extend(&self.flags);
        out
    }
}
