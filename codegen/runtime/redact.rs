//! Keeping the client's secrets out of everything it shows: every excerpt of a response body and
//! every decoded error body passes through [`Secrets`] before it enters an error or a log line.
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::HeaderValue;

/// What replaces a secret in any text the client shows.
pub(crate) const REDACTED: &str = "[redacted]";

/// The secrets of one call: the session id it sent and the client holds, the password it logs
/// in with, the values of the request's sensitive headers (for HTTP basic authentication
/// also the base64 text and the password inside it, for a bearer token the token), and every
/// credential of a security scheme the call sends (an API key in a header, a cookie or the
/// query, a token a `TokenSource` gave). Whatever a server echoes, none of these reaches an
/// error or a log.
///
/// Adding a secret only keeps it (shared where it can be: a call that succeeds never scrubs
/// anything); the forms to look for are worked out when a text is scrubbed.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    added: Vec<Added>,
}

/// A secret as it was added.
#[derive(Clone)]
enum Added {
    /// A secret, as it is (shared with what holds it, e.g. a session id).
    Text(Arc<str>),
    /// The user name and password of HTTP basic authentication.
    Basic { username: String, password: String },
    /// The value of a sensitive header.
    Header(HeaderValue),
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.forms().len())
    }
}

impl Secrets {
    /// Adds `secret`, as it is and as it appears inside a JSON string.
    pub(crate) fn add_shared(&mut self, secret: Arc<str>) {
        if !secret.is_empty() {
            self.added.push(Added::Text(secret));
        }
    }

    /// Adds the user name and password of HTTP basic authentication: the password, and the
    /// base64 text and whole header value that carry it.
    pub(crate) fn add_basic_credentials(&mut self, username: &str, password: &str) {
        self.added.push(Added::Basic {
            username: username.to_string(),
            password: password.to_string(),
        });
    }

    /// Adds the value of a sensitive header; for `Bearer <token>` also the token, and for
    /// `Basic <base64>` also the password inside it. A value that is a session id already
    /// added (the session header) is not kept twice: with no space in it, it is neither a
    /// bearer nor a basic value, so it stands for nothing more than the secret itself.
    pub(crate) fn add_header(&mut self, value: &HeaderValue) {
        let bytes = value.as_bytes();
        let known = !bytes.contains(&b' ')
            && self.added.iter().any(|added| match added {
                Added::Text(text) => text.as_bytes() == bytes,
                _ => false,
            });
        if !known {
            self.added.push(Added::Header(value.clone()));
        }
    }

    /// Every text to replace, longest first, so that `Basic xxx` is replaced whole before `xxx`.
    fn forms(&self) -> Vec<String> {
        let mut forms = Forms::default();
        for added in &self.added {
            match added {
                Added::Text(text) => forms.add(text),
                Added::Basic { username, password } => {
                    forms.add_basic_credentials(username, password)
                }
                Added::Header(value) => {
                    forms.add_header_value(&String::from_utf8_lossy(value.as_bytes()))
                }
            }
        }
        forms
            .texts
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.texts
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub(crate) fn scrub(&self, text: &str) -> String {
        scrub(&self.forms(), text)
    }

    /// Scrubs every string of a JSON document, object keys included.
    pub(crate) fn scrub_json(&self, value: &mut serde_json::Value) {
        scrub_json(&self.forms(), value);
    }
}

/// The texts that stand for the secrets of a call, each once.
#[derive(Default)]
struct Forms {
    texts: Vec<String>,
}

impl Forms {
    /// `secret`, as it is and as it appears inside a JSON string.
    fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut forms = vec![secret.to_string()];
        if let Ok(quoted) = serde_json::to_string(secret) {
            let escaped = quoted.trim_start_matches('"').trim_end_matches('"');
            forms.push(escaped.to_string());
        }
        for form in forms {
            if !form.is_empty() && !self.texts.contains(&form) {
                self.texts.push(form);
            }
        }
    }

    /// The password, and the base64 text and whole header value that carry it.
    fn add_basic_credentials(&mut self, username: &str, password: &str) {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        self.add(password);
        self.add(&format!("Basic {encoded}"));
        self.add(&encoded);
    }

    /// A sensitive header's value; for `Bearer <token>` also the token, and for
    /// `Basic <base64>` also the password inside it.
    fn add_header_value(&mut self, value: &str) {
        self.add(value);
        if let Some(token) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        {
            self.add(token.trim());
            return;
        }
        let Some(encoded) = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
        else {
            return;
        };
        self.add(encoded.trim());
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        if let Some((username, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
            self.add_basic_credentials(username, password);
        }
    }
}

/// `text` with every one of `forms` (longest first) replaced by [`REDACTED`].
fn scrub(forms: &[String], text: &str) -> String {
    let mut text = text.to_string();
    for secret in forms {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), REDACTED);
        }
    }
    text
}

/// Scrubs every string of a JSON document, object keys included.
fn scrub_json(forms: &[String], value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => *text = scrub(forms, text),
        serde_json::Value::Array(items) => {
            for item in items {
                scrub_json(forms, item);
            }
        }
        serde_json::Value::Object(fields) => {
            let old = std::mem::take(fields);
            for (key, mut item) in old {
                scrub_json(forms, &mut item);
                fields.insert(scrub(forms, &key), item);
            }
        }
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {}
    }
}

/// `url` as text with any user name and password in it replaced by [`REDACTED`], for a URL
/// that could not be parsed as well as for one that could.
pub(crate) fn without_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |at| at + 3);
    let rest = url.get(start..).unwrap_or_default();
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or_default();
    match authority.rfind('@') {
        Some(at) => format!(
            "{}{REDACTED}{}",
            url.get(..start).unwrap_or_default(),
            rest.get(at..).unwrap_or_default()
        ),
        None => url.to_string(),
    }
}
