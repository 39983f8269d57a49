//! The whole cleaner (segment, language, classify) on arbitrary bytes, lossily decoded: no
//! panic, deterministic, idempotent (cleaning the clean text keeps all of it), and dedup only
//! removes.
#![no_main]

use std::sync::OnceLock;

use gleaner::{Cleaner, Config, DedupIndex};
use libfuzzer_sys::fuzz_target;

fn cleaner() -> &'static Cleaner {
    static CLEANER: OnceLock<Cleaner> = OnceLock::new();
    CLEANER.get_or_init(|| Cleaner::new(Config::default()))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let cleaner = cleaner();
    let page = cleaner.clean(&text);
    let again = cleaner.clean(&text);
    assert_eq!(page.text(), again.text(), "deterministic");
    assert_eq!(cleaner.clean(&page.text()).text(), page.text(), "idempotent");
    let mut deduped = page.clone();
    DedupIndex::new(5, 0.5).unwrap().dedup(&mut deduped);
    assert!(deduped.kept().count() <= page.kept().count());
    let _ = page.text();
});
