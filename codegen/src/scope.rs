//! The names the generated code already uses in each scope, so that the check pass can prove a
//! name from the spec free before `emit` writes it: the runtime's own methods (read from the
//! runtime's sources, so the list cannot drift from them) and the emitter's own names.

use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The runtime's source files, by module name, as the generator embeds them.
pub const RUNTIME_SOURCES: &[(&str, &str)] = &[
    ("api_error", include_str!("../runtime/api_error.rs")),
    ("byte_stream", include_str!("../runtime/byte_stream.rs")),
    ("client", include_str!("../runtime/client.rs")),
    ("credentials", include_str!("../runtime/credentials.rs")),
    ("decode", include_str!("../runtime/decode.rs")),
    ("error", include_str!("../runtime/error.rs")),
    ("error_text", include_str!("../runtime/error_text.rs")),
    ("error_variant", include_str!("../runtime/error_variant.rs")),
    ("event_stream", include_str!("../runtime/event_stream.rs")),
    ("flat_map", include_str!("../runtime/flat_map.rs")),
    ("form", include_str!("../runtime/form.rs")),
    ("header", include_str!("../runtime/header.rs")),
    ("json_body", include_str!("../runtime/json_body.rs")),
    ("json_lines", include_str!("../runtime/json_lines.rs")),
    (
        "json_lines_body",
        include_str!("../runtime/json_lines_body.rs"),
    ),
    ("json_null", include_str!("../runtime/json_null.rs")),
    ("keep_alive", include_str!("../runtime/keep_alive.rs")),
    ("logout", include_str!("../runtime/logout.rs")),
    ("messages", include_str!("../runtime/messages.rs")),
    ("no_content", include_str!("../runtime/no_content.rs")),
    ("nullable", include_str!("../runtime/nullable.rs")),
    ("off_spec", include_str!("../runtime/off_spec.rs")),
    ("open_enum", include_str!("../runtime/open_enum.rs")),
    ("path", include_str!("../runtime/path.rs")),
    ("query", include_str!("../runtime/query.rs")),
    ("redact", include_str!("../runtime/redact.rs")),
    ("retry", include_str!("../runtime/retry.rs")),
    ("send", include_str!("../runtime/send.rs")),
    ("sequence", include_str!("../runtime/sequence.rs")),
    ("session_cache", include_str!("../runtime/session_cache.rs")),
    ("tagged", include_str!("../runtime/tagged.rs")),
    ("text_body", include_str!("../runtime/text_body.rs")),
    ("tls_pin", include_str!("../runtime/tls_pin.rs")),
    ("unexpected", include_str!("../runtime/unexpected.rs")),
    ("union", include_str!("../runtime/union.rs")),
    ("union_fit", include_str!("../runtime/union_fit.rs")),
];

/// Names `types.rs` uses unqualified beside the spec's types (the prelude's types and variants
/// it writes, and `Self_`, which the names module cannot produce for a type anyway).
pub const TYPES_SCOPE_NAMES: &[&str] = &[
    "Box", "BTreeMap", "Err", "None", "Ok", "Option", "Result", "Self_", "Some", "String", "Vec",
];

/// The locals every generated method body declares. Arguments are renamed away from them.
pub const METHOD_LOCALS: &[&str] = &["path", "request", "response"];

/// The argument of a request body.
pub const BODY_ARGUMENT: &str = "body";

/// The arguments of an operation with HTTP basic authentication.
pub const BASIC_AUTH_ARGUMENTS: &[&str] = &["username", "password"];

/// Methods the generated code itself adds to `Client` beside the operations.
pub const GENERATED_CLIENT_METHODS: &[&str] = &["renew_session", "session_probe", "touch_session"];

/// Methods the generated code adds to `Error<E>` beside the `is_...` checks.
pub const GENERATED_ERROR_METHODS: &[&str] = &["error_type"];

/// Every method of the runtime's `Client`, in any runtime file, and the generated ones.
pub fn client_methods() -> &'static BTreeSet<String> {
    static METHODS: OnceLock<BTreeSet<String>> = OnceLock::new();
    METHODS.get_or_init(|| {
        let mut methods = inherent_methods("Client");
        methods.extend(GENERATED_CLIENT_METHODS.iter().map(|m| m.to_string()));
        methods
    })
}

/// Every method of the runtime's `Error<E>` and of the `ErrorKind<E>` it dereferences to, and
/// the generated ones.
pub fn error_methods() -> &'static BTreeSet<String> {
    static METHODS: OnceLock<BTreeSet<String>> = OnceLock::new();
    METHODS.get_or_init(|| {
        let mut methods = inherent_methods("Error");
        methods.extend(inherent_methods("ErrorKind"));
        methods.extend(GENERATED_ERROR_METHODS.iter().map(|m| m.to_string()));
        methods
    })
}

/// The methods derived traits give a type: an operation of the same name would shadow them
/// in method calls (`client.clone()` would start a call instead of cloning the client).
const DERIVED_METHODS: &[(&str, &[&str])] = &[
    ("Clone", &["clone", "clone_from"]),
    ("Debug", &["fmt"]),
    ("Default", &["default"]),
];

/// The names of the methods of the type `name` in the runtime: its `impl` blocks, inherent or
/// of a trait, and the traits it derives.
fn inherent_methods(name: &str) -> BTreeSet<String> {
    let mut methods = BTreeSet::new();
    for (_, source) in RUNTIME_SOURCES {
        // The runtime is the generator's own source, compiled on its own by the freshness
        // check; a file that does not parse contributes nothing rather than stopping here.
        let Ok(file) = syn::parse_file(source) else {
            continue;
        };
        for item in file.items {
            if let syn::Item::Struct(definition) = &item {
                if definition.ident == name {
                    methods.extend(derived_methods(&definition.attrs));
                }
                continue;
            }
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let syn::Type::Path(self_type) = block.self_ty.as_ref() else {
                continue;
            };
            let is_target = self_type
                .path
                .segments
                .last()
                .is_some_and(|segment| segment.ident == name);
            if !is_target {
                continue;
            }
            for member in block.items {
                if let syn::ImplItem::Fn(function) = member {
                    methods.insert(function.sig.ident.to_string());
                }
            }
        }
    }
    methods
}

/// The methods of the traits named in `#[derive(...)]` attributes.
fn derived_methods(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut methods = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            let derived = meta.path.segments.last().map(|s| s.ident.to_string());
            if let Some((_, names)) = DERIVED_METHODS
                .iter()
                .find(|(name, _)| Some(*name) == derived.as_deref())
            {
                methods.extend(names.iter().map(|n| n.to_string()));
            }
            Ok(())
        });
    }
    methods
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtimes_methods_are_read_from_its_sources() {
        let client = client_methods();
        for method in [
            "new",
            "builder",
            "send",
            "request",
            "traced",
            "read_json",
            "renew_session",
            "clone",
            "fmt",
        ] {
            assert!(
                client.contains(method),
                "Client::{method} is not in {client:?}"
            );
        }
        let error = error_methods();
        for method in [
            "status",
            "api_body",
            "messages",
            "error_type_name",
            "error_type",
            "request_id",
            "is_session_limit",
        ] {
            assert!(
                error.contains(method),
                "Error::{method} is not in {error:?}"
            );
        }
        assert!(
            !client.contains("status"),
            "Error's methods leaked into Client's"
        );
    }
}
