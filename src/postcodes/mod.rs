//! Postcode → address for the forms residents fill in, from Japan Post's 郵便番号データ.
//!
//! The IT person imports the national file once (`machi postcodes import utf_ken_all.zip`; the
//! file is updated monthly), for the whole installation. Without it forms still work: the
//! 住所を検索 button is simply not offered.

pub mod commands;
pub mod file;
pub mod store;

pub use file::{Address, FileError};
