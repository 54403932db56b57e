//! Credentials per security scheme (README, "Security"): which requirement is sent, where each
//! credential goes, a token source asked on every call, and no secret in `Debug`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use wire_security::{Client, ClientBuilder, TokenFuture, TokenSource};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Gives `token-1`, `token-2`, ... and counts how often it was asked.
struct CountingSource(Arc<AtomicUsize>);

impl TokenSource for CountingSource {
    fn token(&self) -> TokenFuture<'_> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move { Ok(format!("token-{n}")) })
    }
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

/// The credential-bearing parts of every request the server received, in order: the
/// `Authorization`, `X-API-Key`, `X-App-Id` and `Cookie` headers and the query.
async fn sent(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|request| {
            let mut parts = Vec::new();
            for name in ["authorization", "x-api-key", "x-app-id", "cookie"] {
                if let Some(value) = request.headers.get(name) {
                    parts.push(format!("{name}: {}", value.to_str().unwrap_or("?")));
                }
            }
            if let Some(query) = request.url.query() {
                parts.push(format!("?{query}"));
            }
            parts.join(" | ")
        })
        .collect()
}

fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder(&server.uri())
}

#[tokio::test]
async fn the_documents_requirement_sends_the_bearer_token_and_security_none_sends_nothing() {
    let server = server().await;
    let client = builder(&server)
        .credential("bearer", "s3cret-token")
        .build()
        .expect("a client");
    client.uses_the_documents_requirement().await.expect("sent");
    client.needs_nothing().await.expect("sent");
    assert_eq!(
        sent(&server).await,
        ["authorization: Bearer s3cret-token", ""]
    );
}

#[tokio::test]
async fn the_first_requirement_with_every_credential_is_sent() {
    let server = server().await;
    // Both keys of the first requirement: it wins over the OAuth2 token.
    let both = builder(&server)
        .credential("headerKey", "key-1")
        .credential("appId", "app-1")
        .credential("oauth", "oauth-token")
        .build()
        .expect("a client");
    both.accepts_alternatives().await.expect("sent");
    // One key of the first only: the next requirement the client has, OpenID Connect.
    let half = builder(&server)
        .credential("headerKey", "key-1")
        .credential("oidc", "oidc-token")
        .build()
        .expect("a client");
    half.accepts_alternatives().await.expect("sent");
    // None at all: sent without credentials.
    let none = builder(&server).build().expect("a client");
    none.accepts_alternatives().await.expect("sent");
    assert_eq!(
        sent(&server).await,
        [
            "x-api-key: key-1 | x-app-id: app-1",
            "authorization: Bearer oidc-token",
            ""
        ]
    );
}

#[tokio::test]
async fn a_token_source_is_asked_on_every_call() {
    let server = server().await;
    let asked = Arc::new(AtomicUsize::new(0));
    let client = builder(&server)
        .token_source("oauth", CountingSource(asked.clone()))
        .build()
        .expect("a client");
    client.accepts_alternatives().await.expect("sent");
    client.accepts_alternatives().await.expect("sent");
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    assert_eq!(
        sent(&server).await,
        [
            "authorization: Bearer token-1",
            "authorization: Bearer token-2"
        ]
    );
}

#[tokio::test]
async fn api_keys_go_in_the_query_or_a_cookie_and_basic_in_authorization() {
    let server = server().await;
    for client in [
        builder(&server).credential("queryKey", "q k"),
        builder(&server).credential("cookieKey", "c-k"),
        builder(&server).basic_credentials("basic", "ann", "pw"),
        // The unsupported digest alternative is skipped; basic remains.
        builder(&server).basic_credentials("basic", "ann", "pw"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, b)| (i, b.build().expect("a client")))
    {
        if client.0 < 3 {
            client.1.takes_keys_anywhere().await.expect("sent");
        } else {
            client.1.skips_what_it_cannot_send().await.expect("sent");
        }
    }
    assert_eq!(
        sent(&server).await,
        [
            "?api_key=q+k",
            "cookie: token=c-k",
            "authorization: Basic YW5uOnB3",
            "authorization: Basic YW5uOnB3"
        ]
    );
}

#[tokio::test]
async fn secrets_never_appear_in_debug() {
    let server = server().await;
    let builder = builder(&server)
        .credential("bearer", "s3cret-token")
        .basic_credentials("basic", "ann", "pa55word");
    let shown = format!("{builder:?}");
    let client = builder.build().expect("a client");
    let shown = format!("{shown} {client:?}");
    assert!(!shown.contains("s3cret-token"), "{shown}");
    assert!(!shown.contains("pa55word"), "{shown}");
    assert!(shown.contains("has_scheme_credentials: true"), "{shown}");
}
