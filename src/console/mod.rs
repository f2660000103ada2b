//! `rmq console`: a web UI and a JSON API for any RocketMQ 4.x cluster (rmq or Java), served
//! by axum on the tokio runtime and talking to the cluster through [`crate::client`]. The
//! pages are one HTML document with vanilla JS and CSS embedded in the binary ([`assets`]);
//! the API ([`api`]) uses the CLI's `-o json` names. A read-only console answers 403 to every
//! changing request and its pages hide the buttons that would send one.

pub mod api;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

use crate::client::{MqClient, Producer, ProducerOptions};

/// What the handlers share.
pub struct Console {
    pub client: Arc<MqClient>,
    /// Sends test messages (creating no topic: a typo must not create one).
    pub producer: Producer,
    /// Re-sends dead letters.
    pub dlq_producer: Producer,
    pub read_only: bool,
}

impl Console {
    pub fn new(client: Arc<MqClient>, read_only: bool) -> Console {
        let options = |group: &str| ProducerOptions {
            group: group.into(),
            auto_create: false,
            ..ProducerOptions::default()
        };
        Console {
            producer: Producer::new(client.clone(), options("rmq_console_producer")),
            dlq_producer: Producer::new(client.clone(), options("rmq_tools_producer")),
            client,
            read_only,
        }
    }
}

/// The embedded page and its script and style.
pub mod assets {
    pub const INDEX_HTML: &str = include_str!("assets/index.html");
    pub const APP_JS: &str = include_str!("assets/app.js");
    pub const STYLE_CSS: &str = include_str!("assets/style.css");
}

/// Whether serving on `addr` keeps the console to this machine.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// The routes: `/` and `/topics/...` etc. answer the page (it routes on the path and the
/// fragment, so both kinds of URL can be shared), `/assets/*` the script and style, `/api/*`
/// the JSON API.
pub fn router(console: Arc<Console>) -> Router {
    let page = || get(index);
    Router::new()
        .route("/", page())
        .route("/overview", page())
        .route("/topics", page())
        .route("/topics/{name}", page())
        .route("/groups", page())
        .route("/groups/{name}", page())
        .route("/messages", page())
        .route("/dlq", page())
        .route("/dlq/{name}", page())
        .route("/assets/app.js", get(app_js))
        .route("/assets/style.css", get(style_css))
        .route("/api/overview", get(api::overview))
        .route("/api/topics", get(api::topics).post(api::create_topic))
        .route(
            "/api/topics/{topic}",
            get(api::topic).delete(api::delete_topic),
        )
        .route("/api/topics/{topic}/send", post(api::send))
        .route("/api/groups", get(api::groups))
        .route("/api/groups/{group}", get(api::group))
        .route("/api/groups/{group}/reset", post(api::reset_offsets))
        .route("/api/messages", get(api::messages))
        .route("/api/dlq/{group}", get(api::dlq))
        .route("/api/dlq/{group}/resend", post(api::dlq_resend))
        .with_state(console)
}

async fn index() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        assets::INDEX_HTML,
    )
}

async fn app_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        assets::APP_JS,
    )
}

async fn style_css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        assets::STYLE_CSS,
    )
}

/// Serves the console on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    console: Arc<Console>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(console))
        .with_graceful_shutdown(shutdown)
        .await
}
