//! The receipts ledger (#17, first part): receipts appended and audited, a reference recorded
//! twice refused, reversals that cancel a receipt once (never edits), and the figures read
//! back — the cashless share per 年度 (by the day paid, April to March) and a counter's 日計 —
//! on both backends.

use crate::support::each_backend;
use machi::audit::Actor;
use machi::fiscal::FiscalYear;
use machi::receipts::model::{Channel, DirectDebitRule, Means, Source, Subject, Yen};
use machi::receipts::store::{self, LedgerError, NewReceipt};
use time::macros::datetime;

fn receipt(channel: Channel, yen: i64, at: time::PrimitiveDateTime, reference: &str) -> NewReceipt {
    NewReceipt {
        subject: Subject::Fee,
        procedure: "juminhyo".into(),
        amount: Yen(yen),
        channel,
        paid_at: at,
        department: "住民課".into(),
        counter: "本庁".into(),
        reference: reference.into(),
        source: Source::Manual,
        visit: None,
    }
}

#[tokio::test]
async fn receipts_are_appended_reversed_once_and_counted_per_year_and_day() {
    each_backend(|t| async move {
        let db = &t.db;
        let clerk = Actor::cli();
        let cash = store::append(
            db,
            &receipt(Channel::CounterCash, 300, datetime!(2025-04-01 9:05), ""),
            &clerk,
        )
        .await
        .unwrap();
        let qr = store::append(
            db,
            &receipt(
                Channel::CounterCashless(Means::QrCode),
                450,
                datetime!(2025-04-01 10:00),
                "T-0001",
            ),
            &clerk,
        )
        .await
        .unwrap();
        store::append(
            db,
            &receipt(
                Channel::ConvenienceStore,
                300,
                datetime!(2026-03-31 23:59),
                "CVS-1",
            ),
            &clerk,
        )
        .await
        .unwrap();
        // 2026-04-01 is the next 年度.
        store::append(
            db,
            &receipt(Channel::Online, 300, datetime!(2026-04-01 0:00), "PAY-1"),
            &clerk,
        )
        .await
        .unwrap();

        // The terminal's slip recorded twice (a file imported again) is refused; nothing written.
        match store::append(
            db,
            &receipt(
                Channel::CounterCashless(Means::QrCode),
                450,
                datetime!(2025-04-01 10:00),
                "T-0001",
            ),
            &clerk,
        )
        .await
        {
            Err(LedgerError::Refused(m)) => {
                assert!(m.contains("T-0001") && m.contains(&qr.to_string()), "{m}")
            }
            other => panic!("{other:?}"),
        }

        let year = FiscalYear(2025);
        let s = store::share(db, year, DirectDebitRule::NotCashless)
            .await
            .unwrap();
        assert_eq!((s.count, s.yen, s.cashless_count), (3, 1050, 1));
        let day = time::macros::date!(2025 - 04 - 01);
        let d = store::day_total(db, "本庁", day).await.unwrap();
        assert_eq!(
            (d.cash_count, d.cash_yen, d.cashless_count, d.cashless_yen),
            (1, 300, 1, 450)
        );

        // A mistaken cash entry is cancelled by a reversal, with a reason; once only.
        assert!(matches!(
            store::reverse(db, cash, datetime!(2025-04-01 16:00), " ", &clerk).await,
            Err(LedgerError::Refused(_))
        ));
        let rev = store::reverse(
            db,
            cash,
            datetime!(2025-04-01 16:00),
            "二重に記録した",
            &clerk,
        )
        .await
        .unwrap();
        match store::reverse(db, cash, datetime!(2025-04-01 16:01), "もう一度", &clerk).await {
            Err(LedgerError::Refused(m)) => assert!(m.contains("すでに取り消"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            store::reverse(db, rev, datetime!(2025-04-01 16:02), "取消の取消", &clerk).await,
            Err(LedgerError::Refused(_))
        ));
        assert!(matches!(
            store::reverse(db, 999_999, datetime!(2025-04-01 16:02), "ない", &clerk).await,
            Err(LedgerError::Refused(_))
        ));
        let d = store::day_total(db, "本庁", day).await.unwrap();
        assert_eq!(
            (d.cash_count, d.cash_yen),
            (0, 0),
            "the reversal nets the cash entry"
        );
        let s = store::share(db, year, DirectDebitRule::NotCashless)
            .await
            .unwrap();
        assert_eq!((s.count, s.cashless_count), (2, 1));
        assert_eq!(s.by_count(), Some(50.0));

        // The KPI source the module declares: each 年度 with receipts, by count; a 年度 with
        // none has no figure.
        let source = machi::modules::all()
            .iter()
            .flat_map(|m| m.kpi_sources())
            .find(|s| s.names("receipts.cashless_share"))
            .expect("the receipts module declares its KPI source");
        let years = [FiscalYear(2024), FiscalYear(2025), FiscalYear(2026)];
        let figures = (source.figures)(
            &t.state,
            "receipts.cashless_share",
            &years,
            time::macros::date!(2026 - 04 - 02),
        )
        .await
        .unwrap();
        assert_eq!(
            figures.values,
            vec![(FiscalYear(2025), 50.0), (FiscalYear(2026), 100.0)]
        );

        // The original stays as it was: the ledger only grows; every entry is audited.
        let rows: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM receipts")
            .fetch_one(&mut *db.conn().await.unwrap())
            .await
            .unwrap();
        assert_eq!(rows, 5);
        let audited: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'receipt'",
        )
        .fetch_one(&mut *db.conn().await.unwrap())
        .await
        .unwrap();
        assert_eq!(audited, 5);
    })
    .await;
}
