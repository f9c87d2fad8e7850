//! Registers: typed lists staff keep of work done inside the town hall (AI/RPA uses, telework
//! applications, paper used, publicity, initiatives …), each declared in a file that also says
//! how its KPI is counted (#15). This is the core: the declaration (`definition`), typed cells
//! (`value`) and the KPI measures (`aggregate`); storage and pages build on it.

pub mod aggregate;
pub mod definition;
pub mod standardization;
pub mod store;
pub mod value;

use definition::{DefinitionError, RegisterDef};

/// The registers bundled for a new town, as files (`src/registers/bundled/`).
pub const BUNDLED: [(&str, &str); 6] = [
    ("ai_rpa.toml", include_str!("bundled/ai_rpa.toml")),
    ("telework.toml", include_str!("bundled/telework.toml")),
    ("paper.toml", include_str!("bundled/paper.toml")),
    ("publicity.toml", include_str!("bundled/publicity.toml")),
    ("initiatives.toml", include_str!("bundled/initiatives.toml")),
    (
        "school_survey.toml",
        include_str!("bundled/school_survey.toml"),
    ),
];

/// The bundled registers, read (a fault in one names its file).
pub fn bundled() -> Result<Vec<RegisterDef>, DefinitionError> {
    BUNDLED
        .iter()
        .map(|(name, text)| {
            RegisterDef::parse(text).map_err(|e| DefinitionError(format!("{name}: {}", e.0)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundled_registers_read_and_each_declares_its_kpi() {
        let all = super::bundled().unwrap();
        assert_eq!(all.len(), super::BUNDLED.len());
        for r in &all {
            assert!(r.kpi.is_some(), "{}", r.key);
            assert_eq!(r.source_key(), format!("registers.{}", r.key));
        }
    }
}
