//! Percent-encoding path arguments.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use crate::error::Error;

/// Percent-encodes one path segment: every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`)
/// is escaped, so `/`, `?`, `#` and `%` stay inside the segment. Empty, `.` and `..` are refused:
/// URL parsers would drop or resolve them and so change the path.
pub(crate) fn encode_path_segment<E>(name: &'static str, value: &str) -> Result<String, Error<E>> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::InvalidArgument {
            name,
            reason: "a path segment may not be empty, `.` or `..`",
        });
    }
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(encoded)
}
