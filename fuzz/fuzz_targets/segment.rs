//! The segmenter on arbitrary text: no panic, and every paragraph is normalised, non-empty
//! and in line order.
#![no_main]

use gleaner::Segmenter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for join in [true, false] {
        let paragraphs = Segmenter::new(join).segment(&text);
        let mut last = 0;
        for p in &paragraphs {
            assert!(!p.text.is_empty());
            assert_eq!(p.text, p.text.trim());
            assert!(!p.text.contains("  "));
            assert!(p.line > last, "lines go forward");
            last = p.line;
        }
    }
});
