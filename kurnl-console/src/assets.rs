//! Assets embedded in the binary: htmx (vendored, 0BSD, see `assets/htmx.LICENSE`), the
//! stylesheet and the console's own small script.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

const HTMX: &str = include_str!("../assets/htmx.min.js");
const CSS: &str = include_str!("../assets/console.css");
const JS: &str = include_str!("../assets/console.js");

fn asset(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, kind), (CACHE_CONTROL, "max-age=3600")],
        body,
    )
}

pub(crate) async fn htmx() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", HTMX)
}

pub(crate) async fn css() -> impl IntoResponse {
    asset("text/css; charset=utf-8", CSS)
}

pub(crate) async fn js() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", JS)
}
