//! Logging out: the client forgets the session, and the session cache forgets it too.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::Client;

impl Client {
    /// The session the logout sent was ended on the server: the client forgets it, unless
    /// another task replaced it meanwhile, and the session cache forgets it, unless another
    /// process stored another one there since.
    pub(crate) fn session_ended(&self) {
        let current = self.session();
        // The session the logout's request carried.
        let sent = super::send::CALL
            .try_with(|state| match state.sent_session.lock() {
                Ok(sent) => sent.clone(),
                Err(poisoned) => poisoned.into_inner().clone(),
            })
            .ok()
            .flatten();
        let ended = sent.or_else(|| current.clone());
        if let (Some(cache), Some(ended)) = (&self.inner.session_cache, &ended) {
            if cache.read().as_ref() == Some(ended) {
                if let Err(err) = std::fs::remove_file(&cache.file) {
                    tracing::debug!(error = %err, "session cache: not removed");
                }
            }
        }
        if current.is_some() && current == ended {
            self.clear_session();
        }
    }
}
