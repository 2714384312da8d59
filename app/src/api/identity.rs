//! 在线认证 on the desktop: the page's first state and the two actions (a new QR code, the
//! link by SMS). Progress afterwards comes from the handoff's event stream and status routes
//! (`server/src/handoff/routes.rs`), read with gloo-net.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::handoff::Role;
use crate::services::handoff::{CreatedHandoff, HandoffStatus, SmsSent};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityPage {
    pub project_id: String,
    pub project_name: String,
    pub number: String,
    /// Who does the phone step: 经办人, or 申请人 for a natural person.
    pub role: Role,
    pub status: HandoffStatus,
    /// Review sent the application back asking for the phone check again: its reason.
    pub redo_reason: Option<String>,
    /// A fresh link, unless a phone is already at work, the check is done, or it failed
    /// (then the page explains first and offers to start again).
    pub link: Option<HandoffLink>,
}

/// A link for the phone and its QR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffLink {
    pub created: CreatedHandoff,
    /// `created.url` as a QR code: an `<svg>` element, dark modules on white.
    pub qr_svg: String,
}

#[server]
pub async fn load_identity_page(
    project: String,
    number: String,
) -> Result<Option<IdentityPage>, ServerFnError> {
    use super::session::{self, internal};
    use crate::domain::handoff::Stage;

    let Some((user, project, submitted)) =
        super::apply::ssr::open_submitted(&project, &number).await?
    else {
        return Ok(None);
    };
    let state = session::state();
    let status = state
        .handoff
        .status(user, &number)
        .await
        .map_err(internal)?;
    let redo_reason = redo_reason(user, &number, &status).await?;
    let busy = redo_reason.is_none()
        && status
            .stage
            .is_some_and(|s| s.is_claimed() || s == Stage::Failed || s == Stage::Completed);
    let link = if busy {
        None
    } else {
        ssr::link(user, &number, false).await?.ok()
    };
    // The new link changed the session: show its state, not the one before.
    let status = if link.is_some() {
        state
            .handoff
            .status(user, &number)
            .await
            .map_err(internal)?
    } else {
        status
    };
    Ok(Some(IdentityPage {
        project_id: project.id.clone(),
        project_name: project.name.clone(),
        number,
        role: submitted.application.identity_subject().0,
        status,
        link,
        redo_reason,
    }))
}

/// The reason, when the current rejection flags the phone check and the check on record was
/// done before that rejection (so it must be done again).
#[cfg(feature = "ssr")]
async fn redo_reason(
    user: crate::services::login::UserId,
    number: &str,
    status: &HandoffStatus,
) -> Result<Option<String>, ServerFnError> {
    use crate::domain::order::{Event, Status};
    use crate::services::orders::FlagItem;

    let Some(order) = super::session::state()
        .orders
        .view(Some(user), number)
        .await
        .map_err(super::session::internal)?
        .filter(|o| o.status == Status::Rejected)
    else {
        return Ok(None);
    };
    let Some(flag) = order.flags.iter().find(|f| f.item == FlagItem::Identity) else {
        return Ok(None);
    };
    let rejected_at = order
        .timeline
        .iter()
        .rev()
        .find(|e| e.event == Event::Reject)
        .map(|e| e.at.as_str())
        .unwrap_or_default();
    let redone = status.done
        && status
            .steps
            .last()
            .is_some_and(|s| s.at.as_str() > rejected_at);
    let running = status.stage.is_some_and(|s| s.is_claimed());
    Ok((!redone && !running).then(|| flag.reason.clone()))
}

/// A new QR code, retiring the one before. `restart` also ends a session a phone has begun
/// (the user starts over). A refusal comes back as the sentence to show.
#[server]
pub async fn new_handoff_link(
    project: String,
    number: String,
    restart: bool,
) -> Result<Result<HandoffLink, String>, ServerFnError> {
    let user = ssr::owner(&project, &number).await?;
    ssr::link(user, &number, restart).await
}

#[server]
pub async fn send_handoff_sms(
    project: String,
    number: String,
) -> Result<Result<SmsSent, String>, ServerFnError> {
    use crate::services::handoff::HandoffError;

    let user = ssr::owner(&project, &number).await?;
    let state = super::session::state();
    let signature = state
        .catalog
        .project(&project)
        .map(|p| p.sms_signature.clone())
        .unwrap_or_default();
    match state.handoff.send_sms(user, &number, &signature).await {
        Ok(sent) => Ok(Ok(sent)),
        Err(HandoffError::Internal(cause)) => Err(super::session::internal(cause)),
        Err(refused) => Ok(Err(refused.to_string())),
    }
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::ServerFnError;
    use qrcode::render::svg;
    use qrcode::{EcLevel, QrCode};

    use super::HandoffLink;
    use crate::api::session::{self, internal};
    use crate::services::handoff::HandoffError;
    use crate::services::login::UserId;

    /// The signed-in owner of application `number` in `project`.
    pub async fn owner(project: &str, number: &str) -> Result<UserId, ServerFnError> {
        crate::api::apply::ssr::open_submitted(project, number)
            .await?
            .map(|(user, _, _)| user)
            .ok_or_else(|| ServerFnError::new("找不到这份申请"))
    }

    pub async fn link(
        user: UserId,
        number: &str,
        restart: bool,
    ) -> Result<Result<HandoffLink, String>, ServerFnError> {
        match session::state().handoff.create(user, number, restart).await {
            Ok(created) => {
                let qr_svg = qr_svg(&created.url).map_err(internal)?;
                Ok(Ok(HandoffLink { created, qr_svg }))
            }
            Err(HandoffError::Internal(cause)) => Err(internal(cause)),
            Err(refused) => Ok(Err(refused.to_string())),
        }
    }

    /// Medium error correction: a phone reads it off a glossy monitor at an angle. Sized by
    /// CSS; the quiet zone is part of the image.
    pub(crate) fn qr_svg(url: &str) -> Result<String, qrcode::types::QrError> {
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
        let document = code
            .render::<svg::Color>()
            .min_dimensions(232, 232)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build();
        // Inline in HTML: the XML prolog has no place there.
        let start = document.find("<svg").unwrap_or(0);
        Ok(document[start..].to_owned())
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_qr_code_is_one_svg_element_without_a_prolog() {
            let svg = super::qr_svg("http://127.0.0.1:3100/m/AAAAAAAAAAAAAAAAAAAAAA").unwrap();
            assert!(svg.starts_with("<svg"), "{svg}");
            assert!(svg.contains("#000000"));
        }
    }
}
