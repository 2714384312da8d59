//! The wording of each document, as blocks. One module per document; the pieces they
//! share (page header, certificate table) are here.

mod form;
mod letter;
mod seal;

use crate::document::{Block, Cell, Document, Row, Table};
use crate::model::{DocumentData, DocumentKind, Subject};

pub(crate) fn document(kind: DocumentKind, data: &DocumentData) -> Document {
    let (title, blocks) = match kind {
        DocumentKind::AuthorizationLetter => letter::blocks(data),
        DocumentKind::ApplicationForm => form::blocks(data),
        DocumentKind::SealSheet => seal::blocks(data),
    };
    Document {
        title: title.to_owned(),
        header: [
            data.project_name.clone(),
            format!("申请编号：{}", data.application_number),
            "审核人员扫描右侧二维码，核对纸质材料与网上申请单是否一致".to_owned(),
        ],
        blocks,
    }
}

/// The certificates applied for; its two header rows repeat when it runs onto a new page.
fn certificate_table(data: &DocumentData, heading: &str) -> Table {
    let rows = data
        .certificates
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let (holder, id_number) = match (&line.holder, &data.subject) {
                (Some(holder), _) => (holder.name.as_str(), holder.id_number.as_str()),
                (None, Subject::NaturalPerson { person, .. }) => {
                    (person.name.as_str(), person.id_number.as_str())
                }
                (None, Subject::Organisation { .. }) => ("本单位", "—"),
            };
            Row::new(vec![
                Cell::value((index + 1).to_string()).centered(),
                Cell::value(line.product.as_str()),
                Cell::value(holder).centered(),
                Cell::value(id_number).centered(),
                Cell::value(format!("{}年", line.years)).centered(),
            ])
        })
        .collect();
    Table {
        columns: vec![12.0, 58.0, 30.0, 48.0, 22.0],
        header: vec![
            Row::new(vec![Cell::heading(heading).span(5)]),
            Row::new(vec![
                Cell::column("序号"),
                Cell::column("证书类型"),
                Cell::column("持有人"),
                Cell::column("持有人身份证号码"),
                Cell::column("有效期"),
            ]),
        ],
        rows,
    }
}

/// The certificates, and for a 变更 application what it changes, old beside new, so the CA
/// sees on paper exactly what the stamp and signature approve.
/// `spaced`: a gap between the two tables (a letter's, not the form's joined grid).
fn certificates_and_changes(data: &DocumentData, heading: &str, spaced: bool) -> Vec<Block> {
    let mut blocks = vec![Block::Table(certificate_table(data, heading))];
    if !data.changes.is_empty() {
        // Each section named once, above its first change.
        let mut rows = Vec::new();
        let mut section = None;
        for change in &data.changes {
            if section != Some(change.section.as_str()) {
                section = Some(change.section.as_str());
                rows.push(Row::new(vec![
                    Cell::heading(change.section.as_str()).span(3),
                ]));
            }
            rows.push(Row::new(vec![
                Cell::label(change.item.as_str()),
                Cell::value(change.before.as_str()),
                Cell::value(change.after.as_str()),
            ]));
        }
        if spaced {
            blocks.push(Block::Space(4.0));
        }
        blocks.push(Block::Table(Table {
            columns: vec![40.0, 65.0, 65.0],
            header: vec![Row::new(vec![
                Cell::column("变更事项"),
                Cell::column("变更前"),
                Cell::column("变更后"),
            ])],
            rows,
        }));
    }
    blocks
}

/// Label, value, label, value: wide enough for 统一社会信用代码 on one line.
const FACT_COLUMNS: [f32; 4] = [34.0, 51.0, 34.0, 51.0];

/// A label/value grid of four columns, the shape of every fact table.
fn facts(heading: &str, rows: Vec<Row>) -> Table {
    let mut all = vec![Row::new(vec![Cell::heading(heading).span(4)])];
    all.extend(rows);
    Table {
        columns: FACT_COLUMNS.to_vec(),
        header: Vec::new(),
        rows: all,
    }
}

/// One fact across the whole width.
fn wide(label: &str, value: &str) -> Row {
    Row::new(vec![Cell::label(label), Cell::value(value).span(3)])
}

/// Two facts side by side.
fn pair(label: &str, value: &str, label2: &str, value2: &str) -> Row {
    Row::new(vec![
        Cell::label(label),
        Cell::value(value),
        Cell::label(label2),
        Cell::value(value2),
    ])
}
