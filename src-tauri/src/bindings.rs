//! Writes the TypeScript declarations of the command types into one file (test builds only).

use std::collections::BTreeMap;

use ts_rs::{Config, TypeVisitor, TS};

/// Collects the declaration of every named type reachable from the command signatures.
pub struct Collector<'a> {
    cfg: &'a Config,
    decls: BTreeMap<String, String>,
}

impl<'a> Collector<'a> {
    pub fn new(cfg: &'a Config) -> Self {
        Collector { cfg, decls: BTreeMap::new() }
    }

    pub fn root<T: TS + 'static + ?Sized>(&mut self) {
        self.visit::<T>();
    }

    pub fn finish(self, commands: &str) -> String {
        let mut out = String::from(
            "// Generated from the Rust types by `cargo test -p carebook-app` (src-tauri/src/bindings.rs).\n\
             // Do not edit: change the Rust types and run the tests again.\n\n",
        );
        for decl in self.decls.values() {
            out.push_str("export ");
            out.push_str(decl.trim());
            out.push_str("\n\n");
        }
        out.push_str("/** Every command: its arguments as `invoke` sends them, and its result. */\nexport type Commands = {\n");
        out.push_str(commands);
        out.push_str("};\n");
        out
    }
}

impl TypeVisitor for Collector<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if T::output_path().is_some() {
            let name = T::ident(self.cfg);
            if self.decls.contains_key(&name) {
                return;
            }
            self.decls.insert(name, T::decl(self.cfg));
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

/// `lead_nurses` → `leadNurses` (Tauri's argument naming).
pub fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for ch in s.chars() {
        if ch == '_' {
            up = true;
        } else if up {
            out.extend(ch.to_uppercase());
            up = false;
        } else {
            out.push(ch);
        }
    }
    out
}
