//! Files made to break a parser, uploaded as an applicant uploads a scan: each is refused with
//! a message that says what is wrong with it, and the server keeps serving.

use crate::common;
use crate::fixtures;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::applicant::OWNER;
use common::browser::Browser;
use common::upload::{refusal, upload};
use fixtures::hostile;
use server::config::{CaptchaMode, Config};
use server::materials::inspect::inspect;

const SLOT: &str = "business_license";
/// Far above what any of these files takes to refuse; only a hang reaches it.
const EACH_LIMIT: Duration = Duration::from_secs(60);

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    code: &'static str,
    message: &'static str,
}

fn corpus() -> Vec<Case> {
    let case = |name, bytes, code, message| Case {
        name,
        bytes,
        code,
        message,
    };
    vec![
        case(
            "xref-width-bomb.pdf",
            hostile::xref_width_bomb(),
            "pdf_xref",
            "PDF 的交叉引用表（文件索引）数值异常，无法安全打开，请用扫描软件或“打印为 PDF”重新生成后上传",
        ),
        case(
            "duplicate-offsets.pdf",
            hostile::duplicate_xref_offsets(80_000),
            "pdf_xref",
            "PDF 的交叉引用表（文件索引）数值异常，无法安全打开，请用扫描软件或“打印为 PDF”重新生成后上传",
        ),
        case(
            "object-stream-amplification.pdf",
            hostile::object_stream_amplification(40_000),
            "pdf_xref",
            "PDF 的交叉引用表（文件索引）数值异常，无法安全打开，请用扫描软件或“打印为 PDF”重新生成后上传",
        ),
        case(
            "deep-page-tree.pdf",
            hostile::deep_page_tree(1_000),
            "pdf_page_tree",
            "PDF 的页面目录超过 32 层或首尾相连，无法确定页数，请用扫描软件或“打印为 PDF”重新生成后上传",
        ),
        case(
            "deep-arrays.pdf",
            hostile::deep_arrays(10_000),
            "pdf_nesting",
            "PDF 内部的数据嵌套超过 32 层，不是正常扫描件的结构，请用扫描软件或“打印为 PDF”重新生成后上传",
        ),
        case(
            "cut.pdf",
            hostile::cut(&fixtures::pdf(3), 60),
            "truncated",
            "PDF 文件不完整（结尾缺失），可能没有保存或下载完整，请重新导出后上传",
        ),
        case(
            "cut.jpg",
            hostile::cut(&fixtures::jpeg(64, 64), 60),
            "truncated",
            "JPG 图片不完整（结尾缺失），可能没有保存或下载完整，请重新导出后上传",
        ),
        case(
            "cut.png",
            hostile::cut(&fixtures::png(64, 64), 60),
            "truncated",
            "PNG 图片不完整（结尾缺失），可能没有保存或下载完整，请重新导出后上传",
        ),
        case(
            "polyglot.jpg",
            hostile::jpeg_zip_polyglot(),
            "hidden_data",
            "JPG 图片的内容结束后还夹带了其他数据（例如压缩包、视频或其他文件），为安全起见不能接收，请用扫描或看图软件重新另存后上传",
        ),
        case(
            "polyglot.png",
            hostile::png_zip_polyglot(),
            "hidden_data",
            "PNG 图片的内容结束后还夹带了其他数据（例如压缩包、视频或其他文件），为安全起见不能接收，请用扫描或看图软件重新另存后上传",
        ),
        case(
            "polyglot.pdf",
            hostile::pdf_zip_polyglot(),
            "hidden_data",
            "PDF 文件的内容结束后还夹带了其他数据（例如压缩包、视频或其他文件），为安全起见不能接收，请用扫描或看图软件重新另存后上传",
        ),
        case(
            "bomb.png",
            fixtures::png_bomb(50_000, 50_000),
            "too_many_pixels",
            "图片尺寸过大（超过 12000 像素或无法展开），请缩小后重新上传",
        ),
        case(
            "bomb.jpg",
            hostile::jpeg_bomb(60_000, 60_000),
            "too_many_pixels",
            "图片尺寸过大（超过 12000 像素或无法展开），请缩小后重新上传",
        ),
        case(
            // Within the size limits, but with data for 16 × 16 pixels: decoding it filled
            // the rest with nothing for a minute and accepted it.
            "bomb-within-limits.jpg",
            hostile::jpeg_bomb(9_000, 9_000),
            "too_many_pixels",
            "图片尺寸过大（超过 12000 像素或无法展开），请缩小后重新上传",
        ),
        case(
            "scans.jpg",
            hostile::jpeg_scan_bomb(1_000),
            "jpeg_scans",
            "JPG 图片包含超过 64 个扫描段，展开要耗费大量计算，请用看图软件另存为普通 JPG 后上传",
        ),
    ]
}

#[tokio::test]
async fn each_hostile_file_is_refused_with_its_own_message_and_the_server_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        captcha: CaptchaMode::Off,
        ..common::config(dir.path())
    };
    let (server, _clock) = common::start_with(config).await;
    let browser = Browser::new(&server);
    browser.sign_in(OWNER, &[]).await;
    let number = common::applicant::submit(&server, OWNER, &[]).await;

    let mut wrong = Vec::new();
    for case in corpus() {
        let started = Instant::now();
        let reply = tokio::time::timeout(
            EACH_LIMIT,
            upload(&browser, &number, SLOT, case.name, &case.bytes),
        )
        .await
        .unwrap_or_else(|_| panic!("{} got no answer in {EACH_LIMIT:?}", case.name));
        let took = started.elapsed();
        if reply.status == StatusCode::OK {
            wrong.push(format!("{}: accepted", case.name));
            continue;
        }
        let (status, code, message) = refusal(&reply);
        println!("{}: {status} {code} in {took:?}", case.name);
        if (status, code.as_str(), message.as_str())
            != (StatusCode::UNPROCESSABLE_ENTITY, case.code, case.message)
        {
            wrong.push(format!("{}: {status} {code} {message}", case.name));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Still up: a real scan is stored, and nothing of the refused files was.
    let reply = upload(
        &browser,
        &number,
        SLOT,
        "营业执照.jpg",
        &fixtures::jpeg(640, 480),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["material"]["kind"], "jpeg");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM materials")
        .fetch_one(server.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 1);

    // PDFs as real writers make them pass the same checks: the portal's own printed form
    // (printpdf), and one of object and cross-reference streams.
    let form = browser
        .send(
            axum::http::Request::get(format!(
                "/p/{}/applications/{number}/documents/application-form.pdf",
                common::applicant::PROJECT
            ))
            .body(axum::body::Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    for (name, pdf) in [
        ("申请表.pdf", form.bytes),
        ("扫描件.pdf", fixtures::modern_pdf(2)),
    ] {
        let reply = upload(&browser, &number, SLOT, name, &pdf).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
    }
}

#[test]
fn the_corpus_messages_differ_where_the_faults_differ() {
    let corpus = corpus();
    for a in &corpus {
        for b in &corpus {
            if a.code != b.code {
                assert_ne!(a.message, b.message, "{} and {}", a.name, b.name);
            }
        }
    }
}

/// Set in a child process to the name of the fixture it inspects.
const CHILD: &str = "HOSTILE_UPLOADS_CHILD";
const CHILD_TEST: &str = "hostile_uploads::inspect_the_fixture_named_in_the_environment";
/// The child's address space: a parser that tries to take more fails there, not the machine.
const CHILD_MEMORY_KIB: u64 = 4 * 1024 * 1024;

fn fixture(name: &str) -> Vec<u8> {
    match name {
        "xref-width-bomb" => hostile::xref_width_bomb(),
        "object-stream-amplification" => hostile::object_stream_amplification(40_000),
        "duplicate-xref-offsets" => hostile::duplicate_xref_offsets(80_000),
        other => panic!("no fixture {other}"),
    }
}

#[test]
#[ignore = "run by the tests below, in a child process"]
fn inspect_the_fixture_named_in_the_environment() {
    let Ok(name) = std::env::var(CHILD) else {
        return;
    };
    let bytes = fixture(&name);
    assert!(
        bytes.len() <= app::domain::materials::MAX_UPLOAD_BYTES,
        "{name}"
    );
    println!("inspected: {:?}", inspect(&bytes));
}

/// Inspects fixture `name` in a child process with a memory cap, so that if it aborts (an
/// allocation failure is not a panic and no `catch_unwind` stops it) or runs away, the test
/// reports it instead of dying with it or starving the machine. Its output and how long it
/// took.
fn inspect_in_child(name: &str) -> (String, Duration) {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {CHILD_MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(std::env::current_exe().unwrap())
        .args([CHILD_TEST, "--exact", "--ignored", "--nocapture"])
        .env(CHILD, name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > EACH_LIMIT {
            child.kill().unwrap();
            panic!("inspecting {name} did not finish in {EACH_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        status.success(),
        "the process inspecting {name} died ({status:?}):\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (stdout, took)
}

/// lopdf 0.44 sized a buffer from the /W entry and aborted the process.
#[test]
fn the_xref_width_bomb_cannot_abort_the_process() {
    let (output, _) = inspect_in_child("xref-width-bomb");
    assert!(
        output.contains("inspected: Err(Defect(PdfXref))"),
        "{output}"
    );
}

/// An object stream's index naming one 256 KB object 40,000 times: lopdf keeps a copy per
/// name, ten gigabytes.
#[test]
fn an_object_stream_naming_one_object_many_times_cannot_exhaust_memory() {
    let (output, took) = inspect_in_child("object-stream-amplification");
    assert!(
        output.contains("inspected: Err(Defect(PdfXref))"),
        "{output}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// An xref naming one 256 KB object's offset 80,000 times: lopdf parses it once per entry.
#[test]
fn an_xref_naming_one_offset_many_times_is_refused_at_once() {
    let (output, took) = inspect_in_child("duplicate-xref-offsets");
    assert!(
        output.contains("inspected: Err(Defect(PdfXref))"),
        "{output}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}
