//! The liveness check: prompts handed out, frames checked, the face compared with the ID
//! photo, and the session completed when both pass.

use app::domain::handoff::{
    self as rules, CHALLENGE_SECS, Event, MAX_FRAME_BYTES, MAX_FRAMES, MIN_FRAME_SIDE, Stage,
};
use app::services::handoff::{
    FailureView, HandoffError, LivenessChallenge, LivenessResult, PromptView,
};

use super::sealed::{Challenge, LivenessAttempt, decode_all};
use super::{Handoffs, apply, internal, stamp, verifier_error, wrong_step};
use crate::handoff::token::{self, Device};
use crate::store::handoff::{Change, NewFile};

impl Handoffs {
    pub(super) async fn hand_out_prompts(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<LivenessChallenge, HandoffError> {
        let (row, state) = self.held(token, device).await?;
        if state.stage != Stage::IdBackDone {
            return Err(wrong_step(&state));
        }
        let prompts = rules::prompt_sequence(rand::random());
        let expires_at = self.clock.now().unix_timestamp() + CHALLENGE_SECS;
        let challenge = Challenge {
            id: token::new_secret(),
            prompts: prompts.clone(),
            expires_at,
        };
        let json = serde_json::to_string(&challenge).map_err(internal)?;
        // Handing out prompts changes nothing the desktop shows: no new version.
        if !self.repo.set_challenge(row.id, row.version, &json).await? {
            return Err(HandoffError::Conflict);
        }
        Ok(LivenessChallenge {
            challenge: challenge.id,
            prompts: prompts
                .iter()
                .map(|p| PromptView {
                    code: *p,
                    text: p.text().to_owned(),
                })
                .collect(),
            min_frames: (prompts.len() + 1) as u8,
            max_frames: MAX_FRAMES as u8,
            max_frame_bytes: MAX_FRAME_BYTES as u32,
            expires_at: stamp(expires_at),
        })
    }

    pub(super) async fn check_liveness(
        &self,
        token: &str,
        device: Option<&str>,
        challenge: &str,
        frames: Vec<Vec<u8>>,
    ) -> Result<LivenessResult, HandoffError> {
        let (row, state) = self.held(token, device).await?;
        if state.stage != Stage::IdBackDone {
            return Err(wrong_step(&state));
        }
        let now = self.clock.now();
        let issued: Option<Challenge> = row
            .challenge
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok());
        let issued = issued
            .filter(|c| {
                c.expires_at > now.unix_timestamp()
                    && crate::crypto::same(c.id.as_bytes(), challenge.as_bytes())
            })
            .ok_or(HandoffError::ChallengeStale)?;
        let min = issued.prompts.len() + 1;
        if !(min..=MAX_FRAMES).contains(&frames.len()) {
            return Err(HandoffError::FrameCount {
                min: min as u8,
                max: MAX_FRAMES as u8,
                got: frames.len(),
            });
        }
        let (frames, sizes) = decode_all(frames, MAX_FRAME_BYTES, MIN_FRAME_SIDE).await?;
        let verdict = self
            .verifier
            .liveness(&issued.prompts, &frames)
            .await
            .map_err(verifier_error)?;
        let (mut next, mut steps) = apply(
            &state,
            Event::Liveness {
                failure: verdict.failure,
            },
        )?;
        let mut face = None;
        if verdict.failure.is_none() {
            let front = self
                .repo
                .file(row.id, "id_front")
                .await?
                .ok_or_else(|| internal("ID front photo missing"))?;
            let id_front = self.get_photo(&front).await?;
            let compared = self
                .verifier
                .face_compare(&id_front, &frames[0])
                .await
                .map_err(verifier_error)?;
            let (after, more) = apply(
                &next,
                Event::FaceCompare {
                    matched: compared.matched,
                },
            )?;
            (next, steps) = (after, [steps, more].concat());
            if compared.matched {
                let (after, more) = apply(&next, Event::Complete)?;
                (next, steps) = (after, [steps, more].concat());
            }
            face = Some(compared);
        }
        let mut record = self.record(&row)?;
        record.provider = self.verifier.provider().to_owned();
        record.liveness.push(LivenessAttempt {
            at: crate::clock::timestamp(now),
            prompts: issued.prompts.clone(),
            frames: frames.len(),
            failure: verdict.failure,
            note: verdict.note,
            face: face.clone(),
        });
        let mut stored = Vec::with_capacity(frames.len());
        for (bytes, (width, height)) in frames.iter().zip(&sizes) {
            match self.put_photo(bytes).await {
                Ok(object) => stored.push(NewFile {
                    object,
                    size: bytes.len() as i64,
                    width: i64::from(*width),
                    height: i64::from(*height),
                }),
                Err(error) => {
                    let keys: Vec<String> = stored.into_iter().map(|f| f.object).collect();
                    self.drop_photos(&keys).await;
                    return Err(error);
                }
            }
        }
        let mut change = Change::new(next, steps);
        change.challenge = Some(None);
        change.result = Some(self.seal_record(row.id, &record)?);
        self.commit(&row, change, Some(("frame", &stored))).await?;
        let row = self.by_id(row.id).await?;
        let face_matched = face.as_ref().map(|f| f.matched);
        let failure = match (verdict.failure, face_matched) {
            (Some(reason), _) => Some(FailureView::from(reason)),
            (None, Some(false)) => Some(FailureView {
                code: "face_mismatch".into(),
                message: "人脸与身份证照片不一致。请确认由身份证本人操作，正对镜头重试".into(),
            }),
            _ => None,
        };
        Ok(LivenessResult {
            passed: verdict.failure.is_none(),
            face_matched,
            failure,
            attempts_left: next.attempts_left(),
            state: self.phone_view(&row, Device::Holder).await?,
        })
    }
}
