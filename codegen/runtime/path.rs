//! Percent-encoding path arguments.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::error::{Error, ErrorKind};

/// Every byte but the unreserved ones of RFC 3986 (`A-Z a-z 0-9 - . _ ~`): `/`, `?`, `#` and
/// `%` among them, so an argument stays inside its segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment: every byte but the unreserved ones is escaped. Empty, `.`
/// and `..` are refused: URL parsers would drop or resolve them and so change the path.
pub(crate) fn encode_path_segment<E>(name: &'static str, value: &str) -> Result<String, Error<E>> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(ErrorKind::InvalidArgument {
            name,
            reason: "a path segment may not be empty, `.` or `..`",
        }.into());
    }
    // Most ids need no escaping: copied as they are, without the encoder's formatting.
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if value.bytes().all(unreserved) {
        return Ok(value.to_string());
    }
    Ok(utf8_percent_encode(value, PATH_SEGMENT).to_string())
}
