//! The open data validator: any bytes against the bundled 公衆トイレ schema give a report, never a
//! panic, and the report's counts agree with themselves.
#![no_main]
use libfuzzer_sys::fuzz_target;

static SCHEMA: std::sync::OnceLock<machi::opendata::schema::TableSchema> =
    std::sync::OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let schema = SCHEMA
        .get_or_init(|| machi::opendata::load_schema("public_toilet").expect("bundled schema"));
    if let Ok(report) = machi::opendata::validate::validate(data, schema, 50) {
        assert!(report.errors.len() <= report.error_count);
        assert_eq!(report.valid, report.error_count == 0);
    }
});
