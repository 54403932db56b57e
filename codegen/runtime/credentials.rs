//! Credentials for the API's security schemes, given to the client builder per scheme: a
//! bearer token (HTTP `bearer`, OAuth2, OpenID Connect), an API key (header, query or cookie),
//! HTTP basic; or a [`TokenSource`] asked for a fresh token on every call. The client never runs
//! an OAuth flow itself. This file is part of the generator's runtime: it does not depend on
//! the spec, and it is copied only into crates whose operations use it.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::header::{HeaderValue, AUTHORIZATION, COOKIE};

use super::client::{Client, ClientBuilder};
use super::error::{Error, ErrorKind};
use super::send::Outgoing;

/// What [`TokenSource::token`] returns: a token, or why there is none.
pub type TokenFuture<'a> = Pin<
    Box<dyn Future<Output = Result<String, Box<dyn std::error::Error + Send + Sync>>> + Send + 'a>,
>;

/// Gives a token for each call (e.g. refreshes an OAuth2 access token when it is about to
/// expire). Asked once per call, before the first attempt; a failure is [`ErrorKind::Login`].
pub trait TokenSource: Send + Sync {
    /// The token to send with the next call.
    fn token(&self) -> TokenFuture<'_>;
}

/// One scheme's credential.
#[derive(Clone)]
enum Secret {
    /// A token or key, sent as it is.
    Value(String),
    /// Asked for a token on every call.
    Source(Arc<dyn TokenSource>),
    /// HTTP basic.
    Basic { username: String, password: String },
}

/// The credentials of a client, by scheme name. `Debug` names the schemes only.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    by_scheme: BTreeMap<String, Secret>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.by_scheme.keys().map(|name| (name, "<redacted>")))
            .finish()
    }
}

/// A security scheme of an operation, as the generated code names it: `location` is
/// `bearer`, `basic`, `header`, `query` or `cookie`, and `key` the header, query parameter or
/// cookie name of an API key.
pub(crate) struct Scheme {
    pub(crate) name: &'static str,
    pub(crate) location: &'static str,
    pub(crate) key: &'static str,
}

impl ClientBuilder {
    /// The bearer token of the security scheme `scheme` (HTTP `bearer`, OAuth2 or OpenID
    /// Connect: sent as `Authorization: Bearer <token>`), or the key of the apiKey scheme
    /// `scheme` (sent in its header, query parameter or cookie). Never logged or shown by
    /// `Debug`, and scrubbed from every error about a call that sends it (the request's URL,
    /// where an API key in the query is, is never part of an error or a log line).
    pub fn credential(self, scheme: &str, secret: impl Into<String>) -> Self {
        self.with_secret(scheme, Secret::Value(secret.into()))
    }

    /// A source asked for the token of the scheme `scheme` on every call, instead of one fixed
    /// token.
    pub fn token_source(self, scheme: &str, source: impl TokenSource + 'static) -> Self {
        self.with_secret(scheme, Secret::Source(Arc::new(source)))
    }

    /// The user name and password of the HTTP basic scheme `scheme`.
    pub fn basic_credentials(self, scheme: &str, username: &str, password: &str) -> Self {
        self.with_secret(
            scheme,
            Secret::Basic {
                username: username.to_string(),
                password: password.to_string(),
            },
        )
    }

    fn with_secret(mut self, scheme: &str, secret: Secret) -> Self {
        let mut secrets = self.secrets().cloned().unwrap_or_default();
        secrets.by_scheme.insert(scheme.to_string(), secret);
        self.security = Some(Arc::new(secrets));
        self
    }

    fn secrets(&self) -> Option<&Secrets> {
        self.security.as_ref()?.downcast_ref()
    }
}

impl Client {
    /// Adds the credentials of the first of `requirements` (in the spec's order) for which the
    /// client has every scheme's credential; with none, the request goes without. Every
    /// credential value sent is kept with the request, so that no error about the call shows
    /// it, wherever a server echoes it.
    pub(crate) async fn add_scheme_credentials<E>(
        &self,
        mut request: reqwest::RequestBuilder,
        requirements: &[&[Scheme]],
    ) -> Result<Outgoing, Error<E>> {
        let Some(secrets) = self
            .inner
            .security
            .as_ref()
            .and_then(|s| s.downcast_ref::<Secrets>())
        else {
            return Ok(request.into());
        };
        let usable = |scheme: &Scheme| match secrets.by_scheme.get(scheme.name) {
            Some(Secret::Basic { .. }) => scheme.location == "basic",
            Some(_) => scheme.location != "basic",
            None => false,
        };
        let Some(requirement) = requirements.iter().find(|r| r.iter().all(usable)) else {
            return Ok(request.into());
        };
        let mut sent = super::redact::Secrets::default();
        let mut cookies = Vec::new();
        for scheme in requirement.iter() {
            let value = match secrets.by_scheme.get(scheme.name) {
                Some(Secret::Basic { username, password }) => {
                    sent.add_basic_credentials(username, password);
                    request = request.basic_auth(username, Some(password));
                    continue;
                }
                Some(Secret::Value(value)) => value.clone(),
                Some(Secret::Source(source)) => {
                    source.token().await.map_err(|source| {
                        Error::<E>::from(ErrorKind::Login {
                            status: None,
                            error_type: None,
                            session_limit: false,
                            source,
                        })
                    })?
                }
                None => continue,
            };
            sent.add(&value);
            if scheme.location == "query" {
                // As the URL carries it, for a server that echoes the request's URL.
                sent.add(&url_encoded(&value, "+"));
                sent.add(&url_encoded(&value, "%20"));
            }
            match scheme.location {
                "bearer" => {
                    request = request.header(AUTHORIZATION, sensitive(&format!("Bearer {value}"))?)
                }
                "header" => request = request.header(scheme.key, sensitive(&value)?),
                "query" => request = request.query(&[(scheme.key, value)]),
                _ => cookies.push(format!("{}={value}", scheme.key)),
            }
        }
        if !cookies.is_empty() {
            request = request.header(COOKIE, sensitive(&cookies.join("; "))?);
        }
        Ok(Outgoing {
            request,
            secrets: sent,
        })
    }
}

impl super::redact::Secrets {
    /// Adds `secret`, as it is and as it appears inside a JSON string.
    fn add(&mut self, secret: &str) {
        self.add_shared(Arc::from(secret));
    }
}

/// A credential as a header value marked sensitive (kept out of HTTP logs).
fn sensitive<E>(text: &str) -> Result<HeaderValue, Error<E>> {
    let mut value = HeaderValue::from_str(text).map_err(|_| {
        Error::<E>::from(ErrorKind::InvalidArgument {
            name: "credential",
            reason: "a credential must be visible ASCII to be sent in a header",
        })
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// `text` percent-encoded as a URL's query carries it, every byte but ASCII letters, digits and
/// `*-._` encoded, a space as `space`.
fn url_encoded(text: &str, space: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte))
            }
            b' ' => out.push_str(space),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
