//! The wording of each document, as blocks. One module per document; the pieces they
//! share (page header, certificate table) are here.

mod form;
mod letter;
mod seal;

use crate::document::{Cell, Document, Row, Table};
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
