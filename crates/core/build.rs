// `sqlx::migrate!` embeds migrations/device at compile time; without this, adding or removing a
// migration file would not rebuild the crate (sqlx's documented advice).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/device");
}
