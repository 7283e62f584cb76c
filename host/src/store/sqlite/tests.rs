//! The SQLite store against real database files: versions, row ranges,
//! unchanged runs, filters, keyset walks, changes, downloads.

use std::collections::BTreeMap;

use super::SqliteStore;
use crate::schema::{Field, FieldType, QualityMeasure, Row, StreamSchema, Value};
use crate::store::{
    Compression, Cursor, DatasetMeta, ExportFormat, Filter, FilterOp, PublishOutcome,
    PublishRequest, RowChanges, RowQuery, SchemaChange, SortKey, Store, StoreError,
};

fn schema() -> StreamSchema {
    StreamSchema {
        name: "contracts".to_string(),
        description: String::new(),
        fields: vec![
            Field::new("id", FieldType::Text, false),
            Field::new("title", FieldType::Text, false),
            Field::new("value", FieldType::Decimal, true),
        ],
        primary_key: vec!["id".to_string()],
    }
}

fn row(id: &str, title: &str, value: Option<&str>) -> Row {
    vec![
        Value::Text(id.to_string()),
        Value::Text(title.to_string()),
        value.map_or(Value::Null, |v| Value::Decimal(v.to_string())),
    ]
}

fn open() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    store
        .sync_dataset(&DatasetMeta {
            id: "contracts".to_string(),
            title: "Contracts".to_string(),
            description: String::new(),
            theme: Vec::new(),
            keywords: Vec::new(),
            publisher: None,
            license: None,
            profile: None,
            schedule: None,
            plugin: "test".to_string(),
            coverage: Default::default(),
            sources: Vec::new(),
            sample: false,
            ocds: Default::default(),
        })
        .unwrap();
    (dir, store)
}

fn publish(store: &SqliteStore, schema: &StreamSchema, rows: Vec<Row>) -> PublishOutcome {
    publish_as(store, schema, rows, false).unwrap()
}

fn publish_as(
    store: &SqliteStore,
    schema: &StreamSchema,
    rows: Vec<Row>,
    merge: bool,
) -> Result<PublishOutcome, StoreError> {
    publish_measured(store, schema, rows, merge, Vec::new())
}

fn publish_measured(
    store: &SqliteStore,
    schema: &StreamSchema,
    rows: Vec<Row>,
    merge: bool,
    quality: Vec<QualityMeasure>,
) -> Result<PublishOutcome, StoreError> {
    let mut staging = store.stage("contracts", schema).unwrap();
    staging.write(rows).unwrap();
    staging.publish(request(merge, quality))
}

/// A publish request of a manual run, with bookmarks to save.
fn request(merge: bool, quality: Vec<QualityMeasure>) -> PublishRequest {
    PublishRequest {
        run_id: format!("run-{}", rand_suffix()),
        started_at: chrono::Utc::now(),
        trigger: "manual".into(),
        duration_ms: 0,
        report: serde_json::Value::Null,
        plugin: "test".to_string(),
        plugin_version: "1.0.0".to_string(),
        contract: "0.1.0".to_string(),
        bookmarks: BTreeMap::from([("contracts".to_string(), "{\"page\":2}".to_string())]),
        merge,
        derived: Vec::new(),
        quality,
        defer: false,
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn all_rows(store: &SqliteStore, version: u64) -> Vec<Row> {
    let query = RowQuery {
        version,
        limit: 1000,
        ..RowQuery::default()
    };
    store.rows("contracts", &query).unwrap().rows
}

/// Version 1 and version 2 with one row changed, one added, one removed.
fn two_versions(store: &SqliteStore) {
    publish(
        store,
        &schema(),
        vec![
            row("a", "Alpha", Some("10.00")),
            row("b", "Beta", Some("20.50")),
            row("c", "Gamma", None),
        ],
    );
    publish(
        store,
        &schema(),
        vec![
            row("a", "Alpha", Some("10.00")),
            row("b", "Beta", Some("25.00")),
            row("d", "Delta", Some("7")),
        ],
    );
}

#[test]
fn versions_keep_every_state() {
    let (_dir, store) = open();
    two_versions(&store);
    assert_eq!(
        all_rows(&store, 1),
        vec![
            row("a", "Alpha", Some("10.00")),
            row("b", "Beta", Some("20.50")),
            row("c", "Gamma", None)
        ]
    );
    assert_eq!(
        all_rows(&store, 2),
        vec![
            row("a", "Alpha", Some("10.00")),
            row("b", "Beta", Some("25.00")),
            row("d", "Delta", Some("7"))
        ]
    );
    let versions = store.versions("contracts").unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.number, v.row_count))
            .collect::<Vec<_>>(),
        vec![(1, 3), (2, 3)]
    );
    assert_eq!(
        store.dataset("contracts").unwrap().current.unwrap().number,
        2
    );
    assert_eq!(
        store.bookmarks("contracts").unwrap()["contracts"],
        "{\"page\":2}"
    );
}

#[test]
fn the_same_rows_in_another_order_publish_nothing() {
    let (_dir, store) = open();
    publish(
        &store,
        &schema(),
        vec![row("a", "Alpha", None), row("b", "Beta", None)],
    );
    let again = publish(
        &store,
        &schema(),
        vec![row("b", "Beta", None), row("a", "Alpha", None)],
    );
    assert!(matches!(again, PublishOutcome::Unchanged(v) if v.number == 1));
    assert_eq!(store.versions("contracts").unwrap().len(), 1);
    let runs = store.runs("contracts", 10).unwrap();
    assert_eq!(
        runs.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(),
        vec!["unchanged", "published"]
    );
}

#[test]
fn changes_list_added_removed_and_changed_rows() {
    let (_dir, store) = open();
    two_versions(&store);
    let changes = store.changes("contracts", 1, 2).unwrap();
    assert_eq!(changes.added, vec![row("d", "Delta", Some("7"))]);
    assert_eq!(changes.removed, vec![row("c", "Gamma", None)]);
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(changes.changed[0].before, row("b", "Beta", Some("20.50")));
    assert_eq!(changes.changed[0].after, row("b", "Beta", Some("25.00")));
    assert_eq!(changes.changed[0].fields, vec!["value".to_string()]);

    let first = store.changes("contracts", 0, 1).unwrap();
    assert_eq!(first.added.len(), 3, "from nothing, every row is added");
    assert!(first.removed.is_empty() && first.changed.is_empty());

    let backwards = store.changes("contracts", 2, 1).unwrap();
    assert_eq!(backwards.added, vec![row("c", "Gamma", None)]);
    assert_eq!(backwards.removed, vec![row("d", "Delta", Some("7"))]);
}

#[test]
fn filters_compare_by_type() {
    let (_dir, store) = open();
    two_versions(&store);
    let query = |filters: Vec<Filter>| {
        let q = RowQuery {
            version: 2,
            filters,
            limit: 100,
            ..RowQuery::default()
        };
        store
            .rows("contracts", &q)
            .map(|p| p.rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>())
    };
    let f = |field: &str, op: FilterOp| Filter {
        field: field.to_string(),
        op,
    };
    let ids = |ids: &[&str]| {
        ids.iter()
            .map(|i| Value::Text(i.to_string()))
            .collect::<Vec<_>>()
    };
    // 7 < 10 < 25 as numbers, though "7" > "25" as text.
    assert_eq!(
        query(vec![f("value", FilterOp::Gte("8".into()))]).unwrap(),
        ids(&["a", "b"])
    );
    assert_eq!(
        query(vec![f("value", FilterOp::Lt("10".into()))]).unwrap(),
        ids(&["d"])
    );
    assert_eq!(
        query(vec![f("title", FilterOp::Contains("ELT".into()))]).unwrap(),
        ids(&["d"])
    );
    assert_eq!(
        query(vec![f("id", FilterOp::In(vec!["a".into(), "d".into()]))]).unwrap(),
        ids(&["a", "d"])
    );
    assert_eq!(
        query(vec![f("id", FilterOp::Ne("a".into()))]).unwrap(),
        ids(&["b", "d"])
    );
    assert_eq!(
        query(vec![f("value", FilterOp::IsNull(false))])
            .unwrap()
            .len(),
        3
    );
    let error = query(vec![f("nope", FilterOp::Eq("1".into()))]).unwrap_err();
    assert!(
        matches!(error, StoreError::BadQuery { ref valid_fields, .. } if valid_fields == &["id", "title", "value"])
    );
    assert!(matches!(
        query(vec![f("value", FilterOp::Gt("ten".into()))]),
        Err(StoreError::BadQuery { .. })
    ));
}

#[test]
fn a_keyset_walk_visits_every_row_once_in_any_sort() {
    let (_dir, store) = open();
    let rows: Vec<Row> = (0..57)
        .map(|i| {
            row(
                &format!("k{i:03}"),
                &format!("t{}", i % 5),
                (i % 4 != 0).then(|| format!("{}.5", i % 9)).as_deref(),
            )
        })
        .collect();
    publish(&store, &schema(), rows);
    for sort in [
        vec![],
        vec![("value", true)],
        vec![("title", false), ("value", false)],
    ] {
        let sort: Vec<SortKey> = sort
            .iter()
            .map(|(f, d)| SortKey {
                field: f.to_string(),
                descending: *d,
            })
            .collect();
        let mut seen = Vec::new();
        let mut after: Option<Cursor> = None;
        loop {
            let query = RowQuery {
                version: 1,
                sort: sort.clone(),
                limit: 10,
                after: after.clone(),
                ..RowQuery::default()
            };
            let page = store.rows("contracts", &query).unwrap();
            seen.extend(page.rows.iter().map(|r| r[0].clone()));
            match page.next {
                Some(cursor) => after = Some(Cursor::decode(&cursor.encode()).unwrap()),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort_by_key(|v| format!("{v:?}"));
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (57, 57), "sort {sort:?}");
    }
}

#[test]
fn rows_by_key_as_of_any_version() {
    let (_dir, store) = open();
    two_versions(&store);
    assert_eq!(
        store.row_by_key("contracts", 1, &["b".into()]).unwrap(),
        Some(row("b", "Beta", Some("20.50")))
    );
    assert_eq!(
        store.row_by_key("contracts", 2, &["b".into()]).unwrap(),
        Some(row("b", "Beta", Some("25.00")))
    );
    assert_eq!(
        store.row_by_key("contracts", 2, &["c".into()]).unwrap(),
        None
    );
}

#[test]
fn schema_changes_are_recorded_and_old_versions_keep_their_schema() {
    let (_dir, store) = open();
    publish(&store, &schema(), vec![row("a", "Alpha", Some("1"))]);
    let mut wider = schema();
    wider.fields.push(Field::new("cpv", FieldType::Text, true));
    wider.fields.retain(|f| f.name != "value");
    publish(
        &store,
        &wider,
        vec![vec![
            Value::Text("a".into()),
            Value::Text("Alpha".into()),
            Value::Text("45233142".into()),
        ]],
    );
    let v2 = store.version("contracts", 2).unwrap();
    assert_eq!(
        v2.schema_changes,
        vec![
            SchemaChange::FieldAdded {
                field: "cpv".into(),
                r#type: FieldType::Text
            },
            SchemaChange::FieldRemoved {
                field: "value".into()
            }
        ]
    );
    assert_eq!(all_rows(&store, 1), vec![row("a", "Alpha", Some("1"))]);
}

#[test]
fn downloads_are_written_and_regenerated_when_missing() {
    let (dir, store) = open();
    two_versions(&store);
    let v2 = store.version("contracts", 2).unwrap();
    let csv_path = store.export_path("contracts", &v2, ExportFormat::Csv, Compression::Identity);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(
        csv,
        "id,title,value\r\na,Alpha,10.00\r\nb,Beta,25.00\r\nd,Delta,7\r\n"
    );
    let bom = std::fs::read(store.export_path(
        "contracts",
        &v2,
        ExportFormat::CsvBom,
        Compression::Identity,
    ))
    .unwrap();
    assert_eq!(&bom[..3], b"\xEF\xBB\xBF");
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(store.export_path(
            "contracts",
            &v2,
            ExportFormat::Json,
            Compression::Identity,
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(json[1]["value"], "25.00");

    // Compressed copies come afterwards, and only once.
    let gz_path = store.export_path("contracts", &v2, ExportFormat::Csv, Compression::Gzip);
    assert!(!gz_path.exists());
    assert_eq!(store.compress_pending().unwrap(), 2, "both versions");
    assert_eq!(store.compress_pending().unwrap(), 0);
    let mut gz = flate2::read::GzDecoder::new(std::fs::File::open(&gz_path).unwrap());
    let mut unzipped = String::new();
    std::io::Read::read_to_string(&mut gz, &mut unzipped).unwrap();
    assert_eq!(unzipped, csv);

    std::fs::remove_file(&csv_path).unwrap();
    drop(store);
    let reopened = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(reopened.export_path(
            "contracts",
            &v2,
            ExportFormat::Csv,
            Compression::Identity
        ))
        .unwrap(),
        csv
    );
}

#[test]
fn a_merge_keeps_the_rows_a_run_did_not_emit() {
    let (_dir, store) = open();
    publish(
        &store,
        &schema(),
        vec![row("a", "Alpha", Some("1")), row("b", "Beta", Some("2"))],
    );
    // An incremental run brings one changed row and one new one.
    let merged = publish_as(
        &store,
        &schema(),
        vec![row("b", "Beta", Some("2.50")), row("c", "Gamma", None)],
        true,
    )
    .unwrap();
    let PublishOutcome::Published(version) = merged else {
        panic!("{merged:?}")
    };
    assert_eq!(version.row_count, 3);
    assert_eq!(
        all_rows(&store, 2),
        vec![
            row("a", "Alpha", Some("1")),
            row("b", "Beta", Some("2.50")),
            row("c", "Gamma", None)
        ]
    );
    let changes = store.changes("contracts", 1, 2).unwrap();
    assert_eq!(changes.added.len(), 1);
    assert_eq!(changes.changed.len(), 1);
    assert!(changes.removed.is_empty(), "a merge never removes");

    // Nothing new: unchanged, as with a snapshot.
    let again = publish_as(&store, &schema(), vec![row("c", "Gamma", None)], true).unwrap();
    assert!(
        matches!(again, PublishOutcome::Unchanged(ref v) if v.number == 2),
        "{again:?}"
    );
    // The exports hold the merged rows.
    let csv = std::fs::read_to_string(store.export_path(
        "contracts",
        &version,
        ExportFormat::Csv,
        Compression::Identity,
    ))
    .unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");

    // A snapshot (a full refresh) replaces everything.
    publish(&store, &schema(), vec![row("a", "Alpha", Some("1"))]);
    assert_eq!(all_rows(&store, 3), vec![row("a", "Alpha", Some("1"))]);
}

#[test]
fn each_version_counts_its_quality_measures_over_all_its_rows() {
    let (_dir, store) = open();
    let measure = |name: &str, any_of: &[(&str, &str)]| QualityMeasure {
        name: name.to_string(),
        description: String::new(),
        any_of: any_of
            .iter()
            .map(|(f, v)| (f.to_string(), v.to_string()))
            .collect(),
    };
    let measures = vec![
        // A field the schema lacks is left out of a measure…
        measure("untitled", &[("title", "?"), ("nowhere", "x")]),
        // …and a measure with no field left is not counted.
        measure("absent", &[("nowhere", "x")]),
    ];
    let published = |outcome: Result<PublishOutcome, StoreError>| match outcome.unwrap() {
        PublishOutcome::Published(version) => version,
        other => panic!("{other:?}"),
    };
    let v1 = published(publish_measured(
        &store,
        &schema(),
        vec![row("a", "?", None), row("b", "Beta", None)],
        false,
        measures.clone(),
    ));
    assert_eq!(v1.quality, BTreeMap::from([("untitled".to_string(), 1)]));
    // A merge counts the rows it carries over as well as the new ones.
    let v2 = published(publish_measured(
        &store,
        &schema(),
        vec![row("c", "?", None)],
        true,
        measures.clone(),
    ));
    assert_eq!(v2.quality, BTreeMap::from([("untitled".to_string(), 2)]));
    // A fixed row no longer counts.
    let v3 = published(publish_measured(
        &store,
        &schema(),
        vec![row("a", "Alpha", None), row("c", "?", None)],
        false,
        measures,
    ));
    assert_eq!(v3.quality["untitled"], 1);
    // Each version keeps its own counts.
    assert_eq!(
        store.version("contracts", 2).unwrap().quality["untitled"],
        2
    );
    assert_eq!(
        store.versions("contracts").unwrap()[0].quality["untitled"],
        1
    );
}

#[test]
fn a_merge_across_a_schema_change_is_refused() {
    let (_dir, store) = open();
    publish(&store, &schema(), vec![row("a", "Alpha", Some("1"))]);
    let mut wider = schema();
    wider.fields.push(Field::new("note", FieldType::Text, true));
    let mut new_row = row("b", "Beta", None);
    new_row.push(Value::Null);
    let error = publish_as(&store, &wider, vec![new_row], true).unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    assert!(error.to_string().contains("--full-refresh"), "{error}");
    assert_eq!(
        store.versions("contracts").unwrap().len(),
        1,
        "nothing published"
    );
}

fn search(store: &SqliteStore, version: u64, text: &str, extra: RowQuery) -> Vec<String> {
    let query = RowQuery {
        version,
        text: Some(text.to_string()),
        limit: 1000,
        ..extra
    };
    store
        .rows("contracts", &query)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| match &r[0] {
            Value::Text(id) => id.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn full_text_search_folds_case_script_and_endings_on_any_version() {
    let (_dir, store) = open();
    publish(
        &store,
        &schema(),
        vec![
            row("1", "Проект „Зелен Бургас“: паркове", Some("100")),
            row("2", "Ремонт на училища в Бургас", Some("200")),
            row("3", "Зелени площи в Меден рудник", Some("300")),
        ],
    );
    let any = RowQuery::default;
    assert_eq!(search(&store, 1, "Зелен Бургас", any()), ["1"]);
    assert_eq!(search(&store, 1, "zelen burgas", any()), ["1"]);
    // The last word may be unfinished; the others are whole words.
    assert_eq!(search(&store, 1, "зелен бург", any()), ["1"]);
    assert!(search(&store, 1, "зел бургас", any()).is_empty());
    assert_eq!(search(&store, 1, "ЗЕЛЕН", any()), ["1", "3"]);
    assert_eq!(search(&store, 1, "ремонти", any()), ["2"]);
    assert_eq!(search(&store, 1, "burgas", any()), ["1", "2"]);
    assert!(search(&store, 1, "Варна", any()).is_empty());
    // Text without words, and FTS5 syntax, match nothing rather than fail.
    assert!(search(&store, 1, " -* ", any()).is_empty());
    assert!(search(&store, 1, "NEAR(\"x", any()).is_empty());
    // Combined with a filter and a sort.
    let filtered = RowQuery {
        filters: vec![Filter {
            field: "value".to_string(),
            op: FilterOp::Gte("150".to_string()),
        }],
        sort: vec![SortKey {
            field: "value".to_string(),
            descending: true,
        }],
        ..any()
    };
    assert_eq!(search(&store, 1, "зелен", filtered), ["3"]);

    // Version 2 renames row 1 and drops row 3: the search of each version
    // sees that version's text.
    publish(
        &store,
        &schema(),
        vec![
            row("1", "Паркове на Бургас", Some("100")),
            row("2", "Ремонт на училища в Бургас", Some("200")),
        ],
    );
    assert!(search(&store, 2, "зелен", any()).is_empty());
    assert_eq!(search(&store, 1, "зелен", any()), ["1", "3"]);
    assert_eq!(search(&store, 2, "паркове", any()), ["1"]);
    assert_eq!(search(&store, 1, "паркове", any()), ["1"]);
}

/// Walks every page of a search; both plans (few matches fetched by
/// `rid`, many walked in key order) must give every match once, in order.
fn walk_search(store: &SqliteStore, text: &str, limit: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .rows(
                "contracts",
                &RowQuery {
                    version: 1,
                    text: Some(text.to_string()),
                    limit,
                    after: after.take(),
                    ..RowQuery::default()
                },
            )
            .unwrap();
        seen.extend(page.rows.iter().map(|r| r[0].clone()));
        match page.next {
            Some(cursor) => after = Some(cursor),
            None => return seen,
        }
    }
}

#[test]
fn a_full_text_walk_visits_every_match_once() {
    let (_dir, store) = open();
    // 2,400 rows about asphalt (the common-words plan), 40 about a
    // bridge (the lookup plan).
    let rows: Vec<Row> = (0..7_200)
        .map(|i| {
            let title = match i {
                i if i % 180 == 7 => "Ремонт на мост",
                i if i % 3 == 0 => "Договор за асфалт",
                _ => "Договор за ток",
            };
            row(&format!("{i:05}"), title, Some(&i.to_string()))
        })
        .collect();
    publish(&store, &schema(), rows);
    let ids = |pick: &dyn Fn(i32) -> bool| -> Vec<Value> {
        (0..7_200)
            .filter(|i| pick(*i))
            .map(|i| Value::Text(format!("{i:05}")))
            .collect()
    };
    let asphalt = ids(&|i| i % 3 == 0 && i % 180 != 7);
    assert!(asphalt.len() > super::read::COMMON_WORDS);
    assert_eq!(walk_search(&store, "асфалт", 97), asphalt);
    assert_eq!(walk_search(&store, "мост", 7), ids(&|i| i % 180 == 7));
}

#[test]
fn a_store_written_before_the_index_is_upgraded_and_searchable() {
    let (dir, store) = open();
    two_versions(&store);
    drop(store);
    // Put the database back as it was before the index: rows in a table
    // without `rid`, no index, and the schema version before it.
    let conn = rusqlite::Connection::open(dir.path().join("vitrina.sqlite3")).unwrap();
    conn.execute_batch(
        "DROP TABLE \"text:contracts\";
         CREATE TABLE old AS SELECT row_key, row_hash, valid_from, valid_to, f_id, f_title, f_value FROM \"rows:contracts\";
         DROP TABLE \"rows:contracts\";
         CREATE TABLE \"rows:contracts\" (row_key TEXT NOT NULL, row_hash BLOB NOT NULL, valid_from INTEGER NOT NULL, valid_to INTEGER, f_id, f_title, f_value, PRIMARY KEY (row_key, valid_from));
         INSERT INTO \"rows:contracts\" SELECT * FROM old;
         DROP TABLE old;
         PRAGMA user_version = 5;",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(all_rows(&store, 1).len(), 3);
    assert_eq!(all_rows(&store, 2).len(), 3);
    for version in [1, 2] {
        store.verify("contracts", version).unwrap();
    }
    assert_eq!(search(&store, 1, "gamma", RowQuery::default()), ["c"]);
    assert!(search(&store, 2, "gamma", RowQuery::default()).is_empty());
    assert_eq!(search(&store, 2, "Delta", RowQuery::default()), ["d"]);
    // The next publish adds to the upgraded index.
    publish(&store, &schema(), vec![row("e", "Epsilon", None)]);
    assert_eq!(search(&store, 3, "epsilon", RowQuery::default()), ["e"]);
}

#[test]
fn each_version_counts_the_rows_it_added_removed_and_changed() {
    let (dir, store) = open();
    two_versions(&store);
    let counts = |store: &SqliteStore| -> Vec<RowChanges> {
        store
            .versions("contracts")
            .unwrap()
            .iter()
            .map(|v| v.row_changes)
            .collect()
    };
    let expected = vec![
        RowChanges {
            added: 3,
            removed: 0,
            changed: 0,
        },
        // b changed, d added, c removed.
        RowChanges {
            added: 1,
            removed: 1,
            changed: 1,
        },
    ];
    assert_eq!(counts(&store), expected);
    // A store from before the counts gets them from the rows' ranges.
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("vitrina.sqlite3")).unwrap();
    conn.execute_batch(
        "UPDATE versions SET row_changes = '{\"added\":0,\"removed\":0,\"changed\":0}';
         PRAGMA user_version = 5;",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(counts(&store), expected);
}

#[test]
fn a_row_history_lists_every_state_with_its_versions() {
    let (_dir, store) = open();
    two_versions(&store);
    publish(&store, &schema(), vec![row("b", "Beta", Some("30"))]);
    let history = store.row_history("contracts", &["b".to_string()]).unwrap();
    let spans: Vec<(u64, Option<u64>, Value)> = history
        .iter()
        .map(|s| (s.from, s.until, s.row[2].clone()))
        .collect();
    assert_eq!(
        spans,
        [
            (1, Some(2), Value::Decimal("20.50".into())),
            (2, Some(3), Value::Decimal("25.00".into())),
            (3, None, Value::Decimal("30".into())),
        ]
    );
    let gone = store.row_history("contracts", &["c".to_string()]).unwrap();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].until, Some(2));
    assert!(
        store
            .row_history("contracts", &["zz".to_string()])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_read_stops_past_its_budget_or_when_its_requester_has_gone() {
    use crate::store::interrupt::{self, Scope};
    use std::time::Duration;
    let (_dir, store) = open();
    let rows: Vec<Row> = (0..5_000)
        .map(|i| {
            row(
                &format!("{i:05}"),
                "Договор за асфалт",
                Some(&i.to_string()),
            )
        })
        .collect();
    publish(&store, &schema(), rows);
    // A scan of every row: far more SQLite steps than one look's worth.
    let scan = RowQuery {
        version: 1,
        filters: vec![Filter {
            field: "title".to_string(),
            op: FilterOp::Contains("нищо такова".to_string()),
        }],
        limit: 10,
        ..RowQuery::default()
    };
    let spent = Scope::new(Duration::ZERO);
    let result = interrupt::within(spent, || store.rows("contracts", &scan));
    assert!(
        matches!(result, Err(StoreError::OverBudget(budget)) if budget == Duration::ZERO),
        "{result:?}"
    );
    let gone = Scope::new(Duration::from_secs(60));
    gone.gone.store(true, std::sync::atomic::Ordering::Relaxed);
    let result = interrupt::within(gone, || store.rows("contracts", &scan));
    assert!(
        matches!(result, Err(StoreError::RequesterGone)),
        "{result:?}"
    );
    // The connection goes back to the pool clean: the next reads, in a
    // generous scope and in none, answer.
    let fine = interrupt::within(Scope::new(Duration::from_secs(60)), || {
        store.rows("contracts", &scan)
    });
    assert!(fine.unwrap().rows.is_empty());
    assert_eq!(all_rows(&store, 1).len(), 1000);
}

#[test]
fn decimals_compare_exactly_at_any_length() {
    let (dir, store) = open();
    // Equal as f64: they differ only in the 17th significant digit.
    let rows = vec![
        row("a", "a", Some("12345678901234567.3")),
        row("b", "b", Some("12345678901234567.1")),
        row("c", "c", Some("12345678901234567.2")),
        row("d", "d", Some("-12345678901234567.2")),
        row("e", "e", Some("1.50")),
    ];
    assert_eq!(
        "12345678901234567.1".parse::<f64>().unwrap(),
        "12345678901234567.3".parse::<f64>().unwrap()
    );
    publish(&store, &schema(), rows);
    let ids = |store: &SqliteStore, filters: Vec<Filter>, descending: bool| -> Vec<String> {
        let query = RowQuery {
            version: 1,
            filters,
            sort: vec![SortKey {
                field: "value".to_string(),
                descending,
            }],
            limit: 2,
            ..RowQuery::default()
        };
        // Walk with a cursor, two rows a page: the cursor carries the keys.
        let mut out = Vec::new();
        let mut query = query;
        loop {
            let page = store.rows("contracts", &query).unwrap();
            out.extend(page.rows.iter().map(|r| match &r[0] {
                Value::Text(id) => id.clone(),
                other => panic!("{other:?}"),
            }));
            match page.next {
                Some(cursor) => query.after = Some(cursor),
                None => return out,
            }
        }
    };
    let gte = |v: &str| Filter {
        field: "value".to_string(),
        op: FilterOp::Gte(v.to_string()),
    };
    let check = |store: &SqliteStore| {
        assert_eq!(ids(store, Vec::new(), false), ["d", "e", "b", "c", "a"]);
        assert_eq!(ids(store, Vec::new(), true), ["a", "c", "b", "e", "d"]);
        assert_eq!(
            ids(store, vec![gte("12345678901234567.2")], false),
            ["c", "a"]
        );
        let equal = Filter {
            field: "value".to_string(),
            op: FilterOp::Eq("1.5".to_string()),
        };
        assert_eq!(ids(store, vec![equal], false), ["e"]);
    };
    check(&store);
    // A store written before the keys gets them when it opens.
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("vitrina.sqlite3")).unwrap();
    conn.execute_batch(
        "ALTER TABLE \"rows:contracts\" DROP COLUMN k_value;
         PRAGMA user_version = 6;",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(dir.path()).unwrap();
    check(&store);
}

/// A table of every kind of field, with NULLs, ties, Cyrillic text and
/// decimals apart only in their 17th digit.
fn mixed_schema() -> StreamSchema {
    StreamSchema {
        name: "contracts".to_string(),
        description: String::new(),
        fields: vec![
            Field::new("id", FieldType::Text, false),
            Field::new("kind", FieldType::Text, true),
            Field::new("n", FieldType::Integer, true),
            Field::new("amount", FieldType::Decimal, true),
            Field::new("day", FieldType::Date, true),
            Field::new("flag", FieldType::Boolean, true),
        ],
        primary_key: vec!["id".to_string()],
    }
}

const KINDS: [&str; 6] = ["a", "b", "Б", "б", "aa", ""];
const AMOUNTS: [&str; 7] = [
    "1",
    "1.5",
    "-2",
    "12345678901234567",
    "12345678901234568",
    "0.10",
    "100",
];

/// Rows drawn from a small generator seeded by `seed`, so every field has
/// ties and NULLs.
fn mixed_rows(count: usize, seed: u64) -> Vec<Row> {
    let mut state = seed;
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    (0..count)
        .map(|i| {
            let mut maybe = |v: Value| if next(5) == 0 { Value::Null } else { v };
            let kind = Value::Text(KINDS[(i * 7 + 3) % KINDS.len()].to_string());
            let n = Value::Integer(i as i64 % 7 - 3);
            let amount = Value::Decimal(AMOUNTS[(i * 5 + 1) % AMOUNTS.len()].to_string());
            let day = Value::Date(format!("2024-01-0{}", 1 + i % 9));
            let flag = Value::Boolean(i % 3 == 0);
            vec![
                Value::Text(format!("r{:03}", (i * 37) % 1000)),
                maybe(kind),
                maybe(n),
                maybe(amount),
                maybe(day),
                maybe(flag),
            ]
        })
        .collect()
}

/// Every page of `query`, following cursors through their text form as
/// a client would, by SQL or through `columns`.
fn every_page(
    store: &SqliteStore,
    query: &RowQuery,
    columns: Option<&super::columns::ColumnIndex>,
) -> Vec<(Vec<Row>, Option<Cursor>)> {
    let version = store.version("contracts", query.version).unwrap();
    let mut pages = Vec::new();
    let mut query = query.clone();
    loop {
        let page = store
            .with_reader(|conn| {
                if let Some(index) = columns {
                    // The columns answer this query themselves, not SQL.
                    let sort = super::read::resolve_sort(&version.schema, &query.sort)?;
                    let selection = super::read::selection(&version.schema, &query, &sort)?
                        .expect("a query the columns answer");
                    assert!(
                        index
                            .select(conn, "contracts", version.number, &selection)?
                            .is_some()
                    );
                }
                super::read::rows(conn, &version, &query, columns)
            })
            .unwrap();
        let next = page
            .next
            .as_ref()
            .map(|c| Cursor::decode(&c.encode()).unwrap());
        pages.push((page.rows, next.clone()));
        match next {
            Some(cursor) => query.after = Some(cursor),
            None => return pages,
        }
    }
}

fn query_strategy() -> impl proptest::strategy::Strategy<Value = RowQuery> {
    use proptest::prelude::*;
    let operand = prop_oneof![
        (
            prop::sample::select(vec!["kind"]),
            prop::sample::select(KINDS.to_vec()).prop_map(String::from)
        ),
        (prop::sample::select(vec!["kind"]), Just("a0".to_string())),
        (
            prop::sample::select(vec!["n"]),
            (-4i64..5).prop_map(|n| n.to_string())
        ),
        (
            prop::sample::select(vec!["amount"]),
            prop::sample::select(AMOUNTS.to_vec()).prop_map(String::from)
        ),
        (
            prop::sample::select(vec!["amount"]),
            Just("12345678901234567.5".to_string())
        ),
        (
            prop::sample::select(vec!["day"]),
            (0u32..11).prop_map(|d| format!("2024-01-{d:02}").replace("-00", "-01"))
        ),
        (
            prop::sample::select(vec!["flag"]),
            prop::sample::select(vec!["true", "false"]).prop_map(String::from)
        ),
    ];
    let filter = (operand.clone(), operand, 0u8..8, any::<bool>()).prop_map(
        |((field, value), (other_field, other), op, null)| {
            let op = match op {
                0 => FilterOp::Eq(value),
                1 => FilterOp::Ne(value),
                2 => FilterOp::Gt(value),
                3 => FilterOp::Gte(value),
                4 => FilterOp::Lt(value),
                5 => FilterOp::Lte(value),
                6 if other_field == field => FilterOp::In(vec![value, other]),
                6 => FilterOp::In(vec![value]),
                _ => FilterOp::IsNull(null),
            };
            Filter {
                field: field.to_string(),
                op,
            }
        },
    );
    let sort_key = (
        prop::sample::select(vec!["id", "kind", "n", "amount", "day", "flag"]),
        any::<bool>(),
    )
        .prop_map(|(field, descending)| SortKey {
            field: field.to_string(),
            descending,
        });
    (
        1u64..3,
        prop::collection::vec(filter, 0..3),
        prop::collection::vec(sort_key, 0..3),
        1usize..9,
    )
        .prop_map(|(version, filters, sort, limit)| RowQuery {
            version,
            filters,
            sort,
            limit,
            ..RowQuery::default()
        })
}

#[test]
fn the_column_index_answers_every_page_as_sql_does() {
    let (_dir, store) = open();
    let schema = mixed_schema();
    publish(&store, &schema, mixed_rows(80, 1));
    // The second version changes, drops and adds rows, so the columns of
    // each version must pick that version's rows.
    let mut second = mixed_rows(80, 2);
    second.truncate(70);
    second.extend(mixed_rows(95, 3).into_iter().skip(80));
    publish(&store, &schema, second);
    // One index per version, kept across queries as the server keeps it.
    let indexes = [
        super::columns::ColumnIndex::default(),
        super::columns::ColumnIndex::default(),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 400,
        ..Default::default()
    });
    runner
        .run(&query_strategy(), |query| {
            let index = &indexes[query.version as usize - 1];
            let by_sql = every_page(&store, &query, None);
            let by_columns = every_page(&store, &query, Some(index));
            proptest::prop_assert_eq!(by_sql, by_columns, "query {:?}", query);
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_column_index_leaves_older_versions_and_words_to_sql() {
    let (_dir, store) = open();
    let schema = mixed_schema();
    publish(&store, &schema, mixed_rows(20, 1));
    publish(&store, &schema, mixed_rows(20, 2));
    let index = super::columns::ColumnIndex::default();
    let selection = super::columns::Selection {
        limit: 5,
        ..Default::default()
    };
    store
        .with_reader(|conn| {
            assert!(index.select(conn, "contracts", 2, &selection)?.is_some());
            // Version 2 is held: version 1 goes to SQL.
            assert!(index.select(conn, "contracts", 1, &selection)?.is_none());
            let version = store.version("contracts", 2)?;
            let words = RowQuery {
                version: 2,
                text: Some("a".into()),
                limit: 5,
                ..RowQuery::default()
            };
            let sort = super::read::resolve_sort(&version.schema, &words.sort)?;
            assert!(super::read::selection(&version.schema, &words, &sort)?.is_none());
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_column_index_stays_within_its_budget() {
    let (_dir, store) = open();
    publish(&store, &mixed_schema(), mixed_rows(200, 1));
    // Too small for even the rows' order: every page goes to SQL.
    let index = super::columns::ColumnIndex::new(1024);
    let selection = super::columns::Selection {
        limit: 5,
        ..Default::default()
    };
    let answered = store
        .with_reader(|conn| index.select(conn, "contracts", 1, &selection))
        .unwrap();
    assert!(answered.is_none());
}

/// A derived file that lists the ids of the rows it reads, one per line,
/// and fails after `fail_after` rows when given.
struct IdList {
    name: &'static str,
    fail_after: Option<usize>,
}

impl crate::store::DerivedFile for IdList {
    fn name(&self) -> &'static str {
        self.name
    }

    fn write(
        &self,
        out: &mut (dyn std::io::Write + Send),
        _version: &crate::store::VersionFacts,
        _schema: &StreamSchema,
        rows: &mut crate::store::RowSource<'_>,
    ) -> Result<(), StoreError> {
        let mut seen = 0;
        rows(&mut |row| {
            if self.fail_after == Some(seen) {
                return Err(std::io::Error::other("the renderer gave up"));
            }
            seen += 1;
            match &row[0] {
                Value::Text(id) => writeln!(out, "{id}"),
                other => writeln!(out, "{other:?}"),
            }
        })
    }
}

fn publish_with(
    store: &SqliteStore,
    rows: Vec<Row>,
    derived: Vec<std::sync::Arc<dyn crate::store::DerivedFile>>,
) -> Result<PublishOutcome, StoreError> {
    let mut staging = store.stage("contracts", &schema()).unwrap();
    staging.write(rows).unwrap();
    staging.publish(PublishRequest {
        derived,
        ..request(false, Vec::new())
    })
}

#[test]
fn derived_files_get_every_row_in_key_order_beside_the_downloads() {
    let (dir, store) = open();
    // More rows than a batch, in an order that is not the key order.
    let rows: Vec<Row> = (0..2_500)
        .rev()
        .map(|i| row(&format!("k{i:05}"), "t", None))
        .collect();
    let first = std::sync::Arc::new(IdList {
        name: "ids.txt",
        fail_after: None,
    });
    let second = std::sync::Arc::new(IdList {
        name: "ids-again.txt",
        fail_after: None,
    });
    let PublishOutcome::Published(version) =
        publish_with(&store, rows, vec![first, second]).unwrap()
    else {
        panic!("not published");
    };
    let expected: String = (0..2_500).map(|i| format!("k{i:05}\n")).collect();
    let folder = std::fs::read_dir(dir.path().join("exports/contracts"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for name in ["ids.txt", "ids-again.txt"] {
        assert_eq!(
            std::fs::read_to_string(folder.join(name)).unwrap(),
            expected
        );
    }
    assert_eq!(version.row_count, 2_500);
    assert!(folder.join("data.csv").is_file());
}

#[test]
fn a_derived_file_failing_mid_way_is_never_served_and_stays_pending() {
    let (_dir, store) = open();
    let rows: Vec<Row> = (0..3_000)
        .map(|i| row(&format!("k{i:05}"), "t", None))
        .collect();
    let failing: std::sync::Arc<dyn crate::store::DerivedFile> = std::sync::Arc::new(IdList {
        name: "ids.txt",
        fail_after: Some(1_500),
    });
    // The rows and downloads go live; the file that failed does not.
    publish_with(&store, rows, vec![failing.clone()]).unwrap();
    let version = store.version("contracts", 1).unwrap();
    let file = |store: &SqliteStore| {
        store
            .read_file("contracts", &version, "ids.txt", Compression::Identity)
            .unwrap()
    };
    assert_eq!(file(&store), None, "half a file is never served");
    assert_eq!(store.pending("contracts", 1).unwrap(), ["ids.txt"]);
    assert_eq!(all_rows(&store, 1).len(), 1000);
    // Trying again with the failing renderer changes nothing; a working
    // one writes the file whole and strikes it from the list.
    assert!(store.complete_pending("contracts", &[failing]).is_err());
    assert_eq!(store.pending("contracts", 1).unwrap(), ["ids.txt"]);
    let working: std::sync::Arc<dyn crate::store::DerivedFile> = std::sync::Arc::new(IdList {
        name: "ids.txt",
        fail_after: None,
    });
    assert_eq!(store.complete_pending("contracts", &[working]).unwrap(), 1);
    assert!(store.pending("contracts", 1).unwrap().is_empty());
    let written = file(&store).expect("the file, once written");
    assert_eq!(
        written
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        3_000
    );
}

/// A file that names the portal's address, as the OCDS packages do, and
/// runs `meanwhile` halfway through writing it.
struct Addressed {
    base: &'static str,
    meanwhile: Box<dyn Fn() + Send + Sync>,
}

impl crate::store::DerivedFile for Addressed {
    fn name(&self) -> &'static str {
        crate::derived::OCDS
    }

    fn address(&self) -> Option<&str> {
        Some(self.base)
    }

    fn write(
        &self,
        out: &mut (dyn std::io::Write + Send),
        _version: &crate::store::VersionFacts,
        _schema: &StreamSchema,
        _rows: &mut crate::store::RowSource<'_>,
    ) -> Result<(), StoreError> {
        (self.meanwhile)();
        write!(out, "{}", self.base).map_err(|e| StoreError::Write {
            file: self.name().into(),
            source: e,
        })
    }
}

#[test]
fn a_file_written_while_the_portal_moved_is_left_for_the_writer_with_the_new_address() {
    let (dir, store) = open();
    let names = [crate::derived::OCDS];
    let writer = |base: &'static str| -> std::sync::Arc<dyn crate::store::DerivedFile> {
        std::sync::Arc::new(Addressed {
            base,
            meanwhile: Box::new(|| {}),
        })
    };
    publish_with(
        &store,
        vec![row("a", "t", None)],
        vec![writer("https://old")],
    )
    .unwrap();
    assert_eq!(
        store.readdress("contracts", "https://old", &names).unwrap(),
        1
    );
    assert_eq!(
        store
            .complete_pending("contracts", &[writer("https://old")])
            .unwrap(),
        1
    );
    assert_eq!(
        store.readdress("contracts", "https://old", &names).unwrap(),
        0
    );
    // The portal moves, and moves again while the first rewrite is busy:
    // the second move still counts the file, being written already.
    assert_eq!(
        store.readdress("contracts", "https://mid", &names).unwrap(),
        1
    );
    let racing: std::sync::Arc<dyn crate::store::DerivedFile> = std::sync::Arc::new(Addressed {
        base: "https://mid",
        meanwhile: Box::new({
            let path = dir.path().to_path_buf();
            move || {
                let reload = SqliteStore::open(&path).unwrap();
                let moved = reload.readdress("contracts", "https://new", &[crate::derived::OCDS]);
                assert_eq!(moved.unwrap(), 1);
            }
        }),
    });
    assert_eq!(store.complete_pending("contracts", &[racing]).unwrap(), 0);
    assert_eq!(store.pending("contracts", 1).unwrap(), names);
    assert_eq!(
        store
            .complete_pending("contracts", &[writer("https://new")])
            .unwrap(),
        1
    );
    assert!(store.pending("contracts", 1).unwrap().is_empty());
    let version = store.version("contracts", 1).unwrap();
    let file = store
        .read_file(
            "contracts",
            &version,
            crate::derived::OCDS,
            Compression::Identity,
        )
        .unwrap()
        .unwrap();
    assert_eq!(&file[..], b"https://new");
}

#[test]
fn a_version_goes_live_before_its_search_index_and_a_search_waits_for_it() {
    let (dir, store) = open();
    let mut staging = store.stage("contracts", &schema()).unwrap();
    staging
        .write(vec![row("a", "Зелен Бургас", None), row("b", "Beta", None)])
        .unwrap();
    staging
        .publish(PublishRequest {
            defer: true,
            ..request(false, Vec::new())
        })
        .unwrap();
    // Live: its rows answer, a search says to come back.
    assert_eq!(all_rows(&store, 1).len(), 2);
    let query = RowQuery {
        version: 1,
        text: Some("бургас".into()),
        limit: 10,
        ..RowQuery::default()
    };
    let error = store.rows("contracts", &query).unwrap_err();
    assert!(matches!(error, StoreError::Pending(_)), "{error}");
    assert_eq!(store.pending("contracts", 1).unwrap(), ["search"]);
    // A process that stops here leaves it to the store, when it opens.
    drop(store);
    let store = SqliteStore::open(dir.path()).unwrap();
    assert!(store.pending("contracts", 1).unwrap().is_empty());
    assert_eq!(search(&store, 1, "бургас", RowQuery::default()), ["a"]);
}

#[test]
fn a_new_version_can_be_prepared_before_its_first_page() {
    let (_dir, store) = open();
    publish(&store, &mixed_schema(), mixed_rows(50, 1));
    assert_eq!(store.columns.held(), 0);
    store.prepare_reads("contracts", 1);
    // The rows' key order (16 bytes a row) and a column (8 bytes a row,
    // and its distinct values) for each of `n`, `amount`, `day` and `flag`.
    assert!(
        store.columns.held() > 50 * (16 + 4 * 8),
        "{}",
        store.columns.held()
    );
    // A page on them then reads no column it has to build.
    let before = store.columns.held();
    let page = store
        .rows(
            "contracts",
            &RowQuery {
                version: 1,
                filters: vec![Filter {
                    field: "n".into(),
                    op: FilterOp::Gte("0".into()),
                }],
                sort: vec![SortKey {
                    field: "amount".into(),
                    descending: true,
                }],
                limit: 5,
                ..RowQuery::default()
            },
        )
        .unwrap();
    assert_eq!(page.rows.len(), 5);
    assert_eq!(store.columns.held(), before);
    // An unknown dataset is no error, only nothing to prepare.
    store.prepare_reads("nobody", 1);
}

/// The second stream of the contracts plugin: lots, keyed by contract and
/// lot number.
fn lots_schema() -> StreamSchema {
    StreamSchema {
        name: "lots".to_string(),
        description: "One lot of a contract.".to_string(),
        fields: vec![
            Field::new("contract", FieldType::Text, false),
            Field::new("lot", FieldType::Integer, false),
            Field::new("title", FieldType::Text, false),
        ],
        primary_key: vec!["contract".to_string(), "lot".to_string()],
    }
}

fn lot(contract: &str, n: i64, title: &str) -> Row {
    vec![
        Value::Text(contract.to_string()),
        Value::Integer(n),
        Value::Text(title.to_string()),
    ]
}

/// Publishes contracts and lots together.
fn publish_tables(
    store: &SqliteStore,
    contracts: Vec<Row>,
    lots: Option<Vec<Row>>,
) -> Result<PublishOutcome, StoreError> {
    let mut streams = vec![schema()];
    streams.extend(lots.is_some().then(lots_schema));
    let mut staging = store.stage_tables("contracts", &streams).unwrap();
    staging.write_table(0, contracts).unwrap();
    if let Some(lots) = lots {
        staging.write_table(1, lots).unwrap();
    }
    staging.publish(request(false, Vec::new()))
}

fn lot_rows(store: &SqliteStore, version: u64) -> Vec<Row> {
    let query = RowQuery {
        version,
        limit: 1000,
        ..RowQuery::default()
    };
    store.rows("contracts.lots", &query).unwrap().rows
}

#[test]
fn every_table_of_a_dataset_is_one_version() {
    let (_dir, store) = open();
    let contracts = vec![row("a", "Alpha", Some("10.00")), row("b", "Beta", None)];
    let lots = vec![
        lot("a", 1, "Roads"),
        lot("a", 2, "Lights"),
        lot("b", 1, "Parks"),
    ];
    let first = publish_tables(&store, contracts.clone(), Some(lots.clone())).unwrap();
    assert!(matches!(first, PublishOutcome::Published(ref v) if v.number == 1));
    let tables = store.tables("contracts").unwrap();
    assert_eq!(tables.len(), 1);
    assert_eq!(
        (
            tables[0].dataset.as_str(),
            tables[0].number,
            tables[0].row_count
        ),
        ("contracts.lots", 1, 3)
    );
    assert_eq!(lot_rows(&store, 1), lots);
    // The catalog lists the dataset, never its tables.
    let listed: Vec<String> = store
        .datasets()
        .unwrap()
        .into_iter()
        .map(|d| d.meta.id)
        .collect();
    assert_eq!(listed, ["contracts"]);

    // The same rows again: nothing to publish.
    let again = publish_tables(&store, contracts.clone(), Some(lots.clone())).unwrap();
    assert!(matches!(again, PublishOutcome::Unchanged(ref v) if v.number == 1));

    // Only a lot changes: the dataset moves to version 2, both tables with it.
    let mut lots_2 = lots.clone();
    lots_2[1] = lot("a", 2, "Street lights");
    let second = publish_tables(&store, contracts.clone(), Some(lots_2.clone())).unwrap();
    let PublishOutcome::Published(v2) = second else {
        panic!("a changed lot is a new version: {second:?}");
    };
    assert_eq!(v2.number, 2);
    assert_eq!(v2.row_changes, RowChanges::default(), "no contract changed");
    let lots_v2 = store.version("contracts.lots", 2).unwrap();
    assert_eq!(
        lots_v2.row_changes,
        RowChanges {
            added: 0,
            removed: 0,
            changed: 1
        }
    );
    assert_eq!(lot_rows(&store, 2), lots_2);
    assert_eq!(lot_rows(&store, 1), lots, "version 1 of the table is kept");
    assert_eq!(all_rows(&store, 2), contracts);
    let changes = store.changes("contracts.lots", 1, 2).unwrap();
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(changes.changed[0].fields, ["title"]);
    // Each table has its own downloads.
    for id in ["contracts", "contracts.lots"] {
        let version = store.version(id, 2).unwrap();
        let csv = store
            .read_file(id, &version, "data.csv", Compression::Identity)
            .unwrap()
            .unwrap_or_else(|| panic!("{id} has its CSV"));
        assert!(!csv.is_empty());
    }
    store.verify("contracts.lots", 2).unwrap();
}

#[test]
fn a_staging_area_leaves_no_file_behind() {
    let (dir, store) = open();
    let staging_files = || {
        std::fs::read_dir(dir.path().join("staging"))
            .map(|entries| entries.count())
            .unwrap_or(0)
    };
    let mut staging = store.stage("contracts", &schema()).unwrap();
    staging.write(vec![row("a", "Alpha", None)]).unwrap();
    assert_eq!(staging_files(), 1, "rows are staged in a file of their own");
    // A run that fails drops its staging area.
    drop(staging);
    assert_eq!(staging_files(), 0);
    publish(&store, &schema(), vec![row("a", "Alpha", None)]);
    assert_eq!(staging_files(), 0);
    // A file a stopped process left is removed when the store opens.
    let abandoned = dir.path().join("staging/contracts.4194305.1.sqlite");
    std::fs::write(&abandoned, b"").unwrap();
    drop(store);
    let _store = SqliteStore::open(dir.path()).unwrap();
    if std::path::Path::new("/proc").is_dir() {
        assert!(!abandoned.exists());
    }
}

#[test]
fn a_stream_the_plugin_drops_leaves_the_current_version() {
    let (_dir, store) = open();
    let contracts = vec![row("a", "Alpha", Some("10.00"))];
    publish_tables(&store, contracts.clone(), Some(vec![lot("a", 1, "Roads")])).unwrap();
    // The plugin no longer declares lots: that alone is a change.
    let outcome = publish_tables(&store, contracts.clone(), None).unwrap();
    assert!(matches!(outcome, PublishOutcome::Published(ref v) if v.number == 2));
    assert!(store.tables("contracts").unwrap().is_empty());
    // Its versions stay readable.
    assert_eq!(lot_rows(&store, 1), [lot("a", 1, "Roads")]);
    // And it comes back with the stream.
    publish_tables(&store, contracts, Some(vec![lot("a", 1, "Roads")])).unwrap();
    let tables = store.tables("contracts").unwrap();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].number, 3);
}

#[test]
fn a_failed_publish_of_one_table_publishes_none() {
    let (dir, store) = open();
    let contracts = vec![row("a", "Alpha", Some("10.00"))];
    publish_tables(&store, contracts.clone(), Some(vec![lot("a", 1, "Roads")])).unwrap();
    // The lots table's folder for version 2 cannot be made: a file sits
    // where its dataset's folder of exports would be.
    let exports = dir.path().join("exports").join("contracts.lots");
    std::fs::remove_dir_all(&exports).unwrap();
    std::fs::write(&exports, b"in the way").unwrap();
    let failed = publish_tables(
        &store,
        vec![row("a", "Alpha", Some("11.00"))],
        Some(vec![lot("a", 1, "Roads and bridges")]),
    );
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(
        store.dataset("contracts").unwrap().current.unwrap().number,
        1
    );
    assert_eq!(store.tables("contracts").unwrap()[0].number, 1);
    assert_eq!(all_rows(&store, 1), contracts);
}

#[test]
fn a_field_in_the_same_place_with_the_same_type_under_a_new_name_is_a_rename() {
    let old = schema();
    let mut renamed = schema();
    renamed.fields[1].name = "subject".into();
    assert_eq!(
        crate::store::schema_changes(&old, &renamed),
        [SchemaChange::FieldRenamed {
            from: "title".into(),
            to: "subject".into()
        }]
    );
    // Another type, or another place, is a field lost and one found.
    let mut retyped = schema();
    retyped.fields[1] = Field::new("subject", FieldType::Integer, false);
    assert_eq!(crate::store::schema_changes(&old, &retyped).len(), 2);
    let mut moved = schema();
    moved.fields.remove(1);
    moved
        .fields
        .push(Field::new("subject", FieldType::Text, false));
    assert_eq!(crate::store::schema_changes(&old, &moved).len(), 2);
}

#[test]
fn the_outbox_records_events_with_what_they_announce() {
    use crate::store::{DeliveryAttempt, RunOutcome, RunRecord};
    let (dir, store) = open();
    let every = |_: &crate::store::Event| true;
    // A subscription is told what happens from when it is first seen.
    publish(&store, &schema(), vec![row("a", "Alpha", None)]);
    assert_eq!(store.enqueue_deliveries("ghent", &every).unwrap(), 0);
    // A version whose schema changed: two events, in its transaction.
    let mut wider = schema();
    wider.fields.push(Field::new("cpv", FieldType::Text, true));
    publish(
        &store,
        &wider,
        vec![vec![
            Value::Text("a".into()),
            Value::Text("Alpha".into()),
            Value::Null,
            Value::Text("45233142".into()),
        ]],
    );
    // A publish that fails announces nothing.
    let exports = dir.path().join("exports").join("contracts");
    std::fs::rename(&exports, dir.path().join("moved")).unwrap();
    std::fs::write(&exports, b"in the way").unwrap();
    assert!(publish_as(&store, &wider, vec![row_wider("b")], false).is_err());
    // A failed run is an event of its own.
    store
        .record_run(&RunRecord {
            run_id: "run-failed".into(),
            dataset: "contracts".into(),
            started_at: chrono::Utc::now(),
            outcome: RunOutcome::Failed,
            version: None,
            rows: 0,
            trigger: Some("schedule".into()),
            duration_ms: Some(5),
            failure_kind: Some("source_unavailable".into()),
            failure_message: Some("503 from the source".into()),
            report: None,
        })
        .unwrap();
    let published_only = |e: &crate::store::Event| e.kind != "run.failed";
    assert_eq!(store.enqueue_deliveries("ghent", &every).unwrap(), 3);
    assert_eq!(
        store.enqueue_deliveries("burgas", &published_only).unwrap(),
        0
    );
    assert_eq!(
        store.enqueue_deliveries("ghent", &every).unwrap(),
        0,
        "queued once"
    );
    let due = store.due_deliveries(10).unwrap();
    let kinds: Vec<&str> = due.iter().map(|d| d.event.kind.as_str()).collect();
    assert_eq!(kinds, ["version.published", "schema.changed", "run.failed"]);
    assert_eq!(due[0].event.version, Some(2));
    assert_eq!(due[1].event.data["schema_changes"][0]["field"], "cpv");
    assert_eq!(due[2].event.data["failure"], "source_unavailable");
    // An attempt that failed waits for its retry; one delivered is done;
    // one given up stays in the log.
    let later = chrono::Utc::now() + chrono::Duration::seconds(60);
    let failed = DeliveryAttempt::Failed {
        status: Some(500),
        error: "500 Internal Server Error".into(),
        retry_at: Some(later),
    };
    store
        .record_delivery(due[0].event.seq, "ghent", &failed)
        .unwrap();
    store
        .record_delivery(
            due[1].event.seq,
            "ghent",
            &DeliveryAttempt::Delivered { status: 204 },
        )
        .unwrap();
    let abandoned = DeliveryAttempt::Failed {
        status: None,
        error: "connection refused".into(),
        retry_at: None,
    };
    store
        .record_delivery(due[2].event.seq, "ghent", &abandoned)
        .unwrap();
    assert!(store.due_deliveries(10).unwrap().is_empty());
    let log = store.delivery_log("ghent", 10).unwrap();
    assert_eq!(log.len(), 3);
    assert!(
        log[0].abandoned_at.is_some() && log[0].last_error.as_deref() == Some("connection refused")
    );
    assert!(log[1].delivered_at.is_some() && log[1].last_status == Some(204));
    assert_eq!((log[2].attempts, log[2].last_status), (1, Some(500)));
    // Every event keeps one id.
    let ids: std::collections::BTreeSet<&str> = log.iter().map(|d| d.event.id.as_str()).collect();
    assert_eq!(ids.len(), 3);
}

fn row_wider(id: &str) -> Row {
    vec![
        Value::Text(id.into()),
        Value::Text("Beta".into()),
        Value::Null,
        Value::Null,
    ]
}

#[test]
fn a_subscription_that_fails_too_often_is_paused_until_resumed() {
    use crate::store::DeliveryAttempt;
    let (_dir, store) = open();
    let every = |_: &crate::store::Event| true;
    store.enqueue_deliveries("partner", &every).unwrap();
    publish(&store, &schema(), vec![row("a", "Alpha", None)]);
    store.enqueue_deliveries("partner", &every).unwrap();
    let seq = store.due_deliveries(1).unwrap()[0].event.seq;
    let now = chrono::Utc::now();
    let failed = DeliveryAttempt::Failed {
        status: Some(503),
        error: "503 Service Unavailable".into(),
        retry_at: Some(now),
    };
    for _ in 1..super::outbox::PAUSE_AFTER_FAILURES {
        store.record_delivery(seq, "partner", &failed).unwrap();
    }
    assert!(
        store
            .subscription_state("partner")
            .unwrap()
            .paused_at
            .is_none()
    );
    assert_eq!(store.due_deliveries(10).unwrap().len(), 1, "still tried");
    store.record_delivery(seq, "partner", &failed).unwrap();
    let state = store.subscription_state("partner").unwrap();
    assert_eq!(
        state.consecutive_failures,
        super::outbox::PAUSE_AFTER_FAILURES
    );
    assert!(state.paused_at.is_some());
    assert!(
        store.due_deliveries(10).unwrap().is_empty(),
        "paused: not tried"
    );
    // Resumed: what waits is due at once, and the count starts over.
    assert!(store.resume_subscription("partner").unwrap());
    assert!(
        !store.resume_subscription("partner").unwrap(),
        "not paused twice"
    );
    assert_eq!(store.due_deliveries(10).unwrap().len(), 1);
    store
        .record_delivery(seq, "partner", &DeliveryAttempt::Delivered { status: 200 })
        .unwrap();
    assert_eq!(
        store
            .subscription_state("partner")
            .unwrap()
            .consecutive_failures,
        0
    );
}

#[test]
fn a_stale_dataset_is_announced_once_for_each_time_it_goes_stale() {
    let (_dir, store) = open();
    let every = |_: &crate::store::Event| true;
    store.enqueue_deliveries("partner", &every).unwrap();
    let monday: chrono::DateTime<chrono::Utc> = "2026-11-30T06:00:00Z".parse().unwrap();
    assert!(store.announce_stale("contracts", &monday).unwrap());
    assert!(
        !store.announce_stale("contracts", &monday).unwrap(),
        "still the same staleness"
    );
    // It succeeded on Tuesday and went stale again.
    let tuesday: chrono::DateTime<chrono::Utc> = "2026-12-01T06:00:00Z".parse().unwrap();
    assert!(store.announce_stale("contracts", &tuesday).unwrap());
    store.enqueue_deliveries("partner", &every).unwrap();
    let due = store.due_deliveries(10).unwrap();
    let stale: Vec<&str> = due
        .iter()
        .filter(|d| d.event.kind == "data.stale")
        .map(|d| d.event.data["last_success"].as_str().unwrap())
        .collect();
    assert_eq!(stale, ["2026-11-30T06:00:00Z", "2026-12-01T06:00:00Z"]);
}
