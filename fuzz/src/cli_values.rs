//! The CLI's compound values (`crates/cli/src/args.rs`) and the domain values it parses from
//! single arguments (dates, times, ids), for the `cli_values` fuzz target and for the replay of
//! its seeds and regression fixtures in the CLI's own tests (args.rs includes this file).
//! Every parser gets the same text; each must answer Ok or an error naming the value, never panic.

use carebook_domain::{CareItem, ChildId, Date, DateTime, IncomeTier, TimeOfDay, VisitId, VisitKind, VisitStatus, YearMonth};

use crate::args::{
    CareArg, CheckArg, ContactArg, DaytimeBandArg, DaytimeChargeArg, Hours, InstructionArg, ProRatingArg, ScoreArg, StaffArg, StationArg,
    TopicArg, VitalArg, VitalTime,
};

/// Parses `data` (as text, if it is UTF-8: arguments reach clap as `String`s) with every parser;
/// returns how many accepted it.
pub fn cli_values(data: &[u8]) -> usize {
    let Ok(s) = std::str::from_utf8(data) else {
        return 0;
    };
    let mut ok = 0;
    let mut count = |accepted: bool| ok += usize::from(accepted);
    count(s.parse::<StationArg>().map(|st| assert!(!st.0.id.is_empty() && !st.0.name.is_empty())).is_ok());
    count(s.parse::<StaffArg>().map(|st| assert!(!st.id.is_empty() && !st.name.is_empty())).is_ok());
    count(
        s.parse::<VitalArg>()
            .map(|v| {
                assert!(v.temperature_c.is_none_or(f64::is_finite));
                if let Some(VitalTime::At(at)) = v.at {
                    assert_eq!(at.to_string().parse::<DateTime>().ok(), Some(at), "a vital's time prints as it parses");
                }
            })
            .is_ok(),
    );
    count(s.parse::<CareArg>().map(|c| assert!(c.oxygen_l_per_min.is_none_or(f64::is_finite))).is_ok());
    count(s.parse::<CheckArg>().map(|c| assert!(!c.item.is_empty())).is_ok());
    count(s.parse::<ScoreArg>().is_ok());
    count(s.parse::<ContactArg>().map(|c| assert!(!c.0.name.is_empty())).is_ok());
    count(s.parse::<InstructionArg>().is_ok());
    count(s.parse::<TopicArg>().map(|t| assert!(!t.topic.is_empty())).is_ok());
    count(s.parse::<Hours>().is_ok());
    count(s.parse::<ProRatingArg>().is_ok());
    count(s.parse::<DaytimeBandArg>().is_ok());
    count(s.parse::<DaytimeChargeArg>().is_ok());
    // Single values parsed by the domain's FromStr: each prints back as something that parses
    // to the same value.
    count(s.parse::<Date>().map(|d| assert_eq!(d.to_string().parse::<Date>().ok(), Some(d))).is_ok());
    count(s.parse::<TimeOfDay>().map(|t| assert_eq!(t.to_string().parse::<TimeOfDay>().ok(), Some(t))).is_ok());
    count(s.parse::<DateTime>().map(|t| assert_eq!(t.to_string().parse::<DateTime>().ok(), Some(t))).is_ok());
    count(s.parse::<YearMonth>().map(|m| assert_eq!(m.to_string().parse::<YearMonth>().ok(), Some(m))).is_ok());
    count(s.parse::<ChildId>().is_ok());
    count(s.parse::<VisitId>().is_ok());
    count(s.parse::<VisitKind>().is_ok());
    count(s.parse::<VisitStatus>().is_ok());
    count(s.parse::<CareItem>().is_ok());
    count(s.parse::<IncomeTier>().is_ok());
    ok
}
