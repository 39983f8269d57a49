//! The HTML path (encoding detection, tokenizer, blocks, cleaner) on arbitrary bytes: no
//! panic, deterministic, and nothing kept that is empty or holds raw markup delimiters of a
//! script or style element.
#![no_main]

use std::sync::OnceLock;

use gleaner::{Cleaner, Config};
use libfuzzer_sys::fuzz_target;

fn cleaner() -> &'static Cleaner {
    static CLEANER: OnceLock<Cleaner> = OnceLock::new();
    CLEANER.get_or_init(|| Cleaner::new(Config::default()))
}

fuzz_target!(|data: &[u8]| {
    let cleaner = cleaner();
    let page = cleaner.clean_html(data);
    let again = cleaner.clean_html(data);
    assert_eq!(page.text(), again.text(), "deterministic");
    for p in page.kept() {
        assert!(!p.text.trim().is_empty(), "an empty paragraph was kept");
        assert!(!p.text.contains('\n'), "a paragraph holds a line break");
    }
});
