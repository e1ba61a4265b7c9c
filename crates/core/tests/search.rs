//! Search on the device (`Carebook::search`, `Store::search`) on real SQLite files: names, kana,
//! dates and note text; visits received from the server wait on the backlog until their text is
//! read; edits and removals leave no stale terms. Which visits each search finds is worked out
//! by hand from the notes written here.

use carebook_core::Origin;
use carebook_domain::{ChangedDoc, Child, ChildId, DateFilter, RecordDoc, RecordKind, SearchQuery, Visit, VisitId};
use carebook_testkit::{child, respite, TempDevice};

fn named(name: &str, kana: &str) -> Child {
    Child { name: name.into(), kana: kana.into(), ..child("13105") }
}

fn visit(c: ChildId, day: &str, subjective: &str, care_note: &str) -> Visit {
    let mut v = respite(c, &format!("{day}T10:00"), &format!("{day}T13:00"));
    v.note.subjective = subjective.into();
    if !care_note.is_empty() {
        v.care.push(carebook_domain::CareGiven {
            id: format!("care-{day}"),
            item: carebook_domain::CareItem::Suction,
            count: Some(3),
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: care_note.into(),
        });
    }
    v
}

/// The ids of the visits found, newest first.
async fn found(dev: &TempDevice, query: &str) -> Vec<VisitId> {
    dev.app.search(query).await.unwrap().visits.iter().map(|v| v.row.summary.id).collect()
}

/// Two children, four visits:
/// - hanako 2026-12-02: S 「夜間に痰が多く吸引3回」, care 「白色痰、カテーテル交換」
/// - hanako 2026-11-20: S 「機嫌良好、SpO2 98%」
/// - taro   2026-12-02: S 「発熱なし」, care 「吸引1回」
/// - taro   2025-12-02: S 「胃ろう周囲の発赤なし」
async fn four_visits(dev: &TempDevice) -> (ChildId, ChildId, [VisitId; 4]) {
    let hanako = dev.app.add_child(named("見本 花子", "みほん はなこ")).await.unwrap().id;
    let taro = dev.app.add_child(named("架空 太郎", "かくう たろう")).await.unwrap().id;
    let vs = [
        visit(hanako, "2026-12-02", "夜間に痰が多く吸引3回", "白色痰、カテーテル交換"),
        visit(hanako, "2026-11-20", "機嫌良好、SpO2 98%", ""),
        visit(taro, "2026-12-02", "発熱なし", "吸引1回"),
        visit(taro, "2025-12-02", "胃ろう周囲の発赤なし", ""),
    ];
    let mut ids = [VisitId::random(); 4];
    for (i, v) in vs.into_iter().enumerate() {
        ids[i] = v.id;
        dev.app.record_visit(v).await.unwrap();
    }
    (hanako, taro, ids)
}

#[tokio::test]
async fn words_in_notes_names_and_kana_and_dates_each_narrow_the_visits() {
    let dev = TempDevice::new().await.unwrap();
    let (hanako, _, [h1202, h1120, t1202, t2025]) = four_visits(&dev).await;

    // 吸引: hanako's 12/2 (S) and taro's 12/2 (care note); newest first, then by id (same start).
    let mut both = vec![h1202, t1202];
    both.sort_by_key(|id| std::cmp::Reverse(id.to_string()));
    assert_eq!(found(&dev, "吸引").await, both);
    // One character, in the middle and at the end of a run: 痰 is in hanako's 12/2 only.
    assert_eq!(found(&dev, "痰").await, vec![h1202]);
    assert_eq!(found(&dev, "回").await, both, "回 ends 吸引3回 and 吸引1回");
    // A character that only ends a longer run (カテーテル交換) starts no pair.
    assert_eq!(found(&dev, "換").await, vec![h1202]);
    // Katakana in the note, typed in hiragana or half-width.
    assert_eq!(found(&dev, "かてーてる").await, vec![h1202]);
    assert_eq!(found(&dev, "ｶﾃｰﾃﾙ").await, vec![h1202]);
    // Latin, by the start of the word, in any case or width.
    assert_eq!(found(&dev, "spo").await, vec![h1120]);
    assert_eq!(found(&dev, "ＳｐＯ２").await, vec![h1120]);
    // なし ends taro's two notes; 発赤なし only the older one.
    assert_eq!(found(&dev, "発赤なし").await, vec![t2025]);
    // The child's name or kana finds all her visits, newest first, and the child herself.
    let r = dev.app.search("ハナコ").await.unwrap();
    assert_eq!(r.visits.iter().map(|v| v.row.summary.id).collect::<Vec<_>>(), vec![h1202, h1120]);
    assert_eq!(r.children.iter().map(|c| c.id).collect::<Vec<_>>(), vec![hanako]);
    assert_eq!(r.visits[0].row.child_name, "見本 花子");
    assert_eq!(found(&dev, "見本花子").await, vec![h1202, h1120], "the space in the name does not matter");
    // Name and note together: every word must match.
    assert_eq!(found(&dev, "はなこ 吸引").await, vec![h1202]);
    assert_eq!(found(&dev, "たろう　吸引").await, vec![t1202], "a full-width space separates too");
    // Dates: 12/2 of any year, a full date, a month, 令和.
    assert_eq!(found(&dev, "12/2 たろう").await, vec![t1202, t2025]);
    assert_eq!(found(&dev, "2026-12-02 たろう").await, vec![t1202]);
    assert_eq!(found(&dev, "令和8年12月2日 はなこ").await, vec![h1202]);
    assert_eq!(found(&dev, "2026年11月").await, vec![h1120]);
    let r = dev.app.search("12月2日").await.unwrap();
    assert_eq!(r.dates, vec![DateFilter::MonthDay { month: 12, day: 2 }]);
    assert!(r.children.is_empty(), "a date lists no child");
    assert_eq!(r.visits.len(), 3);
    // Nothing found, and nothing asked.
    assert!(found(&dev, "嘔吐").await.is_empty());
    assert!(found(&dev, "はなこ 発熱").await.is_empty(), "hanako's notes have no 発熱");
    let r = dev.app.search(" 、 ").await.unwrap();
    assert!(r.visits.is_empty() && r.children.is_empty());
}

#[tokio::test]
async fn a_result_shows_the_line_where_the_words_are_and_only_what_matched() {
    let dev = TempDevice::new().await.unwrap();
    let (_, _, [h1202, ..]) = four_visits(&dev).await;
    let r = dev.app.search("カテーテル").await.unwrap();
    assert_eq!(r.visits.len(), 1);
    assert_eq!(r.visits[0].row.summary.id, h1202);
    assert_eq!(r.visits[0].excerpt.as_deref(), Some("白色痰、カテーテル交換"));
    // Found by the name only: no line of the notes to show.
    let r = dev.app.search("たろう").await.unwrap();
    assert_eq!(r.visits.len(), 2);
    assert!(r.visits.iter().all(|v| v.excerpt.is_none()));
}

#[tokio::test]
async fn an_edited_note_is_found_by_its_new_words_only_and_a_removed_visit_leaves_no_terms() {
    let dev = TempDevice::new().await.unwrap();
    let (_, _, [h1202, _, t1202, _]) = four_visits(&dev).await;
    dev.app
        .update_visit(h1202, |v| {
            v.note.subjective = "よく眠れた".into();
            v.care.clear();
        })
        .await
        .unwrap();
    assert_eq!(found(&dev, "吸引").await, vec![t1202]);
    assert_eq!(found(&dev, "眠れ").await, vec![h1202]);

    // A document removed (as when access to the child ends) takes its text and terms with it.
    let pool = dev.app.store().pool();
    let terms = |q: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM visit_terms WHERE visit_terms MATCH ?1").bind(q).fetch_one(pool).await.unwrap()
    };
    assert_eq!(terms("\"吸引\"").await, 1);
    sqlx::query("DELETE FROM documents WHERE id = ?1").bind(t1202.to_string()).execute(pool).await.unwrap();
    assert_eq!(terms("\"吸引\"").await, 0);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM visit_text").fetch_one(pool).await.unwrap();
    assert_eq!(left, 3);
}

/// A page as the server sends it: each visit with the index fields the server read, so the
/// device does not load it; its text waits on the backlog.
fn page(c: &Child, visits: &[Visit]) -> Vec<ChangedDoc> {
    let mut docs = vec![ChangedDoc {
        id: c.id.to_string(),
        kind: RecordKind::Child,
        child_id: c.id.to_string(),
        seq: 1,
        bytes: RecordDoc::create(c.clone(), automerge::ActorId::random()).save(),
        index: None,
    }];
    for (i, v) in visits.iter().enumerate() {
        docs.push(ChangedDoc {
            id: v.id.to_string(),
            kind: RecordKind::Visit,
            child_id: c.id.to_string(),
            seq: 2 + i as i64,
            bytes: RecordDoc::create(v.clone(), automerge::ActorId::random()).save(),
            index: Some(v.index_view()),
        });
    }
    docs
}

#[tokio::test]
async fn received_visits_are_found_by_name_at_once_and_by_their_notes_once_the_backlog_is_read() {
    let dev = TempDevice::new().await.unwrap();
    let c = named("見本 花子", "みほん はなこ");
    let vs: Vec<Visit> = (1..=3).map(|d| visit(c.id, &format!("2026-12-0{d}"), &format!("吸引{d}回"), "")).collect();
    let merged = dev.app.store().merge_server_page(page(&c, &vs), &[]).await.unwrap();
    assert_eq!(merged.written, 4);

    let store = dev.app.store();
    let q = |s: &str| SearchQuery::parse(s);
    let before = store.search(&q("吸引"), 10).await.unwrap();
    assert!(before.visits.is_empty(), "their text is not read yet");
    assert_eq!(before.pending, 3);
    assert_eq!(store.search(&q("はなこ"), 10).await.unwrap().visits.len(), 3, "the name is in the index already");

    // A local edit of one of them meanwhile is indexed from its own value and leaves the backlog.
    dev.app.update_visit(vs[0].id, |v| v.note.subjective = "眠れた".into()).await.unwrap();
    assert_eq!(store.search_backlog().await.unwrap(), 2);

    assert_eq!(dev.app.index_search_backlog().await.unwrap(), 2);
    assert_eq!(store.search_backlog().await.unwrap(), 0);
    // 吸引2回, 吸引3回 newest first; the edited one by its new words only.
    assert_eq!(found(&dev, "吸引").await, vec![vs[2].id, vs[1].id]);
    assert_eq!(found(&dev, "眠れ").await, vec![vs[0].id]);
    assert_eq!(dev.app.search("吸引").await.unwrap().pending, 0);
}

#[tokio::test]
async fn a_search_reads_part_of_a_backlog_first_and_an_unreadable_document_leaves_it() {
    let dev = TempDevice::new().await.unwrap();
    let c = named("見本 花子", "みほん はなこ");
    let vs: Vec<Visit> = (1..=2).map(|d| visit(c.id, &format!("2026-12-0{d}"), "吸引", "")).collect();
    dev.app.store().merge_server_page(page(&c, &vs), &[]).await.unwrap();
    // One document's bytes go bad on the disk.
    sqlx::query("UPDATE documents SET bytes = x'00' WHERE id = ?1")
        .bind(vs[0].id.to_string())
        .execute(dev.app.store().pool())
        .await
        .unwrap();
    let r = dev.app.search("吸引").await.unwrap();
    assert_eq!(r.visits.iter().map(|v| v.row.summary.id).collect::<Vec<_>>(), vec![vs[1].id]);
    assert_eq!(r.pending, 0, "the unreadable one is not retried at every search");
    // The merge path (a visit the device has, changed on the server) indexes from the merged value.
    let id = vs[1].id.to_string();
    let mine = dev.app.store().bytes(RecordKind::Visit, &id).await.unwrap().unwrap();
    let mut theirs = RecordDoc::<Visit>::load(&id, &mine, automerge::ActorId::random()).unwrap();
    theirs.change(|v| v.note.subjective = "胃ろう".into());
    dev.app.store().merge::<Visit>(&vs[1].id.to_string(), &theirs.save(), Origin::Server).await.unwrap();
    assert!(found(&dev, "吸引").await.is_empty());
    assert_eq!(found(&dev, "胃ろう").await, vec![vs[1].id]);
}

/// The statement `Store::search` builds for one word: the visits read newest first from
/// the covering index `visits_start` (no sort of every match, no visit row read), the terms' rows mapped to visit ids through the
/// covering index `visit_text_n_id` (not the rows with their text). Facts of the plan, not times.
#[tokio::test]
async fn the_search_reads_visits_in_time_order_and_maps_terms_to_ids_by_an_index() {
    let dev = TempDevice::new().await.unwrap();
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT id FROM visits WHERE 1 = 1 AND (+child_id IN (SELECT value FROM json_each('[]')) \
         OR +id IN (SELECT t.id FROM visit_text t INDEXED BY visit_text_n_id WHERE t.n IN \
         (SELECT rowid FROM visit_terms WHERE visit_terms MATCH '\"吸引\"'))) \
         ORDER BY start DESC, id DESC LIMIT 51",
    )
    .fetch_all(dev.app.store().pool())
    .await
    .unwrap();
    let detail = plan.iter().map(|p| p.3.as_str()).collect::<Vec<_>>().join("; ");
    assert!(detail.contains("COVERING INDEX visits_start"), "{detail}");
    assert!(!detail.contains("TEMP B-TREE FOR ORDER BY"), "{detail}");
    assert!(detail.contains("COVERING INDEX visit_text_n_id"), "{detail}");
}

/// A query is bounded: each word is a clause of the search, so a pasted page is refused naming
/// the field and the limit, and nothing is searched.
#[tokio::test]
async fn a_query_too_long_or_with_too_many_words_is_refused_naming_the_limit() {
    let dev = TempDevice::new().await.unwrap();
    let long = "吸".repeat(201);
    let body = dev.app.search(&long).await.unwrap_err().to_body();
    assert_eq!((body.problems[0].field.as_str(), body.problems[0].code.as_str()), ("query", "too_long"));
    assert!(body.problems[0].ja.contains("200文字まで") && body.problems[0].ja.contains("201文字"), "{}", body.problems[0].ja);
    let eleven = (1..=11).map(|i| format!("語{i}")).collect::<Vec<_>>().join(" ");
    let body = dev.app.search(&eleven).await.unwrap_err().to_body();
    assert_eq!(body.problems[0].code, "too_many_words");
    assert!(body.problems[0].en.contains("(11 given)"), "{}", body.problems[0].en);
    // At the limits, it searches.
    assert!(dev.app.search(&"吸".repeat(200)).await.is_ok());
    let ten = (1..=10).map(|i| format!("語{i}")).collect::<Vec<_>>().join(" ");
    assert!(dev.app.search(&ten).await.unwrap().visits.is_empty());
}
