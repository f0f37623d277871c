//! What every page shares: the layout context (title, user, menu, CSRF token, flash
//! message), per-field form errors, and display helpers.

use app::AppError;
use app::auth::Principal;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::FieldError;
use domain::bank::Profile;
use domain::role::Area;
use tower_sessions::Session;

use crate::kit::csrf;
use crate::kit::error::{WebError, status_of};

/// A fixed option (a state, a kind, a period): its code and what is shown.
pub struct Code {
    pub code: &'static str,
    pub label: &'static str,
}

/// Options from (code, label) pairs.
pub fn codes(pairs: &[(&'static str, &'static str)]) -> Vec<Code> {
    pairs.iter().map(|&(code, label)| Code { code, label }).collect()
}

/// The states of a lifecycle as select options, in their order.
pub fn states<T: domain::lifecycle::State>() -> Vec<Code> {
    T::all()
        .iter()
        .map(|s| Code {
            code: s.code(),
            label: s.label(),
        })
        .collect()
}

/// The document types (证件类型) a select offers.
pub fn id_types() -> Vec<Code> {
    domain::id_card::IdType::ALL
        .iter()
        .map(|t| Code {
            code: t.code(),
            label: t.label(),
        })
        .collect()
}

/// A label and its value, as a detail list (`kit/kv.html`) shows them.
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// Facts from (label, value) pairs, in their order.
pub fn facts<L: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (L, V)>) -> Vec<Fact> {
    pairs
        .into_iter()
        .map(|(l, v)| Fact {
            label: l.into(),
            value: v.into(),
        })
        .collect()
}

/// A secret shown once after the redirect that follows its creation (an initial
/// password, an API key): whose it is and the secret itself.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ShownOnce {
    pub owner: String,
    pub secret: String,
}

impl ShownOnce {
    /// Keeps the secret in the session until the next page takes it.
    pub async fn keep(session: &Session, key: &str, owner: String, secret: String) -> Result<(), WebError> {
        session
            .insert(key, ShownOnce { owner, secret })
            .await
            .map_err(csrf::internal)
    }

    /// Takes the secret out of the session: it is shown this once.
    pub async fn take(session: &Session, key: &str) -> Result<Option<ShownOnce>, WebError> {
        session.remove::<ShownOnce>(key).await.map_err(csrf::internal)
    }
}

/// A link: where it leads and what it says.
pub struct Link {
    pub href: &'static str,
    pub label: &'static str,
}

/// One option of a select: what is sent (an id of the list's record type, or a plain
/// number) and what is shown.
pub struct Choice<T = i64> {
    pub value: T,
    pub label: String,
}

pub struct MenuItem {
    pub group: &'static str,
    /// Set on the first item of a group: the group's heading.
    pub heading: Option<&'static str>,
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

pub struct Flash {
    pub kind: String,
    pub text: String,
}

pub struct PageCtx {
    /// The bank whose page this is: its name and tagline head the page.
    pub bank: Profile,
    pub title: String,
    pub csrf: String,
    pub user: Option<String>,
    pub role_label: &'static str,
    pub menu: Vec<MenuItem>,
    pub flash: Option<Flash>,
    /// The caller's unread messages and where its box is (empty: no box).
    pub unread: i64,
    pub inbox: &'static str,
    /// The signed-in role's space, the first segment of its URLs (`learner` …).
    pub space: &'static str,
}

const FLASH_KEY: &str = "flash";
const TOUCHED_KEY: &str = "touched";

/// A signed-in session's idle expiry is renewed when the session is saved. Saving it on
/// every page would write the database on every view, so it is saved at most this often
/// (seconds): the two-hour idle limit counts from up to five minutes before the last page.
const TOUCH_EVERY: i64 = 300;

async fn touch(session: &Session) -> Result<(), WebError> {
    let now = chrono::Utc::now().timestamp();
    let last: Option<i64> = session.get(TOUCHED_KEY).await.map_err(csrf::internal)?;
    if last.is_none_or(|t| now - t >= TOUCH_EVERY || t > now) {
        session.insert(TOUCHED_KEY, now).await.map_err(csrf::internal)?;
    }
    Ok(())
}

/// Leaves a message for the next page (after a redirect).
pub async fn flash(session: &Session, kind: &str, text: impl Into<String>) -> Result<(), WebError> {
    session
        .insert(FLASH_KEY, (kind.to_string(), text.into()))
        .await
        .map_err(csrf::internal)
}

/// Reports an action on the next page: success and refused input become a flash message
/// and a redirect to `to`; a record that is missing or not the caller's stays a 404.
pub async fn flash_outcome(session: &Session, result: app::AppResult<String>, to: &str) -> Result<Response, WebError> {
    match result {
        Ok(m) => flash(session, "ok", m).await?,
        Err(e) => flash(session, "error", refusal(e)?.to_string()).await?,
    }
    Ok(Redirect::to(to).into_response())
}

/// A refusal (not found, forbidden, not signed in) is answered as one — 404, 403 or
/// the sign-in page — never as a message on the next page; any other error is handed
/// back to be shown.
pub fn refusal(e: app::AppError) -> Result<app::AppError, WebError> {
    match e {
        app::AppError::NotFound(_) | app::AppError::Forbidden(_) | app::AppError::Unauthenticated => Err(WebError(e)),
        other => Ok(other),
    }
}

impl PageCtx {
    /// An error page: the header and menu of whoever this request found signed in, so
    /// that a refusal does not look like the end of the session.
    pub fn bare(title: &str) -> Self {
        let v = crate::kit::viewer::current();
        let mut ctx = Self {
            bank: v.bank,
            title: title.into(),
            csrf: v.csrf,
            user: None,
            role_label: "",
            menu: Vec::new(),
            flash: None,
            unread: 0,
            inbox: "",
            space: "",
        };
        if let Some(p) = &v.principal {
            ctx.signed_in(p, "");
        }
        ctx
    }

    fn signed_in(&mut self, who: &Principal, active: &str) {
        self.menu = menu_for(self.bank, who);
        let mut previous = "";
        for m in &mut self.menu {
            m.active = m.href == active;
            m.heading = (!m.group.is_empty() && m.group != previous).then_some(m.group);
            previous = m.group;
        }
        // Before an imported account is claimed its name is a fact to be typed, not shown.
        self.user = Some(match who {
            Principal::Learner(l) if !l.is_active() => domain::mask::name(&l.name),
            _ => who.name().to_string(),
        });
        self.role_label = who.role().label();
        self.inbox = inbox_of(who);
        self.space = who.role().code();
        self.unread = crate::kit::viewer::current().unread;
    }

    /// A page for whoever is signed in (or nobody), with the role's menu and `active`
    /// marking the current entry by its href.
    /// Reads the session only: an anonymous visitor reading pages writes no session row
    /// (a signed-in session got its CSRF token at sign-in).
    pub async fn new(title: &str, session: &Session, who: Option<&Principal>, active: &str) -> Result<Self, WebError> {
        let csrf = csrf::existing(session).await?;
        Self::build(title, session, who, active, csrf).await
    }

    /// A page with a form an anonymous visitor posts (sign-in, registration, password
    /// recovery, activation): it needs a CSRF token, so the session starts here.
    pub async fn form(title: &str, session: &Session, who: Option<&Principal>, active: &str) -> Result<Self, WebError> {
        let csrf = csrf::token(session).await?;
        Self::build(title, session, who, active, csrf).await
    }

    async fn build(
        title: &str,
        session: &Session,
        who: Option<&Principal>,
        active: &str,
        csrf: String,
    ) -> Result<Self, WebError> {
        // Reading leaves the session unchanged (unsaved); only a flash there is taken.
        let flash = match session
            .get::<(String, String)>(FLASH_KEY)
            .await
            .map_err(csrf::internal)?
        {
            None => None,
            Some((kind, text)) => {
                session
                    .remove::<(String, String)>(FLASH_KEY)
                    .await
                    .map_err(csrf::internal)?;
                Some(Flash { kind, text })
            }
        };
        if who.is_some() {
            touch(session).await?;
        }
        let mut ctx = Self {
            bank: crate::kit::viewer::current().bank,
            title: title.into(),
            csrf,
            user: None,
            role_label: "",
            menu: Vec::new(),
            flash,
            unread: 0,
            inbox: "",
            space: "",
        };
        if let Some(p) = who {
            ctx.signed_in(p, active);
        }
        Ok(ctx)
    }
}

/// The message box of a signed-in account that has one (not before the account is
/// complete or the institution approved; not for a sub-user without the area).
fn inbox_of(p: &Principal) -> &'static str {
    match p {
        Principal::Learner(l) if l.is_active() => "/learner/messages",
        Principal::Institution { user, institution }
            if institution.status == domain::lifecycle::InstitutionStatus::Approved
                && app::institutions::may(user, Area::Messages) =>
        {
            "/institution/messages"
        }
        Principal::Department { .. } => "/department/messages",
        Principal::Expert(_) => "/expert/messages",
        _ => "",
    }
}

fn item(group: &'static str, label: &'static str, href: &'static str) -> MenuItem {
    MenuItem {
        group,
        heading: None,
        label,
        href,
        active: false,
    }
}

/// The learner menu of Guangdong's manual (我的信息 规则查询 成果添加 认定成果申请
/// 转换成果申请 …), with the services every bank offers after it.
fn guangdong_learner_menu() -> Vec<MenuItem> {
    vec![
        item("", "我的信息", "/learner"),
        item("", "我的成果", "/learner/outcomes"),
        item("", "规则查询", "/rules"),
        item("", "成果添加", "/learner/outcomes/new"),
        item("", "认定成果申请", "/learner/recognition"),
        item("", "转换成果申请", "/learner/conversions/rules"),
        item("", "业绩类成果转换申请", "/learner/performance"),
        item("", "转换记录", "/learner/conversions"),
        item("", "广东终身教育资历框架等级标准", "/framework"),
        item("", "行业标准查询", "/standards"),
        item("", "在线解答", "/qa"),
        item("", "我的证明", "/learner/certificates"),
        item("", "问题反馈", "/learner/feedback"),
        item("", "我的消息", "/learner/messages"),
        item("", "账户设置", "/learner/settings"),
    ]
}

/// The menu of each role, in the order of the manuals; only areas a sub-user was given.
fn menu_for(bank: Profile, p: &Principal) -> Vec<MenuItem> {
    match p {
        Principal::Learner(l) if !l.is_active() => vec![item("", "完善账户信息", "/learner/complete")],
        Principal::Learner(_) if bank == Profile::Guangdong => guangdong_learner_menu(),
        Principal::Learner(_) => vec![
            item("", "个人中心", "/learner"),
            item("", "我的成果", "/learner/outcomes"),
            item("", "成果认定", "/learner/recognition"),
            item("", "成果转换", "/learner/conversions/rules"),
            item("", "转换记录", "/learner/conversions"),
            item("", "我的证明", "/learner/certificates"),
            item("", "问题反馈", "/learner/feedback"),
            item("", "我的消息", "/learner/messages"),
            item("", "账户设置", "/learner/settings"),
        ],
        Principal::Institution { user, institution } => {
            if institution.status != domain::lifecycle::InstitutionStatus::Approved {
                return vec![item("", "注册进度", "/register/institution/status")];
            }
            let mut m = vec![item("院校空间", "机构账户中心", "/institution")];
            if app::institutions::may(user, Area::Messages) {
                m.push(item("院校空间", "我的消息", "/institution/messages"));
            }
            if app::institutions::may(user, Area::Outcomes) {
                m.push(item("成果及学员管理", "机构成果", "/institution/outcomes"));
                m.push(item("成果及学员管理", "学员成果", "/institution/learner-outcomes"));
                m.push(item("成果及学员管理", "学员账户", "/institution/learners"));
                m.push(item("成果及学员管理", "问题反馈管理", "/institution/feedback"));
            }
            if app::institutions::may(user, Area::Rules) {
                m.push(item("转换办法与规则", "转换办法发布", "/institution/methods"));
                m.push(item("转换办法与规则", "转换规则管理", "/institution/rules"));
            }
            if app::institutions::may(user, Area::Conversion) {
                m.push(item("成果转换管理", "转换申请审核", "/institution/conversions/review"));
                if bank.performance_conversion() {
                    m.push(item("成果转换管理", "业绩类转换初审", "/institution/performance"));
                }
                m.push(item("成果转换管理", "转换记录", "/institution/conversions/records"));
            }
            if app::institutions::may(user, Area::Profile) {
                m.push(item("账户管理", "机构信息", "/institution/profile"));
            }
            m.push(item("账户管理", "账户设置", "/institution/settings"));
            if user.is_primary == 1 {
                m.push(item("账户管理", "用户管理", "/institution/users"));
                m.push(item("账户管理", "接口密钥", "/institution/api-keys"));
            }
            m
        }
        Principal::Expert(_) => {
            let mut m = vec![
                item("", "专家工作台", "/expert"),
                item("", "成果认定终审", "/expert/recognition"),
                item("", "转换申请终审", "/expert/conversions"),
            ];
            if bank.performance_conversion() {
                m.push(item("", "业绩类转换终审", "/expert/performance"));
            }
            m.extend([
                item("", "我的消息", "/expert/messages"),
                item("", "账户设置", "/expert/settings"),
            ]);
            m
        }
        Principal::Department { department, .. } => {
            let mut m = department_menu();
            if bank.reviews_learner_accounts() {
                let at = m
                    .iter()
                    .position(|i| i.href == "/department/learners/import")
                    .unwrap_or(m.len());
                m.insert(at, item("学员管理", "学员账户审核", "/department/learners/review"));
            }
            if department.parent_id.is_none() {
                m.extend([
                    item("门户管理", "工作动态", "/department/news"),
                    item("门户管理", "业务介绍", "/department/pages/business"),
                    item("门户管理", "关于我们", "/department/pages/about"),
                    item("门户管理", "在线解答", "/department/questions"),
                    item("门户管理", "资历框架", "/department/framework"),
                    item("门户管理", "行业标准", "/department/standards"),
                    item("安全审计", "审计日志", "/department/audit"),
                ]);
                if bank == Profile::Ncb {
                    let at = m.iter().rposition(|i| i.group == "成果管理").map_or(m.len(), |i| i + 1);
                    m.insert(at, item("成果管理", "X证书同步记录", "/department/sync"));
                }
            }
            m
        }
    }
}

/// What every department has; the centre adds the portal's content.
fn department_menu() -> Vec<MenuItem> {
    vec![
        item("", "工作台", "/department"),
        item("", "我的消息", "/department/messages"),
        item("", "账户设置", "/department/settings"),
        item("机构管理", "机构注册审核", "/department/institutions/pending"),
        item("机构管理", "机构列表", "/department/institutions"),
        item("机构管理", "机构授权", "/department/authorisations"),
        item("成果管理", "机构成果认定", "/department/catalog"),
        item("成果管理", "成果存储审核", "/department/storage"),
        item("成果管理", "成果认定初审", "/department/recognition"),
        item("成果管理", "成果分类管理", "/department/taxonomy"),
        item("成果管理", "问题反馈", "/department/feedback"),
        item("成果转换", "转换申请初审", "/department/conversions"),
        item("成果转换", "转换规则管理", "/department/rules"),
        item("学员管理", "学员账户导入", "/department/learners/import"),
        item("统计分析", "统计分析", "/department/statistics"),
    ]
}

/// Field errors of a rejected form, plus a general message for errors not tied to a
/// field (expired captcha, too many attempts …).
#[derive(Default)]
pub struct FormErrors {
    fields: Vec<FieldError>,
    pub general: Option<String>,
}

impl FormErrors {
    pub fn from_error(e: &AppError) -> Self {
        match e {
            AppError::Invalid(fields) => Self {
                fields: fields.clone(),
                general: None,
            },
            other => Self {
                fields: Vec::new(),
                general: Some(other.to_string()),
            },
        }
    }
    pub fn get(&self, field: &str) -> &str {
        self.fields
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
            .unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|e| e.field == field)
    }
    /// Errors whose field the form does not show (kept visible at the top).
    pub fn summary(&self) -> String {
        let mut parts: Vec<&str> = self.general.iter().map(String::as_str).collect();
        parts.extend(
            self.fields
                .iter()
                .filter(|e| e.field == "form")
                .map(|e| e.message.as_str()),
        );
        parts.join("；")
    }
}

/// Renders a template as a response with the given status.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => WebError(AppError::Internal(anyhow::anyhow!("template: {e}"))).into_response(),
    }
}

pub fn page<T: Template>(t: &T) -> Response {
    render(StatusCode::OK, t)
}

/// The status of a form shown again with errors.
pub fn form_status(e: &AppError) -> StatusCode {
    status_of(e)
}

pub use domain::time::beijing as datetime;

/// A file name for `Content-Disposition: …; filename*=UTF-8''…` (percent-encoded).
pub fn header_file_name(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An .xlsx the browser saves under `name` (templates).
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{}", header_file_name(name)),
            ),
        ],
        bytes,
    )
        .into_response()
}
