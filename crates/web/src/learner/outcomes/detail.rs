//! 成果详情 of one of the learner's outcomes, and the evidence uploaded to it.

use super::*;
use crate::kit::views::Fact;
use domain::ids::HoldingId;

#[derive(Template)]
#[template(path = "learner/outcome.html")]
struct DetailPage {
    ctx: PageCtx,
    id: HoldingId,
    editable: bool,
    can_apply: bool,
    can_upload: bool,
    /// Outcomes others created get 问题反馈 instead of 修改.
    can_report: bool,
    /// A stored outcome can be taken away as an Open Badges credential.
    can_credential: bool,
    base: Vec<Fact>,
    extra: Vec<Fact>,
    files: Vec<crate::kit::forms::FileLink>,
    reviews: Vec<crate::kit::forms::ReviewLine>,
    errors: FormErrors,
}

async fn detail_page(
    s: &AppState,
    a: &LearnerAuth,
    id: HoldingId,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let h = own(s, a, id).await?;
    let v = forms::holding_view(&s.app, &h, true).await?;
    let informal = h.category == "informal";
    let can_apply = informal
        && h.status != Status::Withdrawn
        && matches!(h.recognition, Recognition::None | Recognition::Rejected)
        && !v.files.is_empty();
    let can_upload = domain::outcome::evidence_allowed(h.status, h.recognition);
    Ok(render(
        status,
        &DetailPage {
            ctx: ctx(a, "成果详情", "/learner/outcomes").await?,
            id,
            editable: domain::outcome::learner_may_change(h.status, h.recognition),
            can_apply,
            can_upload,
            can_report: h.source != app::holdings::SOURCE_PERSONAL,
            can_credential: h.status == Status::Stored,
            base: v.base,
            extra: v.extra,
            files: v.files,
            reviews: v.reviews,
            errors,
        },
    ))
}

pub(super) async fn detail(
    State(s): State<AppState>,
    a: LearnerAuth,
    Path(id): Path<HoldingId>,
) -> Result<Response, WebError> {
    detail_page(&s, &a, id, FormErrors::default(), StatusCode::OK).await
}

pub(super) async fn upload(
    State(s): State<AppState>,
    a: LearnerAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<HoldingId>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let actor = Principal::Learner(a.learner.clone()).actor(&ip);
    let result = match form.file("file") {
        Some((_, name, bytes)) => app::evidence::attach(&s.app, &a.learner, id, name, bytes, &actor)
            .await
            .map(|_| ()),
        None => Err(app::AppError::field("file", "请选择要上传的文件")),
    };
    match result {
        Ok(()) => {
            flash(&a.session, "ok", "材料已上传").await?;
            Ok(Redirect::to(&format!("/learner/outcomes/{id}")).into_response())
        }
        Err(e) => detail_page(&s, &a, id, FormErrors::from_error(&e), form_status(&e)).await,
    }
}
