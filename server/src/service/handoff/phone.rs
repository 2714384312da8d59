//! The phone's steps before liveness: a short code traded for a link, the claim by one
//! device, and the two ID photos.

use std::net::IpAddr;

use app::domain::handoff::{
    Event, IdSide, MAX_PHOTO_BYTES, MIN_PHOTO_SIDE, SESSION_MINUTES, Stage,
};
use app::services::handoff::{
    CodeRedeemed, HandoffError, IdPhotoResult, MismatchView, PhoneState, Subject,
};

use super::sealed::decode_all;
use super::{
    CODE_FAILURES_PER_WINDOW, CODE_WINDOW_SECS, Handoffs, apply, file_kind, gate, internal,
    verifier_error, wrong_step,
};
use crate::clock::china_date;
use crate::handoff::token::{self, Device};
use crate::http::client_addr::ip_key;
use crate::store::handoff::{Change, Claim, CodeLimit, NewFile, Redeemed};
use app::domain::handoff as rules;

impl Handoffs {
    pub(super) async fn claim_session(
        &self,
        token: &str,
        device: Option<&str>,
    ) -> Result<(PhoneState, Option<String>), HandoffError> {
        let row = self.by_token(token).await?;
        let state = row.state()?;
        if token::admit_claim(&gate(&row, &state), device)? == Device::Holder {
            return Ok((self.phone_view(&row, Device::Holder).await?, None));
        }
        let (next, steps) = apply(&state, Event::Claim)?;
        let secret = token::new_secret();
        let hash = token::hash(&secret).ok_or_else(|| internal("device secret"))?;
        let now = self.clock.now().unix_timestamp();
        let mut change = Change::new(next, steps);
        change.claim = Some(Claim {
            device_hash: hash,
            at: now,
            session_deadline: now + SESSION_MINUTES * 60,
        });
        match self.commit(&row, change, None).await {
            Ok(()) => {}
            // Two devices claimed at once and the other won: say so, rather than "retry".
            Err(HandoffError::Conflict) => {
                let row = self.settle(self.by_id(row.id).await?).await?;
                let state = row.state()?;
                token::admit_claim(&gate(&row, &state), None)?;
                return Err(HandoffError::Conflict);
            }
            Err(error) => return Err(error),
        }
        let row = self.by_id(row.id).await?;
        Ok((self.phone_view(&row, Device::Holder).await?, Some(secret)))
    }

    pub(super) async fn take_id_photo(
        &self,
        token: &str,
        device: Option<&str>,
        side: IdSide,
        image: Vec<u8>,
    ) -> Result<IdPhotoResult, HandoffError> {
        let (row, state) = self.held(token, device).await?;
        let expected = match side {
            IdSide::Front => Stage::Opened,
            IdSide::Back => Stage::IdFrontDone,
        };
        if state.stage != expected {
            return Err(wrong_step(&state));
        }
        let (mut images, sizes) = decode_all(vec![image], MAX_PHOTO_BYTES, MIN_PHOTO_SIDE).await?;
        let image = images.pop().unwrap_or_default();
        let (width, height) = sizes[0];
        let stored = self.subject(&row)?;
        let subject = Subject {
            name: stored.name,
            id_number: stored.id_number,
        };
        let mut record = self.record(&row)?;
        record.provider = self.verifier.provider().to_owned();
        let mismatches = match side {
            IdSide::Front => {
                let reading = self
                    .verifier
                    .ocr_front(&subject, &image)
                    .await
                    .map_err(verifier_error)?;
                let found = rules::compare_front(
                    &subject.name,
                    &subject.id_number,
                    &reading.name,
                    &reading.id_number,
                );
                record.front = Some(reading);
                record.front_mismatches = found.clone();
                found
            }
            IdSide::Back => {
                let reading = self
                    .verifier
                    .ocr_back(&subject, &image)
                    .await
                    .map_err(verifier_error)?;
                let today = china_date(self.clock.now());
                let found = rules::check_back(reading.validity.as_deref(), today);
                record.back = Some(reading);
                record.back_mismatches = found.clone();
                found
            }
        };
        let event = Event::IdPhoto {
            side,
            clean: mismatches.is_empty(),
        };
        let (next, steps) = apply(&state, event)?;
        let file = NewFile {
            object: self.put_photo(&image).await?,
            size: image.len() as i64,
            width: i64::from(width),
            height: i64::from(height),
        };
        let mut change = Change::new(next, steps);
        change.result = Some(self.seal_record(row.id, &record)?);
        self.commit(&row, change, Some((file_kind(side), &[file])))
            .await?;
        let row = self.by_id(row.id).await?;
        let accepted = next.stage != state.stage;
        Ok(IdPhotoResult {
            side,
            accepted,
            for_review: next.for_review(side),
            mismatches: mismatches
                .iter()
                .map(|m| MismatchView::new(side, m))
                .collect(),
            retakes_left: next.retakes_left(side),
            state: self.phone_view(&row, Device::Holder).await?,
        })
    }

    /// A short code typed at `/m` for the link of the session waiting with it; wrong codes
    /// are counted per client address and limited.
    pub(super) async fn trade_code(
        &self,
        code: &str,
        ip: IpAddr,
    ) -> Result<CodeRedeemed, HandoffError> {
        let now = self.clock.now().unix_timestamp();
        let ip_key = ip_key(ip);
        // A code of the wrong shape is a slip of the keyboard, not a guess: not counted.
        let typed = token::typed_short_code(code);
        let secret = token::new_secret();
        let hash = token::hash(&secret).ok_or_else(|| internal("new token"))?;
        let limit = CodeLimit {
            failures: CODE_FAILURES_PER_WINDOW,
            window_start: now - CODE_WINDOW_SECS,
        };
        match self
            .repo
            .redeem_code(&ip_key, typed.as_deref(), &hash, now, limit)
            .await?
        {
            Redeemed::Limited { oldest } => {
                let secs = (oldest + CODE_WINDOW_SECS - now).max(1) as u32;
                tracing::warn!(ip = %ip_key, "short code refused: too many wrong codes");
                Err(HandoffError::CodeLimit { secs })
            }
            Redeemed::Unknown => Err(HandoffError::CodeUnknown),
            Redeemed::Opened { handoff_id } => {
                tracing::info!(handoff = handoff_id, "short code redeemed");
                let (url, path) = self.url(&secret);
                Ok(CodeRedeemed { url, path })
            }
        }
    }
}
