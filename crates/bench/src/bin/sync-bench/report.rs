//! Figures as they come, then one table; failures make the run exit non-zero.

use crate::infra::Backend;

#[derive(Debug, Clone)]
struct Row {
    backend: String,
    name: String,
    value: String,
    target: String,
    ok: Option<bool>,
}

#[derive(Debug, Default)]
pub struct Report {
    rows: Vec<Row>,
    failures: Vec<String>,
}

impl Report {
    fn push(&mut self, row: Row) {
        let mark = match row.ok {
            Some(true) => "  ✔ ",
            Some(false) => "  ✘ ",
            None => "    ",
        };
        let target = if row.target.is_empty() { String::new() } else { format!("   [target {}]", row.target) };
        eprintln!("{mark}{:<10} {}: {}{target}", row.backend, row.name, row.value);
        self.rows.push(row);
    }

    pub fn info(&mut self, backend: impl Into<Where>, name: &str, value: String) {
        self.push(Row { backend: backend.into().0, name: name.into(), value, target: String::new(), ok: None });
    }

    pub fn target(&mut self, backend: impl Into<Where>, name: &str, value: String, target: String, ok: bool) {
        let backend = backend.into().0;
        if !ok {
            self.failures.push(format!("{backend} {name}: {value} (target {target})"));
        }
        self.push(Row { backend, name: name.into(), value, target, ok: Some(ok) });
    }

    /// A correctness failure (errors, lost records, wrong counts).
    pub fn fail(&mut self, backend: impl Into<Where>, name: &str, what: String) {
        let backend = backend.into().0;
        self.failures.push(format!("{backend} {name}: {what}"));
        self.push(Row { backend, name: format!("FAILED {name}"), value: what, target: String::new(), ok: Some(false) });
    }

    pub fn failures(&self) -> &[String] {
        &self.failures
    }

    /// The table, Markdown, on stdout.
    pub fn print(&self) {
        println!();
        println!("| backend | figure | value | target | |");
        println!("|---|---|---|---|---|");
        for r in &self.rows {
            let mark = match r.ok {
                Some(true) => "✔",
                Some(false) => "✘",
                None => "",
            };
            println!("| {} | {} | {} | {} | {} |", r.backend, r.name, r.value.replace('|', "/"), r.target, mark);
        }
        if self.failures.is_empty() {
            println!("\nall checks passed");
        } else {
            println!("\n{} FAILED:", self.failures.len());
            for f in &self.failures {
                println!("  - {f}");
            }
        }
    }
}

/// A backend, or a free label ("both", "automerge-repo").
pub struct Where(String);

impl From<Backend> for Where {
    fn from(b: Backend) -> Self {
        Where(b.name().into())
    }
}

impl From<&str> for Where {
    fn from(s: &str) -> Self {
        Where(s.into())
    }
}
