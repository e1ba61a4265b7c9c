// The app's commands get `allow-<command>` permissions generated from the one list in
// src/command_names.rs; capabilities/main.json grants the main window exactly those it uses.
include!("src/command_names.rs");

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .expect("tauri build step failed");
}
