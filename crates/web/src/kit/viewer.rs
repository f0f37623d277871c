//! Who is looking at the page being built, for the parts of the layout that every page
//! shares (the header's name, menu and unread count) — also on error pages, which are
//! rendered far from the handler that knew the caller. The extractor that loads the
//! signed-in account records it here, once per request; the record lives only as long
//! as the request (a task-local scope opened by `layer`).

use std::cell::RefCell;

use app::auth::Principal;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

#[derive(Default, Clone)]
pub struct Viewer {
    pub principal: Option<Principal>,
    pub unread: i64,
    pub csrf: String,
}

tokio::task_local! {
    static VIEWER: RefCell<Viewer>;
}

/// Opens the request's scope (applied to the whole router).
pub async fn layer(req: Request, next: Next) -> Response {
    VIEWER.scope(RefCell::new(Viewer::default()), next.run(req)).await
}

/// Records the signed-in caller of this request.
pub fn set(v: Viewer) {
    let _ = VIEWER.try_with(|cell| *cell.borrow_mut() = v);
}

/// The caller recorded for this request, if any (outside a request: nobody).
pub fn current() -> Viewer {
    VIEWER.try_with(|cell| cell.borrow().clone()).unwrap_or_default()
}
