//! The アナログ規制 review of the town's 例規 (#19). So far: reading 例規 files into
//! 例規 → 条 → 項 → 号 (parse, input), the detection rules as data (rules, rules.toml), the scan
//! that proposes candidates per clause with phrase, reason and confidence (scan), and the
//! evaluation against hand labels (eval); `machi ordinances scan|eval` (commands). The review
//! workflow, storage, pages and KPI 1-⑤-1 come next (docs/ordinances.md).

pub mod commands;
pub mod eval;
pub mod input;
pub mod numbers;
pub mod parse;
pub mod review;
pub mod rules;
pub mod scan;
pub mod store;
