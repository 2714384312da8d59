//! 印章采集表: boxes the CA scans to make the electronic seal and signature.

use super::{facts, pair, wide};
use crate::document::{Align, Block, Style};
use crate::model::{DocumentData, Subject};

/// A company seal is 40–42 mm across; the box leaves a margin around it.
const SEAL_BOX: f32 = 50.0;
const SIGNATURE_BOX: f32 = 40.0;

pub(super) fn blocks(data: &DocumentData) -> (&'static str, Vec<Block>) {
    let numbered = |what: &str| (1..=3).map(|n| format!("{what} {n}")).collect::<Vec<_>>();
    let mut blocks = Vec::new();
    match &data.subject {
        Subject::Organisation { org, legal_rep, .. } => {
            blocks.push(Block::Table(facts(
                "申请单位",
                vec![
                    wide("单位名称", &org.name),
                    pair(
                        "统一社会信用代码",
                        &org.credit_code,
                        "法定代表人",
                        &legal_rep.name,
                    ),
                ],
            )));
            blocks.push(Block::Space(3.0));
            blocks.push(instruction(
                "请使用红色印泥，在每个方框内居中加盖一次，共三次；印迹须清晰完整，不得压住或超出方框边线。\
                 签字请使用黑色签字笔，字迹清楚，不要碰到边框。保持纸面平整洁净，扫描或拍照后上传。",
            ));
            blocks.push(Block::Boxes {
                heading: "一、单位公章".to_owned(),
                captions: numbered("公章印模"),
                height: SEAL_BOX,
            });
            blocks.push(Block::Boxes {
                heading: format!("二、法定代表人签字或签章（{}）", legal_rep.name),
                captions: numbered("签字或签章"),
                height: SIGNATURE_BOX,
            });
        }
        Subject::NaturalPerson { person, .. } => {
            blocks.push(Block::Table(facts(
                "申请人",
                vec![pair("姓名", &person.name, "身份证号码", &person.id_number)],
            )));
            blocks.push(Block::Space(3.0));
            blocks.push(instruction(
                "请使用黑色签字笔，在每个方框内居中签名一次，共三次；字迹清楚完整，不要碰到或超出方框边线。\
                 保持纸面平整洁净，扫描或拍照后上传。",
            ));
            blocks.push(Block::Boxes {
                heading: format!("申请人签字（{}）", person.name),
                captions: numbered("签字"),
                height: SIGNATURE_BOX,
            });
        }
    }
    ("印章采集表", blocks)
}

fn instruction(text: &str) -> Block {
    Block::Paragraph {
        text: format!("填写说明：{text}"),
        style: Style::Small,
        indent: false,
        align: Align::Left,
    }
}
