use crate::support::{each_backend, record, with_plan};
use machi::db::{self, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use machi::fiscal::FiscalYear;
use machi::plan::file::{self, BUNDLED_PLAN, BUNDLED_PLAN_NAME};
use machi::plan::store::{self, ImportOutcome};

#[test]
fn both_backends_have_the_same_migration_versions() {
    let versions = |m: &sqlx::migrate::Migrator| {
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect::<Vec<_>>()
    };
    assert!(!versions(&SQLITE_MIGRATIONS).is_empty());
    assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
}

#[tokio::test]
async fn migrations_run_on_a_fresh_database_and_again_on_an_existing_one() {
    each_backend(|db| async move {
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(applied as usize, db.backend.migrator().iter().count());
        // Running the migrator again changes nothing.
        db.backend
            .migrator()
            .run(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        let again: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(applied, again);
    })
    .await;
}

#[tokio::test]
async fn sqlite_database_uses_wal() {
    let dir = crate::support::temp_dir();
    let db = db::connect(&db::sqlite_url_for_dir(&dir)).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(dir.join("machi.db").exists());
}

#[tokio::test]
async fn the_bundled_plan_is_loaded_once() {
    each_backend(|db| async move {
        // Loaded when the town was opened; opening it again (another server start) and asking
        // again load nothing more.
        let again = db.on_day(crate::support::mid_plan_day()).await;
        assert_eq!(
            machi::plan::commands::ensure_plan(&again).await.unwrap(),
            None
        );
        assert_eq!(machi::plan::commands::ensure_plan(&db).await.unwrap(), None);
        let stored = store::current(&db).await.unwrap().unwrap();
        assert_eq!(stored.plan.id, "kami-2023");
        assert_eq!(stored.plan.measures.len(), 18);
        assert_eq!(stored.revision.label, "第1版");
        assert_eq!(store::revisions(&db, "kami-2023").await.unwrap().len(), 1);
        let plans: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plans")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(plans, 1);
    })
    .await;
}

#[tokio::test]
async fn importing_a_changed_plan_makes_a_new_revision_and_the_same_plan_nothing() {
    each_backend(|db| async move {
        // The bundled plan was loaded when the town opened; the same file again is nothing new.
        let mut plan = file::parse(BUNDLED_PLAN, BUNDLED_PLAN_NAME).unwrap();
        assert!(matches!(
            store::import(&db, &plan, "a.toml").await.unwrap(),
            ImportOutcome::Unchanged(_)
        ));
        plan.measures[0].kpis[0].target = Some(50.0);
        match store::import(&db, &plan, "b.toml").await.unwrap() {
            ImportOutcome::Revised(r) => {
                assert_eq!(r.number, 2);
                assert_eq!(r.label, "第2版");
            }
            other => panic!("expected a revision, got {other:?}"),
        }
        let current = store::current(&db).await.unwrap().unwrap();
        assert_eq!(current.plan.measures[0].kpis[0].target, Some(50.0));
        assert_eq!(current.revision.number, 2);
    })
    .await;
}

#[tokio::test]
async fn actuals_are_recorded_replaced_and_read_back() {
    each_backend(|db| async move {
        with_plan(&db).await;
        record(&db, "1-1-1", "R5", "30").await;
        record(&db, "1-1-1", "令和5年度", "32").await; // replaces
        record(&db, "2-2-3", "2021", "１，０００，０００").await;
        let recs = store::actual_records(&db, "kami-2023").await.unwrap();
        assert_eq!(recs.len(), 2);
        let online = recs.iter().find(|r| r.measure_code == "1-1-1").unwrap();
        assert_eq!(online.fiscal_year, FiscalYear(2023));
        assert_eq!(online.value, 32.0);
        assert_eq!(online.recorded_by, "test");
        let paper = recs.iter().find(|r| r.measure_code == "2-2-3").unwrap();
        assert_eq!(paper.value, 1_000_000.0);
    })
    .await;
}

#[tokio::test]
async fn bad_actuals_are_refused_and_nothing_is_written() {
    each_backend(|db| async move {
        with_plan(&db).await;
        let cases = [
            ("9-9-9", "R5", "1", "KPI「9-9-9」はこの計画にありません"),
            ("1-1-1", "R12", "1", "令和12年度は実績を入力できる年度"),
            ("1-1-1", "来年", "1", "年度として読めません"),
            ("1-1-1", "R5", "たくさん", "数値として読めません"),
            ("1-1-1", "R5", "-3", "負の数"),
            ("1-2-1", "R5", "120", "100を超えています"),
        ];
        for (code, fy, value, expected) in cases {
            let err = machi::plan::commands::record_actual(&db, code, fy, value, "", "test")
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{code} {fy} {value}: {err}");
        }
        assert!(
            store::actual_records(&db, "kami-2023")
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn export_of_an_import_is_the_same_plan() {
    each_backend(|db| async move {
        with_plan(&db).await;
        let exported = machi::plan::commands::export(&db).await.unwrap();
        let again = file::parse(&exported, "export.toml").unwrap();
        let original = file::parse(BUNDLED_PLAN, BUNDLED_PLAN_NAME).unwrap();
        assert_eq!(again, original);
        // Importing the export changes nothing.
        assert!(matches!(
            store::import(&db, &again, "export.toml").await.unwrap(),
            ImportOutcome::Unchanged(_)
        ));
    })
    .await;
}
