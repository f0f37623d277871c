//! Who is looking at the page being built, for the parts of the layout that every page
//! shares (the header's name, menu and unread count) — also on error pages, which are
//! rendered far from the handler that knew the caller. The extractor that loads the
//! signed-in account records it here, once per request; the record lives only as long
//! as the request (a task-local scope opened by `layer`).

use std::cell::RefCell;

use app::auth::Principal;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use domain::bank::Profile;

#[derive(Default, Clone)]
pub struct Viewer {
    /// The bank whose pages these are (its name heads every page).
    pub bank: Profile,
    pub principal: Option<Principal>,
    pub unread: i64,
    pub csrf: String,
}

tokio::task_local! {
    static VIEWER: RefCell<Viewer>;
}

/// Opens the request's scope (applied to the whole router).
pub async fn layer(State(s): State<crate::AppState>, req: Request, next: Next) -> Response {
    let v = Viewer {
        bank: s.app.bank,
        ..Viewer::default()
    };
    VIEWER.scope(RefCell::new(v), next.run(req)).await
}

/// Records the signed-in caller of this request.
pub fn set(principal: Principal, unread: i64, csrf: String) {
    let _ = VIEWER.try_with(|cell| {
        let mut v = cell.borrow_mut();
        v.principal = Some(principal);
        v.unread = unread;
        v.csrf = csrf;
    });
}

/// The caller recorded for this request, if any (outside a request: nobody).
pub fn current() -> Viewer {
    VIEWER.try_with(|cell| cell.borrow().clone()).unwrap_or_default()
}
