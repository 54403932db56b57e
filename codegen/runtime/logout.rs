//! Logging out: the client forgets the session, and the session cache forgets it too.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::Client;

impl Client {
    /// The session was ended on the server (a logout): forgets it, and removes it from the
    /// session cache, unless another process stored another one there since.
    pub(crate) fn session_ended(&self) {
        if let (Some(cache), Some(session)) = (&self.inner.session_cache, self.session()) {
            if cache.read().as_ref() == Some(&session) {
                if let Err(err) = std::fs::remove_file(&cache.file) {
                    tracing::debug!(error = %err, "session cache: not removed");
                }
            }
        }
        self.clear_session();
    }
}
