//! `carebook search <words>`: the device's children and visits by name, kana, date and the
//! words of the notes (as the app's 検索; `Carebook::search`).

use clap::Args;

use crate::output::{print_json, shown};
use crate::Env;

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// 名前・かな・日付（12/2、2026年12月2日、令和8年12月2日）・記録の言葉。空白で区切るとすべてを含むもの / words and dates, all must match.
    #[arg(required = true, num_args = 1..)]
    pub words: Vec<String>,
}

pub async fn run(env: &Env, args: SearchArgs) -> anyhow::Result<()> {
    let app = env.open().await?;
    // What the sync received that is not searchable by its text yet becomes so first.
    app.index_search_backlog().await?;
    let r = app.search(&args.words.join(" ")).await?;
    if env.json {
        return print_json(&r);
    }
    for c in &r.children {
        out!("児童 child  {}  {}（{}）  {}生まれ born", c.id, shown(&c.name), shown(&c.kana), c.birth_date);
    }
    for v in &r.visits {
        let s = &v.row.summary;
        let when = s.start.map_or_else(|| "-".to_string(), |t| t.to_string());
        out!("{}  {}  {}  {}  {}", s.id, when, shown(&v.row.child_name), s.kind.label().ja, s.status.label().ja);
        if let Some(e) = &v.excerpt {
            out!("    {}", shown(e));
        }
    }
    out!(
        "児童 {}人、記録 {}件{} / {} children, {} records{}",
        r.children.len(),
        r.visits.len(),
        if r.more { "（新しい順。さらに一致する記録があります）" } else { "" },
        r.children.len(),
        r.visits.len(),
        if r.more { " (newest first; more match)" } else { "" }
    );
    Ok(())
}
