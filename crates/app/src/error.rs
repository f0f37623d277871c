use domain::FieldError;
use store::StoreError;

/// The one error type of the use cases. Each variant the user can cause carries a
/// Chinese message; the web layer renders it as a form error, an HTML page or RFC 9457
/// problem JSON.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Fields of a form or row are invalid; each message is shown next to its field.
    #[error("{}", first_message(.0))]
    Invalid(Vec<FieldError>),
    #[error("请先登录")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The action conflicts with the current state (already decided, duplicate …).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The database cannot be reached for the moment (restarting, overloaded): 503.
    #[error("系统繁忙，数据库暂时无法访问，请稍后再试")]
    Unavailable(StoreError),
    #[error("系统繁忙，请稍后再试")]
    Store(StoreError),
    #[error("系统繁忙，请稍后再试")]
    Internal(#[from] anyhow::Error),
}

/// What a unique violation the checks did not foresee says (a concurrent write).
pub const RACED: &str = "该记录已存在（可能刚由另一请求写入），请刷新后查看";

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            AppError::Unavailable(e)
        } else if e.is_unique_violation() {
            // Two requests wrote the same thing at once; the checks before the write
            // saw neither (the rule-specific cases say which field at their call).
            AppError::Conflict(RACED.into())
        } else {
            AppError::Store(e)
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl AppError {
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }
    pub fn forbidden() -> Self {
        AppError::Forbidden("您没有权限访问该页面".into())
    }
    pub fn not_found() -> Self {
        AppError::NotFound("您访问的内容不存在".into())
    }
}

pub type AppResult<T> = Result<T, AppError>;

fn first_message(errors: &[FieldError]) -> String {
    errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| "输入有误".into())
}

/// Collects every field error of a form before failing, so the person sees all of them
/// at once.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                if !self.0.iter().any(|x| x.field == e.field) {
                    self.0.push(e);
                }
                None
            }
        }
    }
    pub fn fail(&mut self, field: impl Into<std::borrow::Cow<'static, str>>, message: impl Into<String>) {
        self.check::<()>(Err(FieldError::new(field, message)));
    }
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

/// Unwraps the values a successful `Checks::finish` guarantees are present.
pub fn checked<T>(v: Option<T>) -> AppResult<T> {
    v.ok_or_else(|| AppError::Internal(anyhow::anyhow!("validated value missing")))
}
