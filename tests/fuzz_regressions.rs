//! Inputs the fuzz targets (fuzz/) found, kept as regression tests.

use gleaner::{Cleaner, Config, InputFormat, ReadOptions, Reader, Segmenter};

fn read_jsonl(data: &[u8], limit: u64) -> Vec<Result<gleaner::Document, gleaner::Error>> {
    let options = ReadOptions {
        format: InputFormat::Jsonl,
        max_document_bytes: limit,
        ..ReadOptions::default()
    };
    Reader::from_reader("fuzz.jsonl", std::io::Cursor::new(data.to_vec()), options).collect()
}

/// jsonl crash-016c2285: invalid UTF-8 inside a string under the line limit grows threefold
/// when decoded (each byte becomes U+FFFD). The limit is on input bytes; the decoded text
/// stays within three times it.
#[test]
fn lossy_decoding_may_grow_a_line_threefold_but_no_more() {
    let data = b"{\"id\":1,\"text\":\"hello%%%%%%%%%%%%%\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf%%%%\"}\n{\"te\x88\x8b\":3}\nnot json\n";
    let items = read_jsonl(data, 64);
    assert_eq!(items.len(), 3);
    let doc = items[0].as_ref().unwrap();
    assert!(doc.lossy);
    assert!(
        doc.text.len() > 64 && doc.text.len() <= 3 * 66,
        "{}",
        doc.text.len()
    );
    assert!(items[1].is_err() && items[2].is_err());
}

/// Odd bytes through the whole cleaner and the segmenter.
#[test]
fn control_bytes_and_lone_surrogate_escapes() {
    for data in [
        &b"\x1b[0m\r\r\r\n\x0c\x0b\xc2\xa0\xe2\x80\x8b"[..],
        b"{\"text\": \"\\ud800\"}\n",
        b"\n\n\n\xef\xbb\xbf\xef\xbb\xbf",
    ] {
        let text = String::from_utf8_lossy(data);
        Segmenter::default().segment(&text);
        Cleaner::new(Config::default()).clean(&text).text();
        read_jsonl(data, 64);
    }
}
