//! The plan file parser and checker: any text gives a plan or errors, never a panic; a plan that
//! parses writes back to a file that parses to the same plan.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(plan) = machi::plan::file::parse(text, "fuzz.toml") {
        let _ = machi::plan::file::check(&plan);
        let again = machi::plan::file::to_toml(&plan);
        let back = machi::plan::file::parse(&again, "again.toml").expect("a written plan parses");
        assert_eq!(back, plan);
    }
});
