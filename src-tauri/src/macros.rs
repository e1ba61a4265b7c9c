//! `commands!` declares each command once: the Tauri command (a call into the core whose error
//! becomes the wire's `ErrorBody`), its name for the invoke handler, and its TypeScript
//! signature for `ui/src/bindings.ts`.

/// Declares the app's commands. `fn name(s, arg: Type, …) -> Ret { body }`: `s` is the
/// [`crate::Shell`], the body returns `Result<Ret, CoreError>`.
macro_rules! commands {
    ($( $(#[doc = $doc:literal])* fn $name:ident($s:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block )*) => {
        /// The commands, one module each (where `#[tauri::command]` puts its helper macros).
        pub mod cmd {
            $(
                #[allow(unused_imports)]
                pub mod $name {
                    use super::super::*;
                    $(#[doc = $doc])*
                    #[tauri::command]
                    pub async fn $name(state: tauri::State<'_, Shell> $(, $arg: $ty)*) -> Result<$ret, ErrorBody> {
                        async fn run($s: &Shell $(, $arg: $ty)*) -> Result<$ret, CoreError> $body
                        run(state.inner() $(, $arg)*).await.map_err(|e| e.to_body())
                    }
                }
            )*
        }

        /// The names of the commands, in declaration order.
        pub const DEFINED_COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// The invoke handler for every command.
        fn invoke_handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(cmd::$name::$name),*]
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
}
