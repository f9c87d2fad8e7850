//! KPI 1-⑤-1's figures (`ordinances.review_complete`): the current 年度 from where the review
//! stands now, a 年度 that is over from the last figure recorded in it (the review goes on after
//! the plan's last 年度, and that 年度 keeps the figure it ended with), and the counts beside it.

use super::progress::{self, Completion};
use crate::app::AppState;
use crate::fiscal::FiscalYear;
use crate::modules::{Details, SourceFigures};

fn percent(ordinances: i64, complete: i64) -> Option<f64> {
    (ordinances > 0).then(|| ((complete as f64 * 1000.0 / ordinances as f64).round()) / 10.0)
}

pub async fn figures(
    state: &AppState,
    years: &[FiscalYear],
    today: time::Date,
) -> anyhow::Result<SourceFigures> {
    let now: Completion = progress::completion(&state.db).await?;
    let current = FiscalYear::of_date(today);
    let recorded = progress::recorded_years(&state.db).await?;
    let mut values = Vec::new();
    let mut rows = Vec::new();
    for year in years {
        if *year == current {
            if let Some(p) = percent(now.ordinances as i64, now.complete as i64) {
                values.push((*year, p));
                rows.push((
                    *year,
                    vec![
                        now.ordinances.to_string(),
                        now.complete.to_string(),
                        now.unchecked.to_string(),
                        now.open_candidates.to_string(),
                        now.open_directions.to_string(),
                    ],
                ));
            }
        } else if *year < current
            && let Some((_, ordinances, complete)) = recorded.iter().find(|(y, _, _)| y == year)
            && let Some(p) = percent(*ordinances, *complete)
        {
            values.push((*year, p));
            rows.push((
                *year,
                vec![
                    ordinances.to_string(),
                    complete.to_string(),
                    "―".into(),
                    "―".into(),
                    "―".into(),
                ],
            ));
        }
    }
    Ok(SourceFigures {
        details: (!rows.is_empty()).then(|| Details {
            caption: "アナログ規制の点検の進み具合".into(),
            columns: vec![
                "例規".into(),
                "点検済み".into(),
                "判断を終え、点検済の印を待つ例規".into(),
                "判断していない候補".into(),
                "方向が未定の該当".into(),
            ],
            rows,
            note: "点検済みは、職員が全条文を確かめて点検済の印を付け、規則が示した候補をすべて判断し(該当・非該当・改正済)、該当には見直しの方向を決めた例規です。今の年度は今の状況、終わった年度はその年度の最後の記録です。類型別・担当課別の内訳は公開ページにあります。".into(),
        }),
        link: Some("/analog-regulation".into()),
        values,
        ..SourceFigures::default()
    })
}
