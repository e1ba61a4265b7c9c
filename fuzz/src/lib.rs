//! What the fuzz targets run: the pure paths hostile bytes take through the server's push, the
//! device's page decoder and the CLI's value parsers. The same files are replayed over the
//! seeds and regression fixtures by the main workspace's tests (see README.md).

pub mod paths;

/// The CLI's argument parsers, compiled from the CLI's own source file (the CLI is a binary
/// that pulls the whole device and server; its parsers need only the domain).
#[path = "../../crates/cli/src/args.rs"]
#[allow(dead_code)]
pub mod args;

pub mod cli_values;

/// Called from each target's `init`. libFuzzer's panic hook aborts on every panic, even one the
/// code under test catches; the domain catches panics inside automerge (and autosurgeon) on
/// purpose (`carebook_domain::document` reads untrusted bytes through a guard), so those are
/// let through to that guard. A panic anywhere else aborts as before, and so does one of
/// automerge's that no guard catches (libfuzzer-sys aborts when it reaches the target).
pub fn let_automerge_panics_reach_the_domains_guard() {
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_automerge = info.location().is_some_and(|l| {
            let file = l.file();
            ["/automerge-", "/hexane-", "/autosurgeon-"].iter().any(|c| file.contains(c))
        });
        if in_automerge {
            eprintln!(
                "automerge panicked at {} (to be caught by the domain's guard)",
                info.location().map_or(String::new(), |l| l.to_string())
            );
        } else {
            abort(info);
        }
    }));
}
