//! The JSONL reader on arbitrary bytes (plain, or as they would be after decompression): no
//! panic, every line accounted for, nothing over the size limit kept.
#![no_main]

use gleaner::{InputFormat, ReadOptions, Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions {
        format: InputFormat::Jsonl,
        max_document_bytes: 64,
        ..ReadOptions::default()
    };
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    let mut items = 0;
    for item in Reader::from_reader("fuzz.jsonl", std::io::Cursor::new(data.to_vec()), options.clone()) {
        items += 1;
        if let Ok(doc) = item {
            // Each invalid byte may become a 3-byte U+FFFD: at most three times the line.
            assert!(doc.text.len() <= 3 * (64 + 2));
        }
    }
    // At most one item per line (blank lines give none), the last line may lack its newline;
    // a truncated compressed stream adds one. Compressed bytes have lines of their own.
    let compressed = data.starts_with(&[0x1f, 0x8b]) || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);
    assert!(compressed ||items <= newlines + 1, "{items} items from {newlines} newlines");
    // Auto format sniffs the stream like stdin; either way no panic.
    let options = ReadOptions {
        max_document_bytes: 64,
        ..ReadOptions::default()
    };
    for _ in Reader::from_reader("fuzz", std::io::Cursor::new(data.to_vec()), options) {}
});
