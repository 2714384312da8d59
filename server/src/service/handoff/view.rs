//! What the desktop and the phone show of a session.

use app::domain::handoff::{self as rules, IdSide, Next, Stage, Step};
use app::services::handoff::{
    FailureView, HandoffError, HandoffStatus, MismatchView, PhoneState, StepView,
};

use super::sealed::Record;
use super::{Handoffs, deadline, secs_until, stamp};
use crate::handoff::token::Device;
use crate::store::handoff::HandoffRow;
use crate::store::time::to_text;

impl Handoffs {
    pub(super) async fn steps(&self, id: i64) -> Result<Vec<StepView>, HandoffError> {
        Ok(self
            .repo
            .steps(id)
            .await?
            .into_iter()
            .filter_map(|row| {
                Step::parse(&row.kind, row.detail.as_deref())
                    .map(|step| StepView::new(step, to_text(row.at)))
            })
            .collect())
    }

    pub(super) fn mismatch_views(record: &Record) -> Vec<MismatchView> {
        let front = record
            .front_mismatches
            .iter()
            .map(|m| MismatchView::new(IdSide::Front, m));
        let back = record
            .back_mismatches
            .iter()
            .map(|m| MismatchView::new(IdSide::Back, m));
        front.chain(back).collect()
    }

    pub(super) async fn desktop_view(
        &self,
        row: Option<HandoffRow>,
    ) -> Result<HandoffStatus, HandoffError> {
        let now = self.clock.now().unix_timestamp();
        let Some(row) = row else {
            return Ok(HandoffStatus {
                token_id: None,
                version: 0,
                stage: None,
                token_state: None,
                label: String::new(),
                failure: None,
                expires_at: None,
                expires_in_secs: None,
                steps: Vec::new(),
                mismatches: Vec::new(),
                for_review: Vec::new(),
                front_retakes_left: rules::MAX_RETAKES,
                back_retakes_left: rules::MAX_RETAKES,
                liveness_attempts_left: rules::MAX_FAILED_ATTEMPTS,
                done: false,
            });
        };
        let state = row.state()?;
        let record = self.record(&row)?;
        let deadline = deadline(&row, state.stage);
        let live = !state.stage.is_terminal();
        Ok(HandoffStatus {
            token_id: Some(row.id),
            version: row.version,
            stage: Some(state.stage),
            token_state: Some(state.stage.token_state()),
            label: state.stage.label().to_owned(),
            failure: state.failure.map(FailureView::from),
            expires_at: live.then(|| stamp(deadline)),
            expires_in_secs: live.then(|| secs_until(deadline, now)),
            steps: self.steps(row.id).await?,
            mismatches: Self::mismatch_views(&record),
            for_review: [IdSide::Front, IdSide::Back]
                .into_iter()
                .filter(|side| state.for_review(*side))
                .collect(),
            front_retakes_left: state.retakes_left(IdSide::Front),
            back_retakes_left: state.retakes_left(IdSide::Back),
            liveness_attempts_left: state.attempts_left(),
            done: state.stage == Stage::Completed,
        })
    }

    pub(super) async fn phone_view(
        &self,
        row: &HandoffRow,
        device: Device,
    ) -> Result<PhoneState, HandoffError> {
        let state = row.state()?;
        let now = self.clock.now().unix_timestamp();
        let holder = device == Device::Holder;
        let other = device == Device::Other;
        let steps = if holder {
            self.steps(row.id).await?
        } else {
            Vec::new()
        };
        let superseded = steps.iter().any(|s| s.kind == Step::Superseded.code())
            || (!holder && self.repo.has_step(row.id, Step::Superseded.code()).await?);
        let person = if other {
            None
        } else {
            Some(rules::mask_name(&self.subject(row)?.name))
        };
        let next = match state.stage {
            Stage::Completed if !holder => Next::Rescan,
            stage if !stage.is_terminal() && other => Next::OtherDevice,
            _ => state.next(),
        };
        let role = row.role()?.label();
        let message = match (state.stage, next) {
            (_, Next::OtherDevice) => HandoffError::OtherDevice.to_string(),
            (Stage::Pending, _) => format!(
                "请{role}{}本人在这台设备上完成身份证拍摄和人脸识别。点击“开始认证”后，此链接只能在这台设备上使用",
                person.as_deref().unwrap_or_default()
            ),
            (Stage::Opened, _) => "请拍摄身份证人像面（有照片的一面）".to_owned(),
            (Stage::IdFrontDone, _) => "请拍摄身份证国徽面（有国徽的一面）".to_owned(),
            (Stage::IdBackDone | Stage::LivenessPassed | Stage::FaceMatched, _) => {
                "请进行活体检测：正对镜头，按提示完成动作".to_owned()
            }
            (Stage::Completed, Next::Done) => "身份认证已完成，请回到电脑上继续办理".to_owned(),
            (Stage::Completed, _) => {
                "此链接已完成认证，不能再次使用。如需重新认证，请回到电脑上重新扫码".to_owned()
            }
            (Stage::Expired, _) if superseded => {
                "电脑上已生成新的二维码，此链接已作废。请扫描电脑上最新的二维码".to_owned()
            }
            (Stage::Expired, _) => HandoffError::Expired.to_string(),
            (Stage::Failed, _) => state
                .failure
                .map(|r| r.message().to_owned())
                .unwrap_or_else(|| HandoffError::Expired.to_string()),
        };
        let deadline = deadline(row, state.stage);
        let mismatches = if holder {
            Self::mismatch_views(&self.record(row)?)
        } else {
            Vec::new()
        };
        Ok(PhoneState {
            stage: state.stage,
            token_state: state.stage.token_state(),
            this_device: holder,
            next,
            message,
            role: role.to_owned(),
            person,
            expires_at: stamp(deadline),
            expires_in_secs: secs_until(deadline, now),
            failure: state.failure.map(FailureView::from),
            mismatches,
            front_retakes_left: state.retakes_left(IdSide::Front),
            back_retakes_left: state.retakes_left(IdSide::Back),
            liveness_attempts_left: state.attempts_left(),
            steps,
        })
    }
}
