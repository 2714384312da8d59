//! 授权委托书: the organisation authorizes its agent to apply. A natural person applies
//! in person, so an authorization would be empty; they get 个人申请承诺书 instead, the
//! signed undertaking the CA keeps in its place.

use super::{certificates_and_changes, facts, pair, wide};
use crate::document::{Align, Block, SignLine, Style};
use crate::model::{DocumentData, Subject};

pub(super) fn blocks(data: &DocumentData) -> (&'static str, Vec<Block>) {
    match &data.subject {
        Subject::Organisation {
            org,
            legal_rep,
            agent,
        } => {
            let mut blocks = vec![
                prose(&format!("{}：", data.ca_name), false),
                prose(
                    &format!(
                        "{}（统一社会信用代码：{}）现委托本单位{}{}为委托代理人，\
                         以本单位名义向贵公司{}，用于{}的电子招标投标及相关业务，\
                         并代表本单位签署与本次申请有关的文件。",
                        org.name,
                        org.credit_code,
                        agent.position,
                        agent.person.name,
                        data.application_type.request(),
                        data.project_name
                    ),
                    true,
                ),
                Block::Space(1.0),
                Block::Table(facts(
                    "委托代理人",
                    vec![
                        pair("姓名", &agent.person.name, "职务", &agent.position),
                        pair(
                            "身份证号码",
                            &agent.person.id_number,
                            "手机号码",
                            &agent.person.mobile,
                        ),
                    ],
                )),
                Block::Space(4.0),
            ];
            blocks.extend(certificates_and_changes(data, "申请办理的数字证书", true));
            blocks.extend([
                Block::Space(4.0),
                Block::Table(facts(
                    "法定代表人",
                    vec![pair(
                        "姓名",
                        &legal_rep.name,
                        "身份证号码",
                        &legal_rep.id_number,
                    )],
                )),
                Block::Space(2.0),
                prose(
                    "代理人在上述范围内办理的事项和签署的文件，本单位均予以承认；代理人无权转委托。\
                     本委托书自签署之日起生效，至上述证书办理完毕之日止。",
                    true,
                ),
                prose(
                    "本单位保证所提交的申请材料真实、准确、完整，并对其真实性承担法律责任。",
                    true,
                ),
                Block::Space(4.0),
                Block::SignOff {
                    indent: 80.0,
                    lines: vec![
                        sign("委托单位（公章）："),
                        sign("法定代表人（签字或盖章）："),
                        dated(data),
                    ],
                },
            ]);
            ("授权委托书", blocks)
        }
        Subject::NaturalPerson { person, address } => {
            let mut blocks = vec![
                prose(&format!("{}：", data.ca_name), false),
                prose(
                    &format!(
                        "本人{}（身份证号码：{}）向贵公司{}，\
                         用于{}的电子招标投标及相关业务。本次申请由本人亲自办理，未委托他人。",
                        person.name,
                        person.id_number,
                        data.application_type.request(),
                        data.project_name
                    ),
                    true,
                ),
                Block::Space(1.0),
                Block::Table(facts(
                    "申请人",
                    vec![
                        pair("姓名", &person.name, "手机号码", &person.mobile),
                        wide("身份证号码", &person.id_number),
                        wide("联系地址", address),
                    ],
                )),
                Block::Space(4.0),
            ];
            blocks.extend(certificates_and_changes(data, "申请办理的数字证书", true));
            blocks.extend([
                Block::Space(2.0),
                prose(
                    "本人保证所提交的申请材料真实、准确、完整；妥善保管数字证书及其密码，\
                     不转借他人使用；因材料不实或保管不善造成的后果，由本人承担法律责任。",
                    true,
                ),
                Block::Space(4.0),
                Block::SignOff {
                    indent: 80.0,
                    lines: vec![sign("申请人（签字）："), dated(data)],
                },
            ]);
            ("个人申请承诺书", blocks)
        }
    }
}

fn prose(text: &str, indent: bool) -> Block {
    Block::Paragraph {
        text: text.to_owned(),
        style: Style::Body,
        indent,
        align: Align::Left,
    }
}

fn sign(label: &str) -> SignLine {
    SignLine {
        label: label.to_owned(),
        value: None,
    }
}

fn dated(data: &DocumentData) -> SignLine {
    SignLine {
        label: "日期：".to_owned(),
        value: Some(data.date.clone()),
    }
}
