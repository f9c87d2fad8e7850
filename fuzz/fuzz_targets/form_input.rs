//! Form validation and the documents staff edit: every field type, dates, the guide's rules, forms
//! and catalog files. Any input gives a value or a message, never a panic; accepted values are
//! accepted again unchanged (normalising twice changes nothing).
#![no_main]
use libfuzzer_sys::fuzz_target;
use machi::procedures::form::{FieldType, FormDef, check_value};

const TYPES: [FieldType; 10] = [
    FieldType::Text,
    FieldType::Textarea,
    FieldType::Kana,
    FieldType::Date,
    FieldType::Postal,
    FieldType::Phone,
    FieldType::Digits,
    FieldType::Select,
    FieldType::Check,
    FieldType::Mynumber,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = vec!["普通".to_string(), "当座".to_string()];
    for kind in TYPES {
        for (max, len) in [(0, None), (5, Some(7))] {
            if let Ok(v) = check_value(kind, text, max, len, &options) {
                if !v.is_empty() && kind != FieldType::Check {
                    assert_eq!(
                        check_value(kind, &v, max, len, &options).as_deref(),
                        Ok(v.as_str()),
                        "{kind:?} not stable for {text:?}"
                    );
                }
            }
        }
    }
    let _ = machi::fiscal::parse_date(text);
    let _ = machi::procedures::rule::Rule::parse(text, &["kokuho", "kouki", "nenkin"]);
    let _ = FormDef::parse(text);
    let _ = machi::procedures::catalog_file::CatalogFile::parse(text);
    let _ = machi::input::parse_number(text);
});
