//! Rebuild when a migration is added: `sqlx::migrate!` embeds the folders at compile time but
//! only notices edits to files it already knows.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/server-sqlite");
    println!("cargo:rerun-if-changed=../../migrations/server-postgres");
}
