//! Residents find answers (#16): FAQ entries, procedures and life events searched in the words
//! residents use — search keys (`normalize`), the synonym dictionary (`synonyms`), the index and
//! its ranking (`index`), and the evaluation of the ranking against resident-style queries
//! (`eval`).

pub mod commands;
pub mod eval;
pub mod index;
pub mod normalize;
pub mod synonyms;
