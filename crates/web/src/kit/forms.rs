//! Pieces shared by the outcome pages: dynamic taxonomy fields (inputs and display),
//! pagination, multipart uploads with CSRF, and ids picked with checkboxes.

use domain::ids::{FileId, OutcomeTypeId, SubtypeId};
use std::collections::BTreeMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::response::{IntoResponse, Response};
use domain::taxonomy::FieldSpec;
use tower_sessions::Session;

use crate::AppState;
use crate::kit::csrf;
use crate::kit::error::WebError;
use crate::kit::views::{Fact, FormErrors, facts};

/// One input of a subtype's fields, ready for `dyn_fields.html`.
pub struct FieldInput {
    pub name: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub options: Vec<String>,
    pub value: String,
    pub error: String,
    /// Fixed by a catalog pick: shown, not editable.
    pub locked: bool,
}

pub fn field_inputs(
    specs: &[FieldSpec],
    values: &BTreeMap<String, String>,
    errors: &FormErrors,
    locked: bool,
) -> Vec<FieldInput> {
    specs
        .iter()
        .map(|f| {
            let name = format!("f_{}", f.key);
            FieldInput {
                error: errors.get(&name).to_string(),
                name,
                label: f.label.clone(),
                kind: f.kind.code(),
                required: f.required,
                options: f.options.clone(),
                value: values.get(&f.key).cloned().unwrap_or_default(),
                locked: locked && values.contains_key(&f.key),
            }
        })
        .collect()
}

/// The `f_<key>` values of a posted form.
pub fn field_values(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("f_").map(|k| (k.to_string(), v.clone())))
        .collect()
}

/// Label and value of each field a record has, in the subtype's order.
pub fn field_display(specs: &[FieldSpec], json: &str) -> Vec<Fact> {
    let values: BTreeMap<String, String> = serde_json::from_str(json).unwrap_or_default();
    let mut out: Vec<(String, String)> = specs
        .iter()
        .filter_map(|f| values.get(&f.key).map(|v| (f.label.clone(), v.clone())))
        .collect();
    // Values of fields removed from the taxonomy since are still shown.
    for (k, v) in &values {
        if !specs.iter().any(|f| &f.key == k) {
            out.push((k.clone(), v.clone()));
        }
    }
    facts(out)
}

/// Ids ticked in a list (`id=1&id=2`).
pub fn ids<T: std::str::FromStr>(pairs: &[(String, String)]) -> Vec<T> {
    pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect()
}

/// Page links of a list.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The list's URL with its filters, ending in `page=`.
    pub base: String,
}

pub const PER_PAGE: i64 = 20;

impl Pager {
    pub fn new(total: i64, page: i64, path: &str, query: &[(&str, &str)]) -> Self {
        let mut q: Vec<(&str, &str)> = query
            .iter()
            .copied()
            .filter(|(k, v)| !v.is_empty() && *k != "page")
            .collect();
        q.push(("page", ""));
        let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
        // Counts stop at COUNT_CAP: beyond it the list offers its first COUNT_CAP rows.
        let shown = total.min(app::queries::COUNT_CAP);
        Self {
            page: page.max(1),
            pages: ((shown + PER_PAGE - 1) / PER_PAGE).max(1),
            total,
            base: format!("{path}?{qs}"),
        }
    }
    /// 共 … 条: the count, or "超过N" when it stopped counting.
    pub fn total_text(&self) -> String {
        if self.total > app::queries::COUNT_CAP {
            format!("超过{}", app::queries::COUNT_CAP)
        } else {
            self.total.to_string()
        }
    }
    pub fn prev(&self) -> Option<i64> {
        (self.page > 1).then(|| self.page - 1)
    }
    pub fn next(&self) -> Option<i64> {
        (self.page < self.pages).then(|| self.page + 1)
    }
}

/// A multipart form (uploads) whose `_csrf` field matches the session's token.
pub struct CsrfMultipart {
    pub fields: Vec<(String, String)>,
    /// (field name, file name, bytes) of each non-empty file part.
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl CsrfMultipart {
    pub fn text(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn file(&self, name: &str) -> Option<&(String, String, Vec<u8>)> {
        self.files.iter().find(|(k, _, _)| k == name)
    }
}

/// Checks and stores the file sent in a multipart field, if any; its row is written by
/// the use case it belongs to, in that use case's transaction.
pub async fn upload(
    app: &app::App,
    form: &CsrfMultipart,
    field: &'static str,
    accept: app::files::Accept,
) -> Result<Option<app::files::Upload>, app::AppError> {
    match form.file(field) {
        Some((_, name, bytes)) => Ok(Some(app::files::check_and_put(app, field, name, bytes, accept).await?)),
        None => Ok(None),
    }
}

fn bad(message: &str) -> Response {
    WebError(app::AppError::field("file", message)).into_response()
}

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let session: Session = crate::kit::extract::session(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let mut mp = Multipart::from_request(req, state)
            .await
            .map_err(|_| bad("上传内容无法识别，请重新选择文件"))?;
        let mut fields = Vec::new();
        let mut files = Vec::new();
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|_| bad("上传失败：文件过大（不能超过10MB）或连接中断"))?
        {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|_| bad("上传失败：文件过大（不能超过10MB）或连接中断"))?;
                    if !file_name.is_empty() && !bytes.is_empty() {
                        files.push((name, file_name, bytes.to_vec()));
                    }
                }
                None => {
                    let text = field.text().await.map_err(|_| bad("表单内容无法识别"))?;
                    fields.push((name, text));
                }
            }
        }
        let given = fields
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        csrf::verify(&session, &given)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self { fields, files })
    }
}

/// A subtype to choose, or why it cannot be used.
pub struct SubtypeChoice {
    pub id: SubtypeId,
    pub name: String,
    pub why_not: Option<String>,
}

/// A type with its subtypes, for the "choose a subtype" pages; a subtype that cannot be
/// used says why.
pub struct TypeGroup {
    pub name: String,
    pub category: &'static str,
    pub items: Vec<SubtypeChoice>,
}

pub fn group_subtypes(
    subtypes: &[app::queries::Subtype],
    why_not: impl Fn(&app::queries::Subtype) -> Option<String>,
) -> Vec<TypeGroup> {
    let mut groups: Vec<TypeGroup> = Vec::new();
    for s in subtypes {
        if groups.last().is_none_or(|g| g.name != s.type_name) {
            groups.push(TypeGroup {
                name: s.type_name.clone(),
                category: s.category().label(),
                items: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.items.push(SubtypeChoice {
                id: s.id,
                name: s.name.clone(),
                why_not: why_not(s),
            });
        }
    }
    groups
}

/// Parses an optional numeric filter.
pub fn opt_id<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok()
}

/// What every role's outcome detail shows.
pub struct HoldingView {
    pub base: Vec<Fact>,
    pub extra: Vec<Fact>,
    pub files: Vec<FileLink>,
    pub reviews: Vec<ReviewLine>,
}

/// A file a page links to.
pub struct FileLink {
    pub id: FileId,
    pub name: String,
}

/// One step of a review history.
pub struct ReviewLine {
    pub stage: String,
    pub decision: String,
    pub opinion: String,
    pub reviewer: String,
    pub at: String,
}

/// Builds the detail of a learner outcome; `full_id` shows the ID number unmasked
/// (only to the learner it belongs to).
pub async fn holding_view(app: &app::App, h: &app::queries::Holding, full_id: bool) -> Result<HoldingView, WebError> {
    let (_, specs) = app::taxonomy::subtype(app, h.subtype_id).await?;
    let id = if full_id {
        h.learner_id_number.clone()
    } else {
        domain::mask::id_number(&h.learner_id_number)
    };
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    let mut base = vec![
        ("成果名称".to_string(), h.name.clone()),
        ("成果类型".into(), h.type_name.clone()),
        ("成果子类型".into(), h.subtype_name.clone()),
        ("颁证机构".into(), h.issuer.clone()),
        ("学员姓名".into(), h.learner_name.clone()),
        ("身份证号".into(), id),
        ("个人成果编号".into(), opt(&h.number)),
        ("颁证日期".into(), opt(&h.issued_on)),
        ("成绩".into(), opt(&h.score)),
        ("成果来源".into(), app::holdings::source_label(&h.source).into()),
        ("成果状态".into(), app::holdings::status_label(h).into()),
        (
            "学分银行学分".into(),
            h.credits
                .map(|c| domain::credits::Credits(c).to_string())
                .unwrap_or_else(|| "-".into()),
        ),
    ];
    if h.category == "informal" {
        base.push((
            "认定状态".into(),
            app::holdings::recognition_label(h.recognition).into(),
        ));
    }
    if let Some(r) = &h.withdraw_reason {
        base.push(("撤回原因".into(), r.clone()));
    }
    let docs = app::queries::holdings::documents(app, h).await?;
    let mut files: Vec<FileLink> = docs
        .files
        .into_iter()
        .map(|f| FileLink {
            id: f.id,
            name: f.original_name,
        })
        .collect();
    if let Some(f) = docs.withdraw_file {
        files.push(FileLink {
            id: f.id,
            name: format!("撤回原因文件：{}", f.original_name),
        });
    }
    let reviews = docs.reviews.iter().map(review_line).collect();
    Ok(HoldingView {
        base: facts(base),
        extra: field_display(&specs, &h.fields),
        files,
        reviews,
    })
}

/// One step of a review trail as pages show it.
pub fn review_line(r: &app::queries::Review) -> ReviewLine {
    let stage = match r.stage.as_str() {
        "apply" => "申请认定",
        "initial" => "初审",
        "final" => "终审",
        _ => "其他",
    };
    let decision = match r.decision.as_str() {
        "pass" => "通过",
        "fail" => "不通过",
        _ => "已提交",
    };
    ReviewLine {
        stage: stage.to_string(),
        decision: decision.to_string(),
        opinion: r.opinion.clone().unwrap_or_default(),
        reviewer: r.reviewer_name.clone().unwrap_or_default(),
        at: crate::kit::views::datetime(r.created_at),
    }
}

/// The value of a plain field of a form's raw pairs ("" when absent).
pub fn text(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Filter values of the type and subtype selects.
pub async fn type_choices(
    app: &app::App,
) -> Result<
    (
        Vec<crate::kit::views::Choice<OutcomeTypeId>>,
        Vec<crate::kit::views::Choice<SubtypeId>>,
    ),
    WebError,
> {
    let labels = app::queries::taxonomy::choices(app).await?;
    let types = labels
        .0
        .iter()
        .map(|t| crate::kit::views::Choice {
            value: t.id,
            label: t.name.clone(),
        })
        .collect();
    let subtypes = labels
        .1
        .iter()
        .map(|s| crate::kit::views::Choice {
            value: s.id,
            label: s.name.clone(),
        })
        .collect();
    Ok((types, subtypes))
}
