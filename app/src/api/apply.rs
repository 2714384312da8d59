//! The application form: load and save the draft, move between steps, submit.
//!
//! Every step is a real `<form>` posting to these functions, so the flow works without
//! JavaScript; the hydrated page posts the same forms and also saves as the applicant types.
//! Nothing here trusts the browser: each step is validated again with the domain rules.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::domain::application::FieldErrors;
use crate::domain::catalog::Project;
use crate::domain::draft::{
    AgentDraft, ApplicantDraft, BankDraft, Draft, HolderDraft, InvoiceDraft, LegalRepDraft,
    OrgDraft, ShippingDraft, Step,
};
use crate::domain::quote::Quote;

/// Everything a step page needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApplyPage {
    pub project: Project,
    pub draft: Draft,
    pub step: Step,
    /// When the draft was last saved, as shown to the applicant (`HH:MM`, Beijing time).
    pub saved_at: Option<String>,
    /// The day the checks count as "today" (Beijing time), so browser and server agree.
    pub today: Date,
    /// Errors to show at once: set after a refused "下一步" from a browser without JavaScript.
    pub errors: FieldErrors,
    /// The server's quote for the current selection (the review step shows this one).
    pub quote: Result<Quote, String>,
    /// Minutes without a request after which the session ends.
    pub idle_minutes: u32,
}

/// The reply to a step form: the errors that kept the applicant on this step (empty when it
/// moved on, in which case the browser was redirected).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    pub errors: FieldErrors,
    pub saved_at: Option<String>,
}

#[server]
pub async fn load_apply_page(
    project: String,
    step: String,
    check: bool,
) -> Result<ApplyPage, ServerFnError> {
    let (user, project) = ssr::open(&project).await?;
    let Some(step) = Step::from_slug(&step) else {
        leptos_axum::redirect(&format!(
            "{}/apply/choose",
            crate::paths::request_mount().project(&project.id)
        ));
        return Err(ServerFnError::new("未知的步骤"));
    };
    let saved = ssr::load(user, &project.id).await?;
    if let Some(number) = saved.as_ref().and_then(|s| s.submitted_as.clone()) {
        leptos_axum::redirect(&format!(
            "{}/submitted/{number}",
            crate::paths::request_mount().project(&project.id)
        ));
    }
    let draft = saved
        .as_ref()
        .map(|s| s.draft.clone())
        .unwrap_or_else(|| ssr::new_draft(&project));
    let today = ssr::today();
    let errors = if check || step == Step::Review {
        ssr::errors_before(step, &draft, &project, today)
    } else {
        FieldErrors::default()
    };
    let quote =
        crate::domain::quote::quote(&project, &crate::domain::application::selection(&draft))
            .map_err(|e| e.to_string());
    Ok(ApplyPage {
        idle_minutes: super::session::state().session_idle_minutes,
        saved_at: saved.map(|s| ssr::clock_label(&s.saved_at)),
        project,
        draft,
        step,
        today,
        errors,
        quote,
    })
}

/// Autosave: the whole draft as JSON, debounced by the browser. Returns the saved-at label, or
/// `None` when the application was submitted meanwhile (the answer then moves the page to it).
#[server(input = server_fn::codec::Json)]
pub async fn save_draft(
    project: String,
    step: Step,
    draft: Draft,
) -> Result<Option<String>, ServerFnError> {
    let (user, project) = ssr::open(&project).await?;
    ssr::save(user, &project.id, &draft, step).await
}

/// Keeps the session alive (any request does); the idle warning's "继续办理" calls it.
#[server]
pub async fn keep_alive(project: String) -> Result<(), ServerFnError> {
    super::session::require_user(&project).await.map(|_| ())
}

/// The 选择证书 form. `intent`: `next`, `save`, `add_holder`, `remove_holder:<row>`, or
/// `refresh` (show the certificates of the 申请对象 picked without JavaScript).
#[server]
pub async fn submit_choose(
    project: String,
    #[server(default)] natural_person: bool,
    #[server(default)] natural_person_years: Option<u8>,
    #[server(default)] org_enabled: bool,
    #[server(default)] org_years: Option<u8>,
    #[server(default)] holders: Vec<HolderDraft>,
    intent: String,
) -> Result<StepOutcome, ServerFnError> {
    let (user, project) = ssr::open(&project).await?;
    let mut draft = ssr::load_or_new(user, &project).await?;
    draft.certs.natural_person_years = natural_person.then(|| natural_person_years.unwrap_or(1));
    // The page keeps the organisation's choices in the form while a natural person applies,
    // so they come back unchanged.
    draft.certs.org_years = org_enabled.then(|| org_years.unwrap_or(1));
    draft.certs.holders = holders;
    let mut anchor = None;
    if intent == "add_holder" {
        draft.certs.holders.push(HolderDraft::default());
        anchor = Some(crate::domain::draft::field::holder(
            draft.certs.holders.len() - 1,
            "name",
        ));
    } else if let Some(row) = intent
        .strip_prefix("remove_holder:")
        .and_then(|r| r.parse::<usize>().ok())
    {
        if row < draft.certs.holders.len() {
            draft.certs.holders.remove(row);
        }
        anchor = Some("holders".to_owned());
    }
    ssr::finish_step(user, &project, draft, Step::Choose, &intent, anchor).await
}

/// The fields of the 填写申请信息 form, posted as `details[org][name]` and so on; the form
/// holds one variant's sections (see `application::Variant`), the others stay empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    pub org: OrgDraft,
    pub legal_rep: LegalRepDraft,
    pub agent: AgentDraft,
    pub bank: BankDraft,
    pub applicant: ApplicantDraft,
    pub applicant_bank: BankDraft,
    pub shipping: ShippingDraft,
    pub invoice: InvoiceDraft,
}

/// The 填写申请信息 form. `intent`: `next`, `back`, `save`, or `refresh` (reload the region
/// lists after a province or city was picked without JavaScript).
#[server]
pub async fn submit_details(
    project: String,
    #[server(default)] details: DetailsForm,
    intent: String,
) -> Result<StepOutcome, ServerFnError> {
    use crate::domain::application::{Variant, variant};

    let (user, project) = ssr::open(&project).await?;
    let mut draft = ssr::load_or_new(user, &project).await?;
    let DetailsForm {
        org,
        legal_rep,
        agent,
        bank,
        applicant,
        applicant_bank,
        shipping,
        invoice,
    } = details;
    // Only the sections the page showed: the other variant's answers stay as saved.
    match variant(&draft) {
        Variant::Organisation => {
            draft.org = org;
            draft.legal_rep = legal_rep;
            draft.agent = agent;
            draft.bank = bank;
        }
        Variant::NaturalPerson => {
            draft.applicant = applicant;
            draft.applicant_bank = applicant_bank;
        }
    }
    draft.shipping = shipping;
    draft.invoice = invoice;
    let anchor = (intent == "refresh").then(|| "shipping".to_owned());
    ssr::finish_step(user, &project, draft, Step::Details, &intent, anchor).await
}

/// 提交申请: validates everything once more and creates the application. Idempotent: a
/// second submit of the same draft leads to the same application number.
#[server]
pub async fn submit_application(project: String) -> Result<StepOutcome, ServerFnError> {
    use super::session::internal;
    let (user, project) = ssr::open(&project).await?;
    let state = super::session::state();
    let saved = ssr::load(user, &project.id).await?;
    if let Some(number) = saved.as_ref().and_then(|s| s.submitted_as.clone()) {
        leptos_axum::redirect(&format!(
            "{}/submitted/{number}",
            crate::paths::request_mount().project(&project.id)
        ));
        return Ok(StepOutcome::default());
    }
    let draft = saved
        .map(|s| s.draft)
        .unwrap_or_else(|| ssr::new_draft(&project));
    let application = match crate::domain::application::validate(&draft, &project, ssr::today()) {
        Ok(application) => application,
        Err(errors) => {
            let step = ssr::first_step_with_errors(&draft, &project);
            leptos_axum::redirect(&format!(
                "{}/apply/{}?check=true",
                crate::paths::request_mount().project(&project.id),
                step.slug()
            ));
            return Ok(StepOutcome {
                errors,
                saved_at: None,
            });
        }
    };
    let quote =
        crate::domain::quote::quote(&project, &crate::domain::application::selection(&draft))
            .map_err(|e| ServerFnError::new(e.to_string()))?;
    let version = state
        .catalog
        .version(&project.id)
        .unwrap_or_default()
        .to_owned();
    let number = state
        .applications
        .submit(user, &project.id, &application, &quote, &version)
        .await
        .map_err(internal)?;
    leptos_axum::redirect(&format!(
        "{}/submitted/{number}",
        crate::paths::request_mount().project(&project.id)
    ));
    Ok(StepOutcome::default())
}

/// What the confirmation page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    pub project_id: String,
    pub number: String,
    pub status: String,
    pub total_fen: i64,
    pub submitted_at: String,
}

#[server]
pub async fn submitted_page(
    project: String,
    number: String,
) -> Result<Option<Submitted>, ServerFnError> {
    use super::session::internal;
    let (user, _) = ssr::open(&project).await?;
    let list = super::session::state()
        .applications
        .list(user)
        .await
        .map_err(internal)?;
    Ok(list
        .into_iter()
        .find(|a| a.number == number)
        .map(|a| Submitted {
            submitted_at: ssr::clock_label_full(&a.submitted_at),
            project_id: a.project_id,
            number: a.number,
            status: a.status.label().to_owned(),
            total_fen: a.total_fen,
        }))
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::ServerFnError;
    use time::{Date, OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

    use super::StepOutcome;
    use crate::api::session::{self, internal};
    use crate::domain::application::{self, FieldErrors};
    use crate::domain::catalog::Project;
    use crate::domain::draft::{Draft, Step};
    use crate::services::StoreError;
    use crate::services::applications::{SavedDraft, SubmittedApplication};
    use crate::services::login::UserId;

    const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
        Ok(offset) => offset,
        Err(_) => UtcOffset::UTC,
    };

    /// The signed-in user who accepted the agreements, and the project; otherwise a redirect.
    pub async fn open(project: &str) -> Result<(UserId, Project), ServerFnError> {
        let state = session::state();
        let Some(project) = state.catalog.project(project).cloned() else {
            leptos_axum::redirect("/");
            return Err(ServerFnError::new("没有这个交易平台"));
        };
        let user = session::require_user(&project.id).await?;
        if !crate::api::consent::ssr::has_accepted_all(user, &project.id).await? {
            leptos_axum::redirect(&format!(
                "{}/consent",
                crate::paths::request_mount().project(&project.id)
            ));
            return Err(ServerFnError::new("请先阅读并同意协议"));
        }
        Ok((user, project))
    }

    /// The signed-in user's submitted application `number` in `project` (see [`open`]), or
    /// `None` when there is no such application of theirs.
    pub async fn open_submitted(
        project: &str,
        number: &str,
    ) -> Result<Option<(UserId, Project, SubmittedApplication)>, ServerFnError> {
        let (user, project) = open(project).await?;
        let submitted = session::state()
            .applications
            .submitted(user, number)
            .await
            .map_err(internal)?
            .filter(|s| s.project_id == project.id);
        Ok(submitted.map(|s| (user, project, s)))
    }

    pub fn today() -> Date {
        OffsetDateTime::now_utc().to_offset(BEIJING).date()
    }

    /// A new draft with the project's first shipping option picked.
    pub fn new_draft(project: &Project) -> Draft {
        let mut draft = Draft::default();
        if let Some(option) = project.shipping.first() {
            draft.shipping.option = option.id.clone();
        }
        draft
    }

    pub async fn load(user: UserId, project: &str) -> Result<Option<SavedDraft>, ServerFnError> {
        session::state()
            .applications
            .load_draft(user, project)
            .await
            .map_err(internal)
    }

    pub async fn load_or_new(user: UserId, project: &Project) -> Result<Draft, ServerFnError> {
        Ok(load(user, &project.id)
            .await?
            .map(|s| s.draft)
            .unwrap_or_else(|| new_draft(project)))
    }

    /// The saved-at label; `None` when the application was already submitted.
    pub async fn save(
        user: UserId,
        project: &str,
        draft: &Draft,
        step: Step,
    ) -> Result<Option<String>, ServerFnError> {
        match session::state()
            .applications
            .save_draft(user, project, draft, step)
            .await
        {
            Ok(saved_at) => Ok(Some(clock_label(&saved_at))),
            // A late autosave or a second tab after the submit is no failure: the answer
            // shows the application instead.
            Err(StoreError::Submitted(number)) => {
                leptos_axum::redirect(&format!(
                    "{}/submitted/{number}",
                    crate::paths::request_mount().project(project)
                ));
                Ok(None)
            }
            Err(e) => Err(internal(e)),
        }
    }

    /// The errors that must be fixed before leaving `step` forwards.
    pub fn errors_before(step: Step, draft: &Draft, project: &Project, today: Date) -> FieldErrors {
        match step {
            Step::Choose => application::validate_choose(draft, project, today),
            Step::Details => application::validate_details(draft, project, today),
            Step::Review => application::validate(draft, project, today)
                .err()
                .unwrap_or_default(),
        }
    }

    pub fn first_step_with_errors(draft: &Draft, project: &Project) -> Step {
        if application::validate_choose(draft, project, today()).is_empty() {
            Step::Details
        } else {
            Step::Choose
        }
    }

    /// Saves the posted step and decides where the applicant goes next.
    pub async fn finish_step(
        user: UserId,
        project: &Project,
        draft: Draft,
        step: Step,
        intent: &str,
        anchor: Option<String>,
    ) -> Result<StepOutcome, ServerFnError> {
        let here = format!(
            "{}/apply/{}",
            crate::paths::request_mount().project(&project.id),
            step.slug()
        );
        let (next_step, target) = match intent {
            "next" => {
                let errors = errors_before(step, &draft, project, today());
                if !errors.is_empty() {
                    let Some(saved_at) = save(user, &project.id, &draft, step).await? else {
                        return Ok(StepOutcome::default());
                    };
                    let saved_at = Some(saved_at);
                    if session::is_plain_form() {
                        leptos_axum::redirect(&format!("{here}?check=true"));
                    }
                    return Ok(StepOutcome { errors, saved_at });
                }
                let next = Step::ALL
                    .into_iter()
                    .find(|s| *s > step)
                    .unwrap_or(Step::Review);
                (
                    next,
                    format!(
                        "{}/apply/{}",
                        crate::paths::request_mount().project(&project.id),
                        next.slug()
                    ),
                )
            }
            "back" => {
                let previous = Step::ALL
                    .into_iter()
                    .rev()
                    .find(|s| *s < step)
                    .unwrap_or(Step::Choose);
                (
                    previous,
                    format!(
                        "{}/apply/{}",
                        crate::paths::request_mount().project(&project.id),
                        previous.slug()
                    ),
                )
            }
            _ => (step, anchor.map_or(here.clone(), |a| format!("{here}#{a}"))),
        };
        let Some(saved_at) = save(user, &project.id, &draft, next_step).await? else {
            return Ok(StepOutcome::default());
        };
        if next_step != step || session::is_plain_form() {
            leptos_axum::redirect(&target);
        }
        Ok(StepOutcome {
            errors: FieldErrors::default(),
            saved_at: Some(saved_at),
        })
    }

    /// `HH:MM` in Beijing time, from an RFC 3339 timestamp.
    pub fn clock_label(rfc3339: &str) -> String {
        OffsetDateTime::parse(rfc3339, &Rfc3339)
            .map(|t| {
                let t = t.to_offset(BEIJING);
                format!("{:02}:{:02}", t.hour(), t.minute())
            })
            .unwrap_or_default()
    }

    /// `YYYY年M月D日 HH:MM` in Beijing time.
    pub fn clock_label_full(rfc3339: &str) -> String {
        OffsetDateTime::parse(rfc3339, &Rfc3339)
            .map(|t| {
                let t = t.to_offset(BEIJING);
                format!(
                    "{}年{}月{}日 {:02}:{:02}",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute()
                )
            })
            .unwrap_or_default()
    }
}
