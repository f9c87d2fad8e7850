//! The KPI source family `registers.*`: a KPI whose `source` is `registers.<key>` takes its
//! figures from the town's register of that key, counted by the measure its file declares — so
//! a register a town adds in a file feeds a KPI without code.

use super::{aggregate, defs, store};
use crate::app::AppState;
use crate::fiscal::FiscalYear;
use crate::modules::SourceFigures;

pub const FAMILY: &str = "registers.*";

/// The figures of the register a source key names, for the 年度 asked.
pub async fn figures(
    state: &AppState,
    source: &str,
    years: &[FiscalYear],
    today: time::Date,
) -> anyhow::Result<SourceFigures> {
    let key = source.strip_prefix("registers.").unwrap_or(source);
    let Some(stored) = defs::load(&state.db, key).await? else {
        // Named by the plan but not (yet) declared: nothing counted, and the page says why.
        return Ok(SourceFigures {
            label: Some(format!("台帳「{key}」(まだ登録されていません)")),
            ..SourceFigures::default()
        });
    };
    let def = stored.def;
    let label = def
        .kpi
        .as_ref()
        .and_then(|k| k.label.clone())
        .unwrap_or_else(|| format!("台帳「{}」", def.title));
    let Some(kpi) = &def.kpi else {
        return Ok(SourceFigures {
            label: Some(format!("{label}(集計のしかたが定義にありません)")),
            ..SourceFigures::default()
        });
    };
    let rows: Vec<_> = store::rows(&state.db, &def)
        .await?
        .into_iter()
        .map(|s| s.cells)
        .collect();
    Ok(SourceFigures {
        values: aggregate::figures(kpi, &rows, years, today),
        baseline_year: None,
        label: Some(label),
        link: def.public.then(|| format!("/registers/{}", def.key)),
        details: None,
    })
}
