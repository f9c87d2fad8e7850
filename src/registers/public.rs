//! Public summaries of the registers declared `public` (AI/RPA uses, publicity, initiatives,
//! paper …): their rows without personal fields, and what they count for the plan's KPIs.

use super::definition::RegisterDef;
use super::routes::{FedKpi, fed_kpis};
use super::{defs, files, store};
use crate::app::AppState;
use crate::error::AppError;
use crate::web::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

#[derive(Template, WebTemplate)]
#[template(path = "registers/templates/public_index.html")]
struct IndexPage {
    layout: Layout,
    /// (key, title, description, rows)
    registers: Vec<(String, String, String, usize)>,
}

pub async fn index(State(state): State<AppState>) -> Result<Response, AppError> {
    let mut registers = Vec::new();
    for d in defs::all(&state.db)
        .await?
        .into_iter()
        .filter(|d| d.def.public)
    {
        let n = store::rows(&state.db, &d.def).await?.len();
        registers.push((
            d.def.key,
            d.def.title,
            d.def.description.unwrap_or_default(),
            n,
        ));
    }
    Ok(IndexPage {
        layout: Layout::public(&state, "registers").await,
        registers,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "registers/templates/public_register.html")]
struct RegisterPage {
    layout: Layout,
    def: RegisterDef,
    columns: Vec<String>,
    rows: Vec<PublicRow>,
    kpis: Vec<FedKpi>,
    /// Some row has a file marked public (the column is shown).
    any_files: bool,
}

struct PublicRow {
    cells: Vec<String>,
    /// (id, name, kind and size)
    files: Vec<(i64, String, String)>,
}

pub async fn register(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let def = defs::load(&state.db, &key)
        .await?
        .filter(|d| d.def.public)
        .ok_or(AppError::NotFound)?
        .def;
    let stored = store::rows(&state.db, &def).await?;
    let kpis = fed_kpis(&state, &def, &stored).await?;
    let fields: Vec<_> = def.fields.iter().filter(|f| !f.personal).collect();
    let public_files: Vec<_> = if def.attachments {
        files::of_register(&state.db, &def)
            .await?
            .into_iter()
            .filter(|f| f.public)
            .collect()
    } else {
        Vec::new()
    };
    let rows = stored
        .iter()
        .rev()
        .map(|r| PublicRow {
            cells: fields
                .iter()
                .map(|f| {
                    r.cells
                        .get(&f.key)
                        .map(|v| v.shown(f.kind))
                        .unwrap_or_default()
                })
                .collect(),
            files: public_files
                .iter()
                .filter(|f| f.row_id == r.id)
                .map(|f| {
                    (
                        f.id,
                        f.file_name.clone(),
                        format!("{}、{}", f.kind_words(), f.size_words()),
                    )
                })
                .collect(),
        })
        .collect();
    Ok(RegisterPage {
        layout: Layout::public(&state, "registers").await,
        columns: fields.iter().map(|f| f.label.clone()).collect(),
        rows,
        kpis,
        any_files: !public_files.is_empty(),
        def,
    }
    .into_response())
}
