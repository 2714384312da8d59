//! 数字证书申请表: every fact of the application in one bordered form, then the
//! certificates, then the declaration with room to sign and stamp.

use super::{FACT_COLUMNS, certificates_and_changes, pair, wide};
use crate::document::{Align, Block, Cell, Row, Style, Table};
use crate::model::{DocumentData, Subject};

pub(super) fn blocks(data: &DocumentData) -> (&'static str, Vec<Block>) {
    let mut facts = Vec::new();
    let declaration;
    let signatures;
    let certificates;
    match &data.subject {
        Subject::Organisation {
            org,
            legal_rep,
            agent,
        } => {
            facts.extend([
                section("一、申请单位"),
                wide("单位名称", &org.name),
                pair(
                    "统一社会信用代码",
                    &org.credit_code,
                    "所在地区",
                    &org.region,
                ),
                wide("单位地址", &org.address),
                section("二、法定代表人"),
                pair("姓名", &legal_rep.name, "手机号码", &legal_rep.mobile),
                wide("身份证号码", &legal_rep.id_number),
                section("三、经办人"),
                pair("姓名", &agent.person.name, "职务", &agent.position),
                pair(
                    "身份证号码",
                    &agent.person.id_number,
                    "手机号码",
                    &agent.person.mobile,
                ),
                wide("电子邮箱", &agent.email),
                section("四、单位基本账户（用于金融认证）"),
                wide("账户名称", &org.bank_account_name),
                pair("开户银行", &org.bank_name, "银行账号", &org.bank_account),
            ]);
            certificates = "五、申请证书";
            declaration = (
                "申请单位声明",
                "本单位确认本表所填信息真实、准确、完整，所附证明材料合法有效；同意证书机构据此审核并签发数字证书，\
                 遵守其电子认证服务协议；因信息不实造成的一切后果由本单位承担。",
            );
            signatures = vec![
                blank_pair("经办人签字", "单位公章", 24.0),
                Row::new(vec![
                    Cell::label("法定代表人签字"),
                    Cell::value(""),
                    Cell::label("申请日期"),
                    Cell::value(data.date.as_str()),
                ])
                .min_height(14.0),
            ];
        }
        Subject::NaturalPerson { person, address } => {
            facts.extend([
                section("一、申请人"),
                pair("姓名", &person.name, "手机号码", &person.mobile),
                wide("身份证号码", &person.id_number),
                wide("联系地址", address),
            ]);
            certificates = "二、申请证书";
            declaration = (
                "申请人声明",
                "本人确认本表所填信息真实、准确、完整，所附证明材料合法有效；同意证书机构据此审核并签发数字证书，\
                 遵守其电子认证服务协议；因信息不实造成的一切后果由本人承担。",
            );
            signatures = vec![
                Row::new(vec![
                    Cell::label("申请人签字"),
                    Cell::value(""),
                    Cell::label("申请日期"),
                    Cell::value(data.date.as_str()),
                ])
                .min_height(20.0),
            ];
        }
    }

    let (heading, text) = declaration;
    let mut closing = vec![section(heading), Row::new(vec![Cell::value(text).span(4)])];
    closing.extend(signatures);
    let mut blocks = vec![
        Block::Paragraph {
            // The project is in the page header already.
            text: format!(
                "申请类型：{}　　证书机构：{}",
                data.application_type.boxes(),
                data.ca_name
            ),
            style: Style::Small,
            indent: false,
            align: Align::Left,
        },
        Block::Table(four_columns(facts)),
    ];
    blocks.extend(certificates_and_changes(data, certificates, false));
    blocks.push(Block::Table(four_columns(closing)));
    ("数字证书申请表", blocks)
}

fn four_columns(rows: Vec<Row>) -> Table {
    Table {
        columns: FACT_COLUMNS.to_vec(),
        header: Vec::new(),
        rows,
    }
}

fn section(heading: &str) -> Row {
    Row::new(vec![Cell::heading(heading).span(4)])
}

/// Two labelled empty cells, tall enough to sign or stamp in.
fn blank_pair(label: &str, label2: &str, height: f32) -> Row {
    Row::new(vec![
        Cell::label(label),
        Cell::value(""),
        Cell::label(label2),
        Cell::value(""),
    ])
    .min_height(height)
}
