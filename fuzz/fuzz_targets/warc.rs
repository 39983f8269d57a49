//! The WARC/WET reader on arbitrary bytes (plain, or as they would be after decompression):
//! no panic, and nothing over the size limit kept.
#![no_main]

use gleaner::{InputFormat, ReadOptions, Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions {
        format: InputFormat::Warc,
        max_document_bytes: 256,
        ..ReadOptions::default()
    };
    for item in Reader::from_reader("fuzz.warc", std::io::Cursor::new(data.to_vec()), options) {
        if let Ok(doc) = item {
            // Each invalid byte may become a 3-byte U+FFFD.
            assert!(doc.text.len() <= 3 * 256, "{} bytes kept", doc.text.len());
        }
    }
});
