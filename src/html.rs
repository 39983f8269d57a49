//! HTML input: decode a page's bytes and turn its markup into blocks, the paragraphs the
//! classifier sees, each with the [`Structure`] the markup tells about it.
//!
//! Tokenising follows the HTML standard's tokenizer where blocks need it (character
//! references, raw-text `<script>` and `<style>`, comments): see `lex`. The tree is not
//! built: an element stack is kept instead, which is bounded in work per tag, so deep
//! nesting costs neither stack nor quadratic time.
//!
//! ```
//! use gleaner::html;
//! let blocks = html::blocks("<nav><a href=/>Home</a></nav><article><h1>Title</h1>\
//!     <p>Some <b>text</b>.</p><script>var x;</script></article>");
//! let texts: Vec<_> = blocks.iter().map(|b| b.text.as_str()).collect();
//! assert_eq!(texts, ["Home", "Title", "Some text."]);
//! let nav = blocks[0].structure.as_ref().unwrap();
//! assert!(nav.boilerplate_region() && nav.link_density() == 1.0);
//! assert_eq!(blocks[1].structure.as_ref().unwrap().heading, Some(1));
//! ```

use encoding_rs::Encoding;

mod lex;
use lex::{attr_value, Attrs, Raw};

use crate::segment::{normalize_whitespace, Paragraph, Text};

/// What the markup says about one block.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Structure {
    /// The innermost elements around the block, outermost first, up to five, joined by `>`
    /// (`div>article>p`).
    pub path: String,
    /// Region flags, inherited from every ancestor: see the `REGION_*` constants.
    pub regions: u16,
    /// A boilerplate hint (`menu`, `share`, ...) in the class or id of the block's element or
    /// one of its three nearest ancestors, the nearest first (further up, a class describes a
    /// wrapper more than the block).
    pub hint: Option<&'static str>,
    /// The block's element or its parent has a class or id word naming a control or widget
    /// (`btn-primary`, `wp-block-button`, `dropdown`, `tooltip`, `badge`, `filter`, `menu`):
    /// a link styled as a button, a shop's filter, a "New" badge.
    pub control: bool,
    /// Characters inside `<a>`.
    pub link_chars: u32,
    /// All characters.
    pub chars: u32,
    /// 1 to 6 for a heading.
    pub heading: Option<u8>,
    /// Which container holds the block: the innermost `<article>`, `<main>`, ARIA
    /// `main`/`article`, `itemprop=articleBody` or element whose class names an article's
    /// body (`entry-content`, `post-body`, ...), numbered from 1 in page order; 0 outside
    /// them all.
    pub container: u32,
    /// The container's kind: containers with the same element name and class (digits
    /// aside) share the number of the first of them, as a forum's posts or a listing's cards
    /// do; 0 outside them all.
    pub group: u32,
    /// The elements around the block, outermost first, each by its number in page order
    /// (from 1): the first [`ANCESTORS`] only.
    #[serde(skip)]
    pub ancestors: Box<[u32]>,
}

/// How many of a block's outermost ancestors [`Structure::ancestors`] keeps.
pub const ANCESTORS: usize = 32;

/// Inside `<nav>` or `role="navigation"`/`menu`/`menubar`/`search`.
pub const REGION_NAV: u16 = 1;
/// Inside the page's `<header>` or `role="banner"`.
pub const REGION_HEADER: u16 = 2;
/// Inside `<footer>` or `role="contentinfo"`.
pub const REGION_FOOTER: u16 = 4;
/// Inside `<aside>` or `role="complementary"`.
pub const REGION_ASIDE: u16 = 8;
/// Inside `<form>`, `<button>` or a `<select>`.
pub const REGION_FORM: u16 = 16;
/// Inside `<article>`, `<main>` or `role="main"`/`article`.
pub const REGION_ARTICLE: u16 = 32;
/// Inside a list item.
pub const REGION_LIST: u16 = 64;
/// Inside a table cell.
pub const REGION_TABLE: u16 = 128;
/// Inside an element whose class or id names comments.
pub const REGION_COMMENTS: u16 = 256;
/// Inside a `<figcaption>`.
pub const REGION_FIGCAPTION: u16 = 512;
/// Inside a `<label>` (a form control's name).
pub const REGION_LABEL: u16 = 1024;

impl Structure {
    /// Characters inside links over all characters (0 for an empty block).
    pub fn link_density(&self) -> f32 {
        if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f32 / self.chars as f32
        }
    }

    /// Inside nav, header, footer, aside or a form.
    pub fn boilerplate_region(&self) -> bool {
        self.regions & (REGION_NAV | REGION_HEADER | REGION_FOOTER | REGION_ASIDE | REGION_FORM)
            != 0
    }

    /// Inside `<article>` or `<main>`.
    pub fn in_article(&self) -> bool {
        self.regions & REGION_ARTICLE != 0
    }
}

/// Decodes a page: a byte order mark, then `content_type`'s charset (the HTTP header), then a
/// `<meta>` charset in the first 1024 bytes, then UTF-8 if the bytes are valid UTF-8, then
/// chardetng's guess. Returns the text and whether a decoding error was replaced.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> (String, bool) {
    let encoding = Encoding::for_bom(bytes)
        .map(|(e, _)| e)
        .or_else(|| content_type.and_then(charset_in))
        .or_else(|| meta_charset(&bytes[..bytes.len().min(1024)]))
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                encoding_rs::UTF_8
            } else {
                let mut detector =
                    chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                detector.feed(bytes, true);
                detector.guess(None, chardetng::Utf8Detection::Allow)
            }
        });
    // A page that says UTF-16 in ASCII markup is not UTF-16 (the standard's rule).
    let encoding = if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        if Encoding::for_bom(bytes).is_some() {
            encoding
        } else {
            encoding_rs::UTF_8
        }
    } else {
        encoding
    };
    let (text, _, lossy) = encoding.decode(bytes);
    (text.into_owned(), lossy)
}

/// The encoding named by `charset=` in a Content-Type value.
fn charset_in(value: &str) -> Option<&'static Encoding> {
    let lower = value.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = lower[at + 7..].trim_start().strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| c == '"' || c == '\'' || c == ';' || c.is_whitespace() || c == '>')
        .unwrap_or(rest.len());
    Encoding::for_label(&rest.as_bytes()[..end])
}

/// A `<meta charset>` or `<meta http-equiv content="...charset=">` in `head` (a simplified
/// prescan: the first `charset=` inside a `<meta` tag).
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let text = String::from_utf8_lossy(head);
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<meta") {
        let start = from + at;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        if let Some(e) = charset_in(&lower[start..end]) {
            return Some(e);
        }
        from = end;
    }
    None
}

/// One block of a page: its text (whitespace-normalised) and structure.
pub type Block = Paragraph;

/// Elements whose text never shows. `<noscript>` is not one: without scripts it shows, and
/// some sites (Discourse) put the whole page there for crawlers.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "template"
            | "head"
            | "title"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "canvas"
            | "select"
            | "textarea"
            | "button"
            | "video"
            | "audio"
            | "map"
            | "datalist"
    )
}

/// Elements that start and end a block.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
            | "br"
    )
}

/// Elements that may stand in `<head>`.
fn is_head_content(name: &str) -> bool {
    matches!(
        name,
        "head"
            | "html"
            | "meta"
            | "link"
            | "title"
            | "style"
            | "script"
            | "base"
            | "noscript"
            | "template"
    )
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "keygen"
    )
}

/// Class and id words that mark boilerplate, and the hint each gives.
const HINTS: &[(&str, &str)] = &[
    ("breadcrumb", "breadcrumb"),
    ("cookie", "cookie"),
    ("consent", "cookie"),
    ("gdpr", "cookie"),
    ("menu", "menu"),
    ("navbar", "menu"),
    ("navigation", "menu"),
    ("sidebar", "sidebar"),
    ("related", "related"),
    ("recommend", "related"),
    ("share", "share"),
    ("sharing", "share"),
    ("social", "share"),
    ("newsletter", "newsletter"),
    ("subscribe", "newsletter"),
    ("signup", "newsletter"),
    ("advert", "advert"),
    ("sponsor", "advert"),
    ("promo", "advert"),
    ("banner", "advert"),
    ("popup", "popup"),
    ("modal", "popup"),
    ("pagination", "pagination"),
    ("pager", "pagination"),
    ("widget", "widget"),
    ("footer", "footer"),
    ("skip-link", "menu"),
];

/// Class and id words of an article's body.
const CONTENT_MARKERS: &[&str] = &[
    "entry-content",
    "post-content",
    "article-body",
    "article-content",
    "articlebody",
    "post-body",
    "story-body",
    "content-body",
    "main-content",
];

/// Utility classes that hide an element (Tailwind, Bootstrap, WordPress), unless another
/// class shows it again at some screen size (`hidden md:block`).
fn hidden_class(lower: &str) -> bool {
    let mut hides = false;
    for token in lower.split_ascii_whitespace() {
        match token {
            "hidden" | "d-none" | "is-hidden" | "visually-hidden" | "sr-only"
            | "screen-reader-text" => hides = true,
            t if t.contains([':', '@']) || t.starts_with("d-") => return false,
            _ => {}
        }
    }
    hides
}

/// Whether a lower-cased class and id string has a word naming a control or widget (`btn`,
/// `wp-block-button__link`, `btn-primary`, `dropdown-item`, `tooltip`, `badge`,
/// `filter-group`, `menu`): words are split at anything but letters and digits.
fn names_control(lower: &str) -> bool {
    lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        matches!(
            w,
            "button"
                | "buttons"
                | "btn"
                | "btns"
                | "dropdown"
                | "tooltip"
                | "badge"
                | "filter"
                | "filters"
                | "menu"
        )
    })
}

/// The hint in a lower-cased class and id string.
fn hint_of(lower: &str) -> Option<&'static str> {
    if lower.is_empty() {
        return None;
    }
    HINTS
        .iter()
        .find(|(word, _)| lower.contains(word))
        .map(|&(_, hint)| hint)
}

struct Frame {
    /// Where the element's name starts in `State::names`.
    name_at: u32,
    regions: u16,
    hint: Option<&'static str>,
    /// A class or id word names a control or widget.
    control: bool,
    /// How many hidden elements enclose this one (itself included).
    hidden: u16,
    skip: bool,
    link: bool,
    heading: Option<u8>,
    container: u32,
    group: u32,
    /// The element's number in page order, from 1.
    id: u32,
}

#[derive(Default)]
struct State {
    stack: Vec<Frame>,
    /// The names of the elements on `stack`, back to back (a stack itself: no allocation
    /// per element).
    names: String,
    /// Scratch for class and id values.
    class_id: String,
    /// How many elements were opened so far.
    elements: u32,
    /// How many article containers were opened so far.
    containers: u32,
    /// The first container of each kind, by a hash of its element name and class.
    groups: rustc_hash::FxHashMap<u64, u32>,
    /// Scratch for a class value.
    class: String,
    text: String,
    /// The blocks' normalised texts, one after another: each block's text is a slice of
    /// this one buffer.
    page: String,
    /// Each block's start and end in `page`.
    spans: Vec<(usize, usize)>,
    link_chars: u32,
    /// The structure of the current block, taken when its first visible text came.
    open: Option<(Structure, u16)>,
    blocks: Vec<Block>,
    /// Per block, how many hidden elements enclose it.
    hidden: Vec<u16>,
    line: usize,
}

/// How far down the stack an end tag looks for its element; a stray end tag deeper than
/// this is ignored, which keeps the work per tag bounded.
const END_TAG_SEARCH: usize = 64;

impl State {
    fn top(&self) -> Option<&Frame> {
        self.stack.last()
    }

    /// The name of the element at `i` on the stack.
    fn name(&self, i: usize) -> &str {
        let end = self
            .stack
            .get(i + 1)
            .map_or(self.names.len(), |f| f.name_at as usize);
        &self.names[self.stack[i].name_at as usize..end]
    }

    fn top_name(&self) -> Option<&str> {
        (!self.stack.is_empty()).then(|| self.name(self.stack.len() - 1))
    }

    fn pop(&mut self) {
        if let Some(f) = self.stack.pop() {
            self.names.truncate(f.name_at as usize);
        }
    }

    fn truncate(&mut self, depth: usize) {
        if let Some(f) = self.stack.get(depth) {
            self.names.truncate(f.name_at as usize);
            self.stack.truncate(depth);
        }
    }

    fn flush(&mut self) {
        let Some((mut structure, hidden)) = self.open.take() else {
            self.text.clear();
            self.link_chars = 0;
            return;
        };
        let start = self.page.len();
        normalize_whitespace(&self.text, &mut self.page);
        self.text.clear();
        if self.page.len() > start {
            structure.chars = self.page[start..].chars().count() as u32;
            structure.link_chars = self.link_chars.min(structure.chars);
            self.line += 1;
            self.hidden.push(hidden);
            self.spans.push((start, self.page.len()));
            self.blocks.push(Paragraph {
                // Set in `blocks`, once the page's buffer is complete.
                text: Text::new(),
                line: self.line,
                indented: false,
                structure: Some(Box::new(structure)),
            });
        }
        self.link_chars = 0;
    }

    fn structure_here(&self) -> Structure {
        let top = self.top();
        let start = self.stack.len().saturating_sub(5);
        let mut path = String::new();
        for i in start..self.stack.len() {
            if !path.is_empty() {
                path.push('>');
            }
            path.push_str(self.name(i));
        }
        Structure {
            path,
            regions: top.map_or(0, |f| f.regions),
            hint: self.stack.iter().rev().take(4).find_map(|f| f.hint),
            control: self.stack.iter().rev().take(2).any(|f| f.control),
            link_chars: 0,
            chars: 0,
            heading: top.and_then(|f| f.heading),
            container: top.map_or(0, |f| f.container),
            group: top.map_or(0, |f| f.group),
            ancestors: self.stack.iter().take(ANCESTORS).map(|f| f.id).collect(),
        }
    }

    fn characters(&mut self, s: &str) {
        if self.top().is_some_and(|f| f.skip) {
            return;
        }
        let hidden = self.top().map_or(0, |f| f.hidden);
        match &mut self.open {
            None => {
                if s.trim().is_empty() {
                    return;
                }
                self.open = Some((self.structure_here(), hidden));
            }
            // A block is as hidden as its least hidden text: a hidden icon label or count
            // before the visible text (`<span aria-hidden>(300)</span> 300 reviews`) does not
            // hide the block.
            Some((_, h)) if hidden < *h && !s.trim().is_empty() => *h = hidden,
            Some(_) => {}
        }
        if self.top().is_some_and(|f| f.link) {
            self.link_chars += s.trim().chars().count() as u32;
        }
        self.text.push_str(s);
    }

    fn start(&mut self, n: &str, attrs: Attrs<'_>, self_closing: bool) {
        if is_block(n) {
            self.flush();
        }
        if is_void(n) || self_closing && !matches!(n, "div" | "p" | "span" | "a") {
            return;
        }
        // Elements the standard closes implicitly.
        let closes: &[&str] = match n {
            "p" | "div" | "ul" | "ol" | "table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "section" | "article" | "header" | "footer" | "nav" | "aside" | "blockquote"
            | "pre" | "dl" | "form" => &["p"],
            "li" => &["li", "p"],
            "dt" | "dd" => &["dt", "dd", "p"],
            "tr" => &["tr", "td", "th"],
            "td" | "th" => &["td", "th"],
            "option" => &["option"],
            _ => &[],
        };
        if !closes.is_empty() {
            while self.top_name().is_some_and(|t| closes.contains(&t)) {
                self.pop();
            }
        }
        // Content ends an unclosed `<head>` (the standard's "in head" insertion mode).
        if !is_head_content(n) {
            if let Some(head) = (0..self.stack.len().min(3)).position(|i| self.name(i) == "head") {
                self.flush();
                self.truncate(head);
            }
        }
        let parent = self.top();
        let mut regions = parent.map_or(0, |f| f.regions);
        let parent_hidden = parent.map_or(0, |f| f.hidden);
        let parent_container = parent.map_or(0, |f| f.container);
        let parent_group = parent.map_or(0, |f| f.group);
        let parent_regions = parent.map_or(0, |f| f.regions);
        let mut hidden = false;
        let mut modal = false;
        let mut role_article = false;
        let mut article_body = false;
        let skip = parent.is_some_and(|f| f.skip) || is_skipped(n);
        let link = parent.is_some_and(|f| f.link) || n == "a";
        let mut heading = parent.and_then(|f| f.heading);
        regions |= match n {
            "nav" | "menu" => REGION_NAV,
            "header" => REGION_HEADER,
            "footer" => REGION_FOOTER,
            "aside" => REGION_ASIDE,
            "form" | "button" | "select" => REGION_FORM,
            "label" => REGION_FORM | REGION_LABEL,
            "figcaption" => REGION_FIGCAPTION,
            "article" | "main" => REGION_ARTICLE,
            "li" | "dt" | "dd" => REGION_LIST,
            "td" | "th" => REGION_TABLE,
            _ => 0,
        };
        if let [b'h', d @ b'1'..=b'6'] = n.as_bytes() {
            heading = Some(d - b'0');
        }
        let mut class_id = std::mem::take(&mut self.class_id);
        class_id.clear();
        let mut class = std::mem::take(&mut self.class);
        class.clear();
        // Inside a skipped element nothing shows, so its attributes do not matter.
        if !skip {
            for (name, raw) in attrs.iter() {
                if name.eq_ignore_ascii_case("class") || name.eq_ignore_ascii_case("id") {
                    let value = attr_value(raw);
                    if name.eq_ignore_ascii_case("class") {
                        class.extend(value.chars().filter(|c| !c.is_ascii_digit()));
                    }
                    class_id.push_str(&value);
                    class_id.push(' ');
                } else if name.eq_ignore_ascii_case("hidden") {
                    // React's streamed markup waits in `<div hidden id="S:0">` for a script
                    // to show it: hidden only until then.
                    hidden |= !attrs
                        .iter()
                        .any(|(n, v)| n.eq_ignore_ascii_case("id") && v.starts_with("S:"));
                } else if name.eq_ignore_ascii_case("aria-hidden") {
                    hidden |= attr_value(raw).eq_ignore_ascii_case("true");
                } else if name.eq_ignore_ascii_case("aria-modal") {
                    // An open modal covers the page; a closed one (the usual state when the
                    // page loads) is not shown.
                    modal |= attr_value(raw).eq_ignore_ascii_case("true");
                } else if name.eq_ignore_ascii_case("style") {
                    let compact: String = attr_value(raw)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if compact.contains("display:none") || compact.contains("visibility:hidden") {
                        hidden = true;
                    }
                } else if name.eq_ignore_ascii_case("itemprop") {
                    article_body |= attr_value(raw).eq_ignore_ascii_case("articleBody");
                } else if name.eq_ignore_ascii_case("role") {
                    let r = match attr_value(raw).to_ascii_lowercase().as_str() {
                        "navigation" | "menu" | "menubar" | "search" => REGION_NAV,
                        "banner" => REGION_HEADER,
                        "contentinfo" => REGION_FOOTER,
                        "complementary" => REGION_ASIDE,
                        "main" | "article" => REGION_ARTICLE,
                        _ => 0,
                    };
                    role_article |= r == REGION_ARTICLE;
                    regions |= r;
                }
            }
        }
        class_id.make_ascii_lowercase();
        // A `<dialog>` shows only when `open`.
        modal |= n == "dialog" && !attrs.iter().any(|(a, _)| a.eq_ignore_ascii_case("open"));
        // A modal's text stays out even when it is most of the page's (a privacy policy in
        // a footer dialog): no page waits in a modal for a script to show it.
        let skip = skip || modal;
        hidden |= hidden_class(&class_id);
        let hint = hint_of(&class_id);
        let control = names_control(&class_id);
        if class_id.contains("comment") {
            regions |= REGION_COMMENTS;
        }
        self.class_id = class_id;
        // A container of its own: `<article>`, `<main>`, an ARIA `main`/`article` role,
        // `itemprop=articleBody` or a class naming an article's body.
        let own = matches!(n, "article" | "main")
            || role_article
            || article_body
            || regions & REGION_ARTICLE != 0 && parent_regions & REGION_ARTICLE == 0
            || CONTENT_MARKERS.iter().any(|m| self.class_id.contains(m));
        let (container, group) = if own {
            self.containers += 1;
            let key = {
                use std::hash::{Hash, Hasher};
                let mut h = rustc_hash::FxHasher::default();
                n.hash(&mut h);
                class.hash(&mut h);
                h.finish()
            };
            let group = *self.groups.entry(key).or_insert(self.containers);
            (self.containers, group)
        } else {
            (parent_container, parent_group)
        };
        self.class = class;
        let name_at = self.names.len() as u32;
        self.names.push_str(n);
        self.stack.push(Frame {
            name_at,
            regions,
            hint,
            control,
            hidden: parent_hidden + u16::from(hidden),
            skip,
            link,
            heading,
            container,
            group,
            id: {
                self.elements += 1;
                self.elements
            },
        });
    }

    fn end(&mut self, n: &str) {
        if is_block(n) {
            self.flush();
        }
        let depth = self.stack.len();
        let found = (0..depth)
            .rev()
            .take(END_TAG_SEARCH)
            .position(|i| self.name(i) == n);
        if let Some(i) = found {
            self.truncate(depth - 1 - i);
        }
    }
}

impl lex::Sink for State {
    fn text(&mut self, text: &str) {
        self.characters(text);
    }

    fn start(&mut self, name: &str, attrs: Attrs<'_>, self_closing: bool) -> Option<Raw> {
        State::start(self, name, attrs, self_closing);
        if self_closing {
            return None;
        }
        match name {
            "script" | "style" | "xmp" | "iframe" | "noembed" | "noframes" => Some(Raw::Text),
            "title" | "textarea" => Some(Raw::Rcdata),
            _ => None,
        }
    }

    fn end(&mut self, name: &str) {
        State::end(self, name);
    }
}

/// Turns an HTML page into blocks: block-level elements, `<br>`, list items, headings and
/// table cells each end a block. `<script>`, `<style>`, comments, hidden elements and form
/// controls give no text.
pub fn blocks(html: &str) -> Vec<Block> {
    let mut state = State::default();
    lex::tokenize(html, &mut state);
    state.flush();
    let mut blocks = std::mem::take(&mut state.blocks);
    let page = arcstr::ArcStr::from(std::mem::take(&mut state.page));
    for (b, &(start, end)) in blocks.iter_mut().zip(&state.spans) {
        b.text = page.substr(start..end);
    }
    drop_hidden(blocks, &state.hidden)
}

/// Drops the blocks inside hidden elements. Pages that hide their content until a script
/// shows it (anti-flicker wrappers, React's streamed `<div hidden>`) would lose everything,
/// so a level of hiding that encloses most of the page's text counts as shown.
fn drop_hidden(blocks: Vec<Block>, hidden: &[u16]) -> Vec<Block> {
    // Characters at each level of hiding, then at that level or deeper.
    let deepest = hidden.iter().copied().max().unwrap_or(0) as usize;
    let mut from = vec![0u64; deepest + 2];
    for (b, &h) in blocks.iter().zip(hidden) {
        from[h as usize] += u64::from(b.structure.as_ref().map_or(0, |s| s.chars));
    }
    for level in (0..=deepest).rev() {
        from[level] += from[level + 1];
    }
    let mut shown = 0;
    while from[shown + 1] > 0 && 2 * from[shown + 1] > from[shown] {
        shown += 1;
    }
    let shown = shown as u16;
    let mut line = 0;
    blocks
        .into_iter()
        .zip(hidden)
        .filter(|(_, &h)| h <= shown)
        .map(|(mut b, _)| {
            line += 1;
            b.line = line;
            b
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(html: &str) -> Vec<String> {
        blocks(html)
            .into_iter()
            .map(|b| b.text.to_string())
            .collect()
    }

    #[test]
    fn scripts_styles_comments_and_hidden_give_no_text() {
        assert_eq!(
            texts(
                "<html><head><title>T</title><style>p{}</style></head><body>\
                 <p>One<!-- c --> two</p><script>if (a < b) {}</script>\
                 <div hidden>gone</div><div style='display: none'>gone</div>\
                 <p aria-hidden=true>gone</p><p>three &amp; four<br>five</p>"
            ),
            ["One two", "three & four", "five"]
        );
    }

    #[test]
    fn control_classes() {
        assert!(names_control("wp-block-button__link"));
        assert!(names_control("btn btn-primary"));
        assert!(names_control("usa-button usa-button--accent"));
        assert!(names_control("dropdown-item"));
        assert!(names_control("facet filter-group"));
        assert!(names_control("badge badge--new"));
        assert!(names_control("c-tooltip__body"));
        assert!(!names_control("buttonless article-body"));
        assert!(!names_control("submit-area"));
        let b = blocks("<div class=btn-group><a class=x>Shop now</a></div><p>Plain text</p>");
        let controls: Vec<bool> = b
            .iter()
            .map(|b| b.structure.as_ref().unwrap().control)
            .collect();
        assert_eq!(controls, [true, false]);
    }

    #[test]
    fn a_block_is_as_hidden_as_its_least_hidden_text() {
        // A hidden count before the visible caption does not hide the caption's block.
        assert_eq!(
            texts(
                "<p>Intro of the page, long enough to be most of it.</p>\
                 <div><span aria-hidden=true>(300)</span><span>300 reviews</span></div>\
                 <div><span aria-hidden=true>gone</span></div>"
            ),
            [
                "Intro of the page, long enough to be most of it.",
                "(300)300 reviews"
            ]
        );
    }

    #[test]
    fn closed_dialogs_and_hiding_classes_give_no_text() {
        assert_eq!(
            texts(
                "<p>shown</p><dialog><p>closed</p></dialog><dialog open>open</dialog>\
                 <div aria-modal=true>modal</div><div class='x hidden'>gone</div>\
                 <div class='hidden md:block'>wide screens</div><span class=sr-only>sr</span>"
            ),
            ["shown", "open", "wide screens"]
        );
    }

    #[test]
    fn containers_are_the_innermost() {
        let b = blocks(
            "<p>a</p><article><p>b</p><article><p>c</p></article>e</article>\
             <div role=main>d</div><div class='x entry-content'>f</div>",
        );
        let c: Vec<u32> = b
            .iter()
            .map(|b| b.structure.as_ref().unwrap().container)
            .collect();
        assert_eq!(c, [0, 1, 2, 1, 3, 4]);
    }

    #[test]
    fn containers_of_one_kind_share_a_group() {
        let b = blocks(
            "<article class='post p1'>a</article><article class='post p22'>b</article>\
             <article class=ad>c</article><div class=post>d</div><main>e</main>",
        );
        let g: Vec<u32> = b
            .iter()
            .map(|b| b.structure.as_ref().unwrap().group)
            .collect();
        assert_eq!(g, [1, 1, 3, 0, 4]);
    }

    #[test]
    fn ancestors_are_numbered_in_page_order() {
        let b = blocks("<div><p>a</p></div><section><p>b<b>c</b></p></section>");
        let a: Vec<&[u32]> = b
            .iter()
            .map(|b| &*b.structure.as_ref().unwrap().ancestors)
            .collect();
        assert_eq!(a, [&[1, 2][..], &[3, 4]]);
    }

    #[test]
    fn structure_and_link_density() {
        let b = blocks(
            "<body><div class='site-menu'><ul><li><a>Home</a></li></ul></div>\
             <main><p>Read <a href=x>this</a> now</p></main><footer>c</footer>",
        );
        let s: Vec<&Structure> = b.iter().map(|b| b.structure.as_deref().unwrap()).collect();
        assert_eq!(s[0].hint, Some("menu"));
        assert_eq!(s[0].regions & REGION_LIST, REGION_LIST);
        assert!(s[1].in_article() && !s[1].boilerplate_region());
        assert!((s[1].link_density() - 4.0 / 13.0).abs() < 1e-6);
        assert_eq!(s[1].path, "body>main>p");
        assert!(s[2].regions & REGION_FOOTER != 0);
    }

    #[test]
    fn no_body_and_unclosed_paragraphs() {
        assert_eq!(
            texts("just text<p>a<p>b<li>c"),
            ["just text", "a", "b", "c"]
        );
    }

    #[test]
    fn charsets() {
        let (t, _) = decode(
            b"<meta charset=\"windows-1251\"><p>\xcf\xf0\xe8\xe2\xe5\xf2",
            None,
        );
        assert!(t.ends_with("Привет"), "{t}");
        let (t, _) = decode(
            b"<meta http-equiv=Content-Type content='text/html; charset=Shift_JIS'><p>\x93\xfa\x96\x7b",
            None,
        );
        assert!(t.ends_with("日本"), "{t}");
        // The HTTP header wins over the meta tag.
        let (t, _) = decode(
            b"<meta charset=utf-8>\xe9",
            Some("text/html; charset=latin1"),
        );
        assert!(t.ends_with('é'), "{t}");
        assert_eq!(decode("żółw".as_bytes(), None).0, "żółw");
    }

    #[test]
    fn deep_nesting_is_linear_and_safe() {
        let depth = 100_000;
        let html = format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let start = std::time::Instant::now();
        assert_eq!(texts(&html), ["deep"]);
        assert!(start.elapsed().as_secs() < 20);
    }
}
