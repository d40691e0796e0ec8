//! Any text as a pipeline file must parse and plan to a plan or a list of problems, each
//! naming its key: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = tally::spec::parse(text) {
        let _ = tally::plan::from_spec(spec, std::path::Path::new("pipelines/fuzz.toml"));
    }
});
