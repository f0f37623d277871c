//! 我的消息 (L-14, I-11): the box, one message, and marking all read. 处理 appears only
//! where the message links to something to act on, and opens it.

use app::auth::Principal;
use app::queries::Message;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ids::MessageId;

use crate::AppState;
use crate::account::SPACES;
use crate::kit::error::WebError;
use crate::kit::extract::{CsrfForm, SignedIn};
use crate::kit::views::{PageCtx, datetime, flash, page};

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for space in SPACES {
        r = r
            .route(&format!("/{space}/messages"), get(list))
            .route(&format!("/{space}/messages/read-all"), post(read_all))
            .route(&format!("/{space}/messages/{{id}}"), get(detail));
    }
    r
}

fn base(who: &Principal) -> String {
    format!("/{}/messages", who.role().code())
}

struct Row {
    id: MessageId,
    title: String,
    body: String,
    created: String,
    read: bool,
    action: Option<String>,
}

fn row(who: &Principal, m: Message) -> Row {
    Row {
        action: app::queries::messages::action_link(who, &m).map(str::to_string),
        created: datetime(m.created_at),
        read: m.read_at.is_some(),
        id: m.id,
        title: m.title,
        body: m.body,
    }
}

#[derive(Template)]
#[template(path = "account/messages.html")]
struct ListPage {
    ctx: PageCtx,
    base: String,
    total: i64,
    unread: i64,
    unread_only: bool,
    rows: Vec<Row>,
    /// The query of the next page, when there is one.
    more: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    tab: String,
    before: Option<MessageId>,
}

async fn list(State(s): State<AppState>, a: SignedIn, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    let who = &a.principal;
    let unread_only = q.tab == "unread";
    let found = app::queries::messages::list(&s.app, who, unread_only, q.before, app::queries::messages::PAGE).await?;
    let (total, unread) = app::queries::messages::counts(&s.app, who).await?;
    let more = (found.len() as i64 == app::queries::messages::PAGE)
        .then(|| found.last().map(|m| format!("?tab={}&before={}", q.tab, m.id)))
        .flatten();
    let base = base(who);
    Ok(page(&ListPage {
        ctx: PageCtx::new("我的消息", &a.session, Some(who), &base).await?,
        rows: found.into_iter().map(|m| row(who, m)).collect(),
        base,
        total,
        unread,
        unread_only,
        more,
    }))
}

#[derive(Template)]
#[template(path = "account/message.html")]
struct DetailPage {
    ctx: PageCtx,
    base: String,
    m: Row,
}

/// Opens a message, marking it read; another box's message is 404.
async fn detail(State(s): State<AppState>, a: SignedIn, Path(id): Path<MessageId>) -> Result<Response, WebError> {
    let who = &a.principal;
    let m = app::queries::messages::open(&s.app, who, id).await?;
    let base = base(who);
    Ok(page(&DetailPage {
        ctx: PageCtx::new("消息详情", &a.session, Some(who), &base).await?,
        m: row(who, m),
        base,
    }))
}

#[derive(serde::Deserialize)]
struct NoFields {}

async fn read_all(
    State(s): State<AppState>,
    a: SignedIn,
    CsrfForm(_, _): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let n = app::queries::messages::read_all(&s.app, &a.principal).await?;
    let text = if n == 0 {
        "没有未读消息".to_string()
    } else {
        format!("已将{n}条消息标为已读")
    };
    flash(&a.session, "ok", text).await?;
    Ok(Redirect::to(&base(&a.principal)).into_response())
}
