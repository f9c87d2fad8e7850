//! The import reader: any bytes named .csv or .xlsx give a table or a Japanese error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = if data.first().is_some_and(|b| b % 2 == 0) {
        "実績.csv"
    } else {
        "実績.xlsx"
    };
    let _ = machi::imports::read::read(data, name);
    let _ = machi::textfile::decode_text(data);
});
