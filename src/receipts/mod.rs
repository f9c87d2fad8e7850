//! Fees and the receipts ledger (#17): what residents pay the town, through which channel, kept
//! append-only (corrections are reversing entries), the 日計 per counter and day, and the
//! cashless share of KPI 1-①-3. This first part holds the ledger's values and figures
//! (`model`) and storage (`store`); pages, imports and the payment providers follow.

pub mod model;
pub mod store;
