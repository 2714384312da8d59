//! Renders every document with a subset of the real font and checks the PDFs with the
//! tools a reviewer's machine has: the text comes back (pdftotext), the font is an
//! embedded subset (pdffonts), the file is clean (qpdf) and the QR code on each page
//! scans to the verification URL (pdftoppm + zbarimg).
//!
//! Set `DOCUMENTS_PREVIEW_DIR` to keep the PDFs and page images there. The crate enables
//! its own `subset` feature for its tests, so a plain `cargo test` runs these.

#![cfg(all(feature = "pdf", feature = "subset"))]

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use documents::{
    ApplicationType, ChangeLine, DocumentData, DocumentKind, RenderError, Subject, characters,
    render, subset_font,
};

const FONT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"
);

fn font() -> Vec<u8> {
    std::fs::read(FONT)
        .unwrap_or_else(|e| panic!("{FONT}: {e}; run `npm ci` at the workspace root"))
}

fn fixture(name: &str) -> DocumentData {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs a tool, failing with the Debian package to install when it is missing.
fn run(program: &str, package: &str, args: &[&str]) -> Output {
    match Command::new(program).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            panic!("`{program}` is not installed: apt-get install {package}")
        }
        Err(e) => panic!("{program}: {e}"),
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn out_dir(case: &str) -> PathBuf {
    let dir = match std::env::var_os("DOCUMENTS_PREVIEW_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join(format!("documents-{case}-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The names the printed text must contain for this document.
fn expected(kind: DocumentKind, data: &DocumentData) -> Vec<String> {
    let mut names = vec![data.application_number.clone()];
    match &data.subject {
        Subject::Organisation { org, agent, .. } => {
            names.push(org.name.clone());
            if kind != DocumentKind::SealSheet {
                names.push(agent.person.name.clone());
            }
        }
        Subject::NaturalPerson { person, .. } => names.push(person.name.clone()),
    }
    // A 变更's letter and form show what changes; the seal sheet is about the seal alone.
    if kind != DocumentKind::SealSheet {
        for change in &data.changes {
            names.extend([
                change.item.clone(),
                change.before.clone(),
                change.after.clone(),
            ]);
        }
    }
    names
}

fn check_case(case: &str, data: &DocumentData) {
    let font = font();
    let dir = out_dir(case);
    for kind in DocumentKind::ALL {
        let subset = subset_font(&font, &characters(kind, data)).unwrap();
        let started = Instant::now();
        let pdf = render(kind, data, &subset).unwrap();
        let elapsed = started.elapsed();
        let stem = format!("{case}-{}", kind.slug());
        let path = dir.join(format!("{stem}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        let file = path.to_str().unwrap();
        println!(
            "{stem}: font subset {} B, PDF {} B, rendered in {elapsed:?}",
            subset.len(),
            pdf.len()
        );
        if kind == DocumentKind::AuthorizationLetter {
            assert!(pdf.len() <= 200 * 1024, "{stem}: {} bytes", pdf.len());
        }

        let text = stdout(&run("pdftotext", "poppler-utils", &[file, "-"]));
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for name in expected(kind, data) {
            assert!(
                text.contains(&name),
                "{stem}: {name} not in the extracted text:\n{text}"
            );
        }

        let fonts = stdout(&run("pdffonts", "poppler-utils", &[file]));
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert_eq!(rows.len(), 1, "{stem}: one font expected:\n{fonts}");
        let columns: Vec<&str> = rows[0].split_whitespace().collect();
        let [.., emb, sub, uni, _, _] = columns[..] else {
            panic!("{stem}: unexpected pdffonts output:\n{fonts}")
        };
        assert_eq!((emb, sub, uni), ("yes", "yes", "yes"), "{stem}:\n{fonts}");
        assert!(
            rows[0].contains("CID TrueType") && rows[0].contains("Identity-H"),
            "{fonts}"
        );

        let check = run("qpdf", "qpdf", &["--check", file]);
        assert!(
            check.status.success()
                && stdout(&check).contains("No syntax or stream encoding errors"),
            "{stem}: qpdf --check:\n{}{}",
            stdout(&check),
            String::from_utf8_lossy(&check.stderr)
        );

        let prefix = dir.join(&stem);
        let raster = run(
            "pdftoppm",
            "poppler-utils",
            &["-r", "150", "-png", file, prefix.to_str().unwrap()],
        );
        assert!(raster.status.success(), "{stem}: pdftoppm failed");
        let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with(&format!("{stem}-")) && name.ends_with(".png")
            })
            .collect();
        pages.sort();
        assert!(!pages.is_empty(), "{stem}: no page images");
        for page in &pages {
            let scan = run(
                "zbarimg",
                "zbar-tools",
                &["--raw", "-q", page.to_str().unwrap()],
            );
            assert_eq!(
                stdout(&scan).trim_end(),
                data.verify_url,
                "{}",
                page.display()
            );
        }
    }
    if std::env::var_os("DOCUMENTS_PREVIEW_DIR").is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn organisation_documents_pass_the_pdf_tools() {
    check_case("organisation", &fixture("organisation.json"));
}

#[test]
fn natural_person_documents_pass_the_pdf_tools() {
    check_case("natural-person", &fixture("natural_person.json"));
}

#[test]
fn a_change_prints_the_changed_details_old_beside_new() {
    let mut data = fixture("organisation.json");
    data.application_type = ApplicationType::Change;
    // A change order is about one certificate.
    data.certificates.truncate(1);
    let Subject::Organisation { org, .. } = &data.subject else {
        unreachable!()
    };
    data.changes = vec![
        ChangeLine {
            section: "单位信息".into(),
            item: "机构名称".into(),
            before: "山西旧名称科技有限公司".into(),
            after: org.name.clone(),
        },
        ChangeLine {
            section: "法定代表人信息".into(),
            item: "法人姓名".into(),
            before: "赵旧人".into(),
            after: "钱新人".into(),
        },
    ];
    check_case("change", &data);
}

#[test]
fn crowded_documents_run_onto_more_pages_and_every_page_scans() {
    check_case("crowded", &fixture("crowded.json"));
}

#[test]
fn a_subset_made_for_other_text_is_refused_with_the_missing_characters() {
    let font = font();
    let organisation = fixture("organisation.json");
    let person = fixture("natural_person.json");
    let kind = DocumentKind::AuthorizationLetter;
    let subset = subset_font(&font, &characters(kind, &person)).unwrap();
    match render(kind, &organisation, &subset) {
        Err(RenderError::MissingGlyphs(missing)) => assert!(missing.contains('喆'), "{missing}"),
        other => panic!("expected missing glyphs, got {other:?}"),
    }
}

#[test]
fn the_subset_keeps_what_the_renderer_needs_and_little_else() {
    let font = font();
    let data = fixture("organisation.json");
    let text = characters(DocumentKind::AuthorizationLetter, &data);
    let subset = subset_font(&font, &text).unwrap();
    println!(
        "letter: {} distinct characters, subset {} B of {} B",
        text.chars().count(),
        subset.len(),
        font.len()
    );
    assert!(subset.len() < 120 * 1024, "{} bytes", subset.len());
    // Rendering proves the cmap is usable: every character resolved to a glyph.
    render(DocumentKind::AuthorizationLetter, &data, &subset).unwrap();
}
