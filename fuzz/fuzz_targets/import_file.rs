//! Any bytes, as a CSV or as a workbook, through the importer's parsing and row checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = if data.first().is_some_and(|b| b % 2 == 0) { "list.csv" } else { "list.xlsx" };
    appeal_core::imports::fuzz_parse(data, name);
});
