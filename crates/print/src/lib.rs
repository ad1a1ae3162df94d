//! Printable documents: Typst templates rendered to PDF with the CJK fonts
//! embedded (subset), so a notice prints the same on any office PC.
//!
//! The templates live in `templates/` as `.typ` files that a bureau can
//! adapt without touching Rust; each takes its data as one JSON document
//! (`sys.inputs.data`) whose shape is a struct of this crate, with every
//! text already rendered. Fonts are read once from a directory (Debian's
//! `fonts-noto-cjk` by default) and shared by every document.
//!
//! Architecture invariant: this crate knows layout, not the use cases; the
//! web and CLI crates turn a use case's result into a document struct.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Serialize;
use typst::foundations::{Bytes, Dict, IntoValue};
use typst::text::Font;
use typst_as_lib::TypstEngine;

pub mod payment;

pub use payment::{PublicationDoc, StatementDoc};

/// Where Debian's `fonts-noto-cjk` puts its fonts.
pub const DEFAULT_FONT_DIR: &str = "/usr/share/fonts/opentype/noto";

/// The font files read from the font directory: a Song-like serif for
/// text and a Hei-like sans for headings.
const FONT_FILES: &[&str] =
    &["NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"];

const REPORT_TEMPLATE: &str = include_str!("../templates/verification_report.typ");
const NOTICE_TEMPLATE: &str = include_str!("../templates/case_notice.typ");

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("no CJK fonts in {dir}: install fonts-noto-cjk or set the font directory")]
    NoFonts { dir: String },
    #[error("the document could not be laid out: {0}")]
    Layout(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// Renders documents with one set of fonts.
pub struct Printer {
    fonts: Vec<Font>,
}

impl Printer {
    /// Loads the CJK fonts of `dir`.
    pub fn from_dir(dir: &Path) -> Result<Printer, PrintError> {
        let mut fonts = Vec::new();
        for name in FONT_FILES {
            if let Ok(data) = std::fs::read(dir.join(name)) {
                fonts.extend(Font::iter(Bytes::new(data)));
            }
        }
        if fonts.is_empty() {
            return Err(PrintError::NoFonts { dir: dir.display().to_string() });
        }
        Ok(Printer { fonts })
    }

    /// A printer shared by the whole process, loaded on first use.
    pub fn shared(dir: &Path) -> Result<&'static Printer, PrintError> {
        static SHARED: OnceLock<(PathBuf, Printer)> = OnceLock::new();
        if let Some((_, p)) = SHARED.get() {
            return Ok(p);
        }
        let printer = Printer::from_dir(dir)?;
        Ok(&SHARED.get_or_init(|| (dir.to_path_buf(), printer)).1)
    }

    fn render(&self, template: &str, data: &impl Serialize) -> Result<Vec<u8>, PrintError> {
        let json = serde_json::to_string(data).map_err(|e| PrintError::Layout(e.to_string()))?;
        // serde_json writes these characters as they are, so taking them out of
        // the JSON text takes them out of every field.
        let json: String = json.chars().filter(|c| !is_invisible_control(*c)).collect();
        let engine = TypstEngine::builder().main_file(template).fonts(self.fonts.iter().cloned()).build();
        let mut inputs = Dict::new();
        inputs.insert("data".into(), json.into_value());
        let doc = engine.compile_with_input(inputs).output.map_err(|e| PrintError::Layout(format!("{e:?}")))?;
        typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|e| PrintError::Pdf(format!("{e:?}")))
    }

    /// The verification report (核对报告) as PDF.
    pub fn verification_report(&self, doc: &ReportDoc) -> Result<Vec<u8>, PrintError> {
        self.render(REPORT_TEMPLATE, doc)
    }

    /// A notice to an applicant (一次性告知书, 审批确认通知书, 不予批准通知书) as PDF.
    pub fn case_notice(&self, doc: &NoticeDoc) -> Result<Vec<u8>, PrintError> {
        self.render(NOTICE_TEMPLATE, doc)
    }
}

/// Bidirectional controls and zero-width characters, never printed: a
/// right-to-left override in a name would print it reversed. The same set
/// as `jiuzhu_domain::text::is_invisible_control`, which cleans input; this
/// is the defence in depth for text stored before that (the print crate
/// does not depend on the domain).
fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{180E}'
    )
}

/// The verification report as printed: every text in Chinese.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportDoc {
    pub title: String,
    pub subtitle: String,
    /// The bureau that issues it (signature and seal line).
    pub bureau: String,
    /// The report's number, on every page.
    pub number: String,
    pub household: String,
    pub region: String,
    pub verified_at: String,
    pub policy: String,
    /// `[name, relation, masked ID number]`.
    pub members: Vec<[String; 3]>,
    /// `[label, value, label, value]` rows.
    pub sums: Vec<[String; 4]>,
    pub findings: Vec<FindingDoc>,
    pub datasets: Vec<DatasetDoc>,
    pub notes: Vec<String>,
    pub printed_at: String,
}

/// One finding with what it rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FindingDoc {
    pub text: String,
    pub rule: String,
    pub records: Vec<String>,
    /// The objection and its outcome, if one was lodged.
    pub objection: Option<String>,
}

/// One dataset's matched records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DatasetDoc {
    pub name: String,
    /// Department, as-of date and file of the delivery.
    pub delivery: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A notice to an applicant as printed: every text in Chinese, with the
/// issuing body, the legal basis, the appeal rights and a place for the seal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NoticeDoc {
    pub title: String,
    pub issuer: String,
    pub number: String,
    pub addressee: String,
    pub paragraphs: Vec<String>,
    pub items: Vec<String>,
    /// How the amount or the refusal was derived: `[label, value]` rows.
    pub table: Vec<[String; 2]>,
    pub basis: String,
    pub appeal: String,
    pub date: String,
    pub seal: String,
}
