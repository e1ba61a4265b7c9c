//! `commands!` declares each command once: the Tauri command (a call into the core whose error
//! becomes the wire's `ErrorBody`), its name for the invoke handler, and its TypeScript
//! signature for `ui/src/bindings.ts`.
//!
//! Locked is the default: a command answers `app_locked` while the PIN has not opened the app,
//! before its body runs, and its body gets the app as [`crate::Open`] (the core, reachable only
//! through that check). Only a command marked `[while_locked]` runs while locked; its body gets
//! the [`crate::Shell`] itself.

/// Declares the app's commands:
///
/// ```text
/// commands! {
///     /// Doc.
///     [while_locked] fn name(s, arg: Type, …) -> Ret { body }   // s: &Shell
///     /// Doc.
///     fn name(s, arg: Type, …) -> Ret { body }                  // s: Open, after the lock check
/// }
/// ```
///
/// Each body returns `Result<Ret, CoreError>`.
macro_rules! commands {
    ($( $(#[doc = $doc:literal])* $([$marker:ident])? fn $name:ident($s:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block )*) => {
        /// The commands, one module each (where `#[tauri::command]` puts its helper macros).
        pub mod cmd {
            $(
                commands!(@command [$($marker)?] [$(#[doc = $doc])*] $name, shell, $s, ($($arg: $ty),*) -> $ret $body);
            )*
        }

        /// The names of the commands, in declaration order.
        pub const DEFINED_COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// The commands that run while the app is locked (every other one answers `app_locked`).
        pub const WHILE_LOCKED: &[&str] = &[$($(commands!(@name $marker $name),)?)*];

        /// The invoke handler for every command.
        fn invoke_handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(cmd::$name::$name),*]
        }

        /// Calls every command not marked `[while_locked]`, with sample arguments
        /// ([`crate::tests::Sample`]), and returns each one's name and error, if any.
        #[cfg(test)]
        pub async fn call_every_locked_command(shell: &Shell) -> Vec<(&'static str, Option<CoreError>)> {
            #[allow(unused_imports)]
            use crate::tests::Sample as _;
            let mut results = Vec::new();
            $(
                commands!(@sample_call [$($marker)?] shell, results, $name ($($ty),*));
            )*
            results
        }

        /// `ui/src/bindings.ts`: every type the commands take or return, and a `Commands` map
        /// from each command's name to its arguments (camelCase, as `invoke` sends them) and result.
        #[cfg(test)]
        pub fn typescript() -> String {
            let cfg = ts_rs::Config::new().with_large_int("number");
            let mut c = crate::bindings::Collector::new(&cfg);
            let mut map = String::new();
            $(
                $( c.root::<$ty>(); )*
                c.root::<$ret>();
                let args: Vec<String> = vec![$(format!("{}: {}", crate::bindings::camel(stringify!($arg)), <$ty as ts_rs::TS>::name(&cfg))),*];
                map.push_str(&format!(
                    "  {}: {{ args: {{ {} }}; result: {} }};\n",
                    stringify!($name),
                    args.join("; "),
                    <$ret as ts_rs::TS>::name(&cfg)
                ));
            )*
            c.finish(&map)
        }
    };

    // A command that runs while locked: its body gets the shell.
    (@command [while_locked] [$($doc:tt)*] $name:ident, $shell:ident, $s:ident, ($($arg:ident : $ty:ty),*) -> $ret:ty $body:block) => {
        commands!(@module [$($doc)*] $name, $shell, $s = $shell, ($($arg: $ty),*) -> $ret $body);
    };
    // Every other command: the lock is checked before its body, which gets the open app.
    (@command [] [$($doc:tt)*] $name:ident, $shell:ident, $s:ident, ($($arg:ident : $ty:ty),*) -> $ret:ty $body:block) => {
        commands!(@module [$($doc)*] $name, $shell, $s = $shell.open_core()?, ($($arg: $ty),*) -> $ret $body);
    };
    (@module [$($doc:tt)*] $name:ident, $shell:ident, $s:ident = $open:expr, ($($arg:ident : $ty:ty),*) -> $ret:ty $body:block) => {
        #[allow(unused_imports)]
        pub mod $name {
            use super::super::*;
            /// The command's work, after the lock check unless it runs while locked.
            pub async fn call($shell: &Shell $(, $arg: $ty)*) -> Result<$ret, CoreError> {
                let $s = $open;
                $body
            }
            $($doc)*
            #[tauri::command]
            pub async fn $name(state: tauri::State<'_, Shell> $(, $arg: $ty)*) -> Result<$ret, ErrorBody> {
                call(state.inner() $(, $arg)*).await.map_err(|e| e.to_body())
            }
        }
    };

    (@name while_locked $name:ident) => {
        stringify!($name)
    };

    (@sample_call [while_locked] $shell:ident, $results:ident, $name:ident ($($ty:ty),*)) => {};
    (@sample_call [] $shell:ident, $results:ident, $name:ident ($($ty:ty),*)) => {
        $results.push((stringify!($name), cmd::$name::call($shell $(, <$ty>::sample())*).await.err()));
    };
}
