//! `types.rs`: one Rust type per named type of the model, and the `ErrorBody` impls of the
//! error bodies.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::*;
use crate::model::{JsonKind, MessagesField, SerdeUse, SERDE_ALL_FEATURE};

pub(super) fn unnamed_error_bodies(model: &ApiModel) -> TokenStream {
    // Error bodies that are not named types of their own get their `ErrorBody` impl here.
    // One impl per Rust type: `String` stands for a plain and a `date-time` string alike. Each
    // is compiled with the operations that use it (a list of a named type needs that type).
    let mut rust_types: BTreeMap<String, (TokenStream, Vec<&Gate>)> = BTreeMap::new();
    for op in &model.operations {
        for ty in op.error_body_types() {
            if matches!(ty, TypeRef::Named(_) | TypeRef::Json) {
                continue;
            }
            let tokens = type_tokens(&ty, Scope::Types);
            let entry = rust_types
                .entry(tokens.to_string())
                .or_insert_with(|| (tokens, Vec::new()));
            entry.1.push(&op.gate);
        }
    }
    // The runtime's errors bring their own impl for `String` (a text body's first line).
    let items = rust_types
        .iter()
        .filter(|(text, _)| text.as_str() != "String")
        .map(|(_, (ty, gates))| {
            let impl_body = quote! { impl crate::runtime::error::ErrorBody for #ty {} };
            gated(&Gate::union(gates.iter().copied()), impl_body)
        });
    quote! { #(#items)* }
}

pub(super) fn type_def(def: &TypeDef) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_attrs(
        def.doc
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(&format!("The `{}` schema.", def.origin)),
    );
    let body = match &def.kind {
        TypeKind::Struct { fields } => {
            // A type the API only sends reads itself only under `serde-all`, and so do its
            // fields' readers.
            let reads = def.serde.deserialize;
            let fields = fields.iter().map(|field| field_tokens(field, reads));
            let derives = struct_derives(def.serde);
            quote! {
                #doc
                #derives
                pub struct #name {
                    #(#fields)*
                }
            }
        }
        TypeKind::Enum { values, catch_all } => {
            let catch_all = ident(catch_all);
            let variants: Vec<Ident> = values.iter().map(|v| ident(&v.variant)).collect();
            let wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
            let variant_docs: Vec<String> = values
                .iter()
                .map(|v| format!(" The value `{}`.", v.wire.replace('`', "'")))
                .collect();
            // Without known values the catch-all arm is the only one (another would be
            // unreachable).
            let known_arm = (!values.is_empty()).then(|| quote! { _ => None, });
            quote! {
                #doc
                ///
                /// The enum is open: a value this client does not know is kept in the catch-all
                /// variant instead of failing to decode.
                #[derive(Debug, Clone, PartialEq, Eq, Hash)]
                pub enum #name {
                    #(
                        #[doc = #variant_docs]
                        #variants,
                    )*
                    /// A value this client does not know, as the server sent it.
                    #catch_all(String),
                }

                impl crate::runtime::open_enum::OpenEnum for #name {
                    const KNOWN: &'static [(Self, &'static str)] = &[
                        #((Self::#variants, #wires),)*
                    ];

                    fn unknown(value: String) -> Self {
                        Self::#catch_all(value)
                    }

                    fn as_unknown(&self) -> Option<&str> {
                        match self {
                            Self::#catch_all(value) => Some(value),
                            #known_arm
                        }
                    }
                }

                crate::runtime::open_enum::open_enum_impls!(#name);
            }
        }
        TypeKind::Alias(target) => {
            let target = type_tokens(target, Scope::Types);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
        TypeKind::Id { resource_type } => id_type(&name, resource_type),
        TypeKind::Union(union) => union_type(&name, &doc, union),
    };
    let error_impls = error_body_impls(def);
    quote! { #body #error_impls }
}

/// A struct's derives: `Serialize` and `Deserialize` only for the ways the API moves it (each
/// is compile time every user pays), the other behind the `serde-all` feature.
fn struct_derives(serde: SerdeUse) -> TokenStream {
    let (ours, other) = match (serde.serialize, serde.deserialize) {
        (true, false) => (
            quote! { serde::Serialize },
            Some(quote! { serde::Deserialize }),
        ),
        (false, true) => (
            quote! { serde::Deserialize },
            Some(quote! { serde::Serialize }),
        ),
        _ => (quote! { serde::Serialize, serde::Deserialize }, None),
    };
    let other =
        other.map(|other| quote! { #[cfg_attr(feature = #SERDE_ALL_FEATURE, derive(#other))] });
    quote! {
        #[derive(Debug, Clone, PartialEq, #ours)]
        #other
    }
}

/// Whether some struct implements only one of `Serialize` and `Deserialize`, so the crate
/// offers the `serde-all` feature that adds the other.
pub(super) fn has_one_way_types(model: &ApiModel) -> bool {
    model.types.iter().any(|def| {
        matches!(def.kind, TypeKind::Struct { .. }) && def.serde.serialize != def.serde.deserialize
    })
}

/// The test of whether a JSON value is of the kind a union member takes.
fn takes_tokens(kind: JsonKind) -> TokenStream {
    match kind {
        JsonKind::Object => quote! { serde_json::Value::is_object },
        JsonKind::Array => quote! { serde_json::Value::is_array },
        JsonKind::String => quote! { serde_json::Value::is_string },
        JsonKind::Number => quote! { serde_json::Value::is_number },
        JsonKind::Bool => quote! { serde_json::Value::is_boolean },
        JsonKind::Any => quote! { |_: &serde_json::Value| true },
    }
}

/// An enum with a variant per member of a `oneOf` / `anyOf` and an open fallback. Without a
/// tag, serde tries the variants in document order (`untagged`); with one, the tag's value picks
/// the variant, and serializing a variant writes the tag when the member's type does not.
fn union_type(name: &Ident, doc: &TokenStream, union: &UnionModel) -> TokenStream {
    let fallback = ident(&union.fallback);
    let variants = union.variants.iter().map(|variant| {
        let variant_name = ident(&variant.name);
        let text = variant
            .doc
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| match (&variant.ty, variant.tags.as_slice()) {
                (_, [first, ..]) => format!(
                    "The member whose `{}` is `{}`.",
                    union.tag.as_deref().unwrap_or_default(),
                    first.replace('`', "'")
                ),
                (TypeRef::Named(target), []) => format!("A [`{target}`]."),
                _ => "One of the members.".to_string(),
            });
        let doc = doc_attrs(&text);
        let mut ty = type_tokens(&variant.ty, Scope::Types);
        if variant.boxed {
            ty = quote! { Box<#ty> };
        }
        quote! {
            #doc
            #variant_name(#ty),
        }
    });
    let fallback_doc = match &union.tag {
        Some(tag) => {
            format!(" A value whose `{tag}` names no member above, as the server sent it.")
        }
        None => " A value none of the members above takes, as the server sent it.".to_string(),
    };
    let how = match &union.tag {
        Some(tag) => format!(
            " The value's `{tag}` property says which member it is; a value with an unknown `{tag}` \
             (or none) is kept in the fallback variant."
        ),
        None => " A value is decoded as the first member, in the order below, that takes it (a \
                 member is tried only on the kind of JSON it stands for: object, list, string, \
                 number or boolean); a value no member takes is kept in the fallback variant."
            .to_string(),
    };
    let display = union.text.then(|| {
        let arms = union.variants.iter().map(|variant| {
            let variant_name = ident(&variant.name);
            quote! { Self::#variant_name(value) => std::fmt::Display::fmt(value, f), }
        });
        quote! {
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    match self {
                        #(#arms)*
                        Self::#fallback(serde_json::Value::String(text)) => f.write_str(text),
                        Self::#fallback(value) => std::fmt::Display::fmt(value, f),
                    }
                }
            }
        }
    });
    let Some(tag) = &union.tag else {
        let tries = union.variants.iter().map(|variant| {
            let variant_name = ident(&variant.name);
            let takes = takes_tokens(variant.takes);
            quote! {
                if let Some(member) = crate::runtime::union::member(&value, #takes) {
                    return Ok(Self::#variant_name(member));
                }
            }
        });
        let objects = union
            .variants
            .iter()
            .filter(|v| matches!(v.takes, JsonKind::Object | JsonKind::Any))
            .count();
        let decode = if objects >= 2 && union.variants.iter().any(|v| v.known.is_some()) {
            // Object members tried by fit: those that know every property of the value first.
            let known = union.variants.iter().map(|variant| match &variant.known {
                Some(names) => quote! { Some(&[#(#names),*]) },
                None => quote! { None },
            });
            let arms = union.variants.iter().enumerate().map(|(index, variant)| {
                let index = proc_macro2::Literal::usize_unsuffixed(index);
                let variant_name = ident(&variant.name);
                let takes = takes_tokens(variant.takes);
                quote! {
                    #index => crate::runtime::union::member(&value, #takes).map(Self::#variant_name),
                }
            });
            // The first member that gives the value back whole wins; else the one that loses
            // the least of it (a member whose fields are all optional, or whose enum keeps
            // unknown values, takes more than it should).
            quote! {
                let mut best: Option<(usize, Self)> = None;
                for index in crate::runtime::union_fit::fit_order(&value, &[#(#known),*]) {
                    let candidate = match index {
                        #(#arms)*
                        _ => None,
                    };
                    if let Some(candidate) = candidate {
                        let lost = crate::runtime::union_fit::lost(&value, &candidate);
                        if lost == 0 {
                            return Ok(candidate);
                        }
                        if best.as_ref().is_none_or(|(least, _)| lost < *least) {
                            best = Some((lost, candidate));
                        }
                    }
                }
                if let Some((_, candidate)) = best {
                    return Ok(candidate);
                }
            }
        } else {
            quote! { #(#tries)* }
        };
        return quote! {
            #doc
            ///
            #[doc = #how]
            #[derive(Debug, Clone, PartialEq, serde::Serialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#variants)*
                #[doc = #fallback_doc]
                #fallback(serde_json::Value),
            }

            impl<'de> serde::Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                    #decode
                    Ok(Self::#fallback(value))
                }
            }

            #display
        };
    };
    let decode_arms = union.variants.iter().map(|variant| {
        let variant_name = ident(&variant.name);
        let tags = &variant.tags;
        quote! {
            Some(#(#tags)|*) => serde_json::from_value(value)
                .map(Self::#variant_name)
                .map_err(serde::de::Error::custom),
        }
    });
    let encode_arms = union.variants.iter().map(|variant| {
        let variant_name = ident(&variant.name);
        let first = variant.tags.first().map(String::as_str).unwrap_or_default();
        quote! {
            Self::#variant_name(value) => {
                crate::runtime::tagged::serialize_tagged(value, #tag, #first, serializer)
            }
        }
    });
    quote! {
        #doc
        ///
        #[doc = #how]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
            #[doc = #fallback_doc]
            #fallback(serde_json::Value),
        }

        #display

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#encode_arms)*
                    Self::#fallback(value) => serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                match crate::runtime::tagged::tag_of(&value, #tag) {
                    #(#decode_arms)*
                    _ => Ok(Self::#fallback(value)),
                }
            }
        }
    }
}

/// A newtype for the identifiers of one resource type: a string on the wire, its own type in Rust.
pub(super) fn id_type(name: &Ident, resource_type: &str) -> TokenStream {
    let doc = doc_attrs(&format!(
        "An identifier of the resource type `{}`.\n\n\
         On the wire it is a plain string. Make one from text with [`{name}::new`] or\n\
         [`str::parse`]; ids returned by the API already have this type.",
        resource_type.replace('`', "'")
    ));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct #name(String);

        impl #name {
            /// Wraps an identifier, e.g. one read from a configuration file.
            pub fn new(id: impl std::convert::Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The identifier as an owned `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(id: &str) -> Result<Self, Self::Err> {
                Ok(Self(id.to_string()))
            }
        }

        impl std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    }
}

pub(super) fn field_tokens(field: &FieldModel, reads: bool) -> TokenStream {
    let name = ident(&field.ident);
    let mut doc_text = field
        .doc
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| match &field.ty {
            TypeRef::Named(target) => format!("The `{}` field: see [`{target}`].", field.wire_name),
            _ => format!("The `{}` field.", field.wire_name),
        });
    if let Some(resource) = &field.resource_type {
        if !doc_text.contains(resource.as_str()) {
            doc_text.push_str(&format!(
                "\n\nAn identifier of the resource type `{resource}`."
            ));
        }
    }
    let doc = doc_attrs(&doc_text);
    let mut ty = type_tokens(&field.ty, Scope::Types);
    if field.boxed {
        ty = quote! { Box<#ty> };
    }
    let wire = &field.wire_name;
    if field.flatten {
        // The properties beyond the named ones come through serde's buffer, which holds no
        // 128-bit integer: read as JSON values first, then as their type.
        let through_json = match &field.ty {
            TypeRef::Map(value) if **value != TypeRef::Json => Some(quote! {
                deserialize_with = "crate::runtime::flat_map::map_through_json"
            }),
            _ => None,
        };
        return match through_json {
            Some(with) if reads => quote! {
                #doc
                #[serde(flatten, #with)]
                pub #name: #ty,
            },
            Some(with) => quote! {
                #doc
                #[serde(flatten)]
                #[cfg_attr(feature = #SERDE_ALL_FEATURE, serde(#with))]
                pub #name: #ty,
            },
            None => quote! {
                #doc
                #[serde(flatten)]
                pub #name: #ty,
            },
        };
    }
    let rename = (display_ident(&field.ident) != field.wire_name)
        .then(|| quote! { #[serde(rename = #wire)] });
    match (field.required, field.nullable) {
        (true, _) => quote! {
            #doc
            #rename
            pub #name: #ty,
        },
        (false, Nullable::Required) => quote! {
            #doc
            ///
            /// Always sent; `None` is sent as `null`.
            #rename
            #[serde(default)]
            pub #name: Option<#ty>,
        },
        (false, Nullable::Optional) if reads => quote! {
            #doc
            ///
            /// `None`: absent; `Some(None)`: present and `null`.
            #rename
            #[serde(
                default,
                skip_serializing_if = "Option::is_none",
                deserialize_with = "crate::runtime::nullable::present"
            )]
            pub #name: Option<Option<#ty>>,
        },
        (false, Nullable::Optional) => quote! {
            #doc
            ///
            /// `None`: absent; `Some(None)`: present and `null`.
            #rename
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(
                feature = #SERDE_ALL_FEATURE,
                serde(deserialize_with = "crate::runtime::nullable::present")
            )]
            pub #name: Option<Option<#ty>>,
        },
        // Any JSON value, which holds `null` itself: absent is `None`, `null` is
        // `Some(Value::Null)` (serde would read a `null` into an `Option` as `None`).
        (false, Nullable::No) if field.ty == TypeRef::Json && reads => quote! {
            #doc
            ///
            /// `None`: absent; `Some(Value::Null)`: present and `null`.
            #rename
            #[serde(
                default,
                skip_serializing_if = "Option::is_none",
                deserialize_with = "crate::runtime::json_null::any_present"
            )]
            pub #name: Option<#ty>,
        },
        (false, Nullable::No) if field.ty == TypeRef::Json => quote! {
            #doc
            ///
            /// `None`: absent; `Some(Value::Null)`: present and `null`.
            #rename
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(
                feature = #SERDE_ALL_FEATURE,
                serde(deserialize_with = "crate::runtime::json_null::any_present")
            )]
            pub #name: Option<#ty>,
        },
        (false, Nullable::No) => quote! {
            #doc
            #rename
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        },
    }
}

/// `ErrorBody` for a type used as an error body, and the `error_type()` shortcuts on `Error`.
pub(super) fn error_body_impls(def: &TypeDef) -> TokenStream {
    let Some(shape) = &def.error_shape else {
        return TokenStream::new();
    };
    let name = ident(&def.name);
    let ErrorShape {
        error_type,
        error_type_required,
        messages,
        ..
    } = shape;
    if error_type.is_none() && messages.is_none() {
        return quote! { impl crate::runtime::error::ErrorBody for #name {} };
    }
    let kind = match error_type {
        Some((field, _)) if *error_type_required => {
            let field = ident(field);
            quote! { Some(self.#field.as_str()) }
        }
        Some((field, _)) => {
            let field = ident(field);
            quote! { self.#field.as_ref().map(|kind| kind.as_str()) }
        }
        None => quote! { None::<&str> },
    };
    // The summary shows the first message as `messages()` fills it.
    let (message, all_messages) = match messages {
        Some(messages) => (
            quote! { self.messages().into_iter().next() },
            messages_impl(messages),
        ),
        None => (quote! { None::<String> }, TokenStream::new()),
    };
    let off_spec = off_spec_impl(def, shape);
    let accessors = error_type
        .as_ref()
        .map(|(field, enum_name)| error_type_accessors(&name, field, enum_name, shape));
    quote! {
        impl crate::runtime::error::ErrorBody for #name {
            fn summary(&self) -> Option<String> {
                match (#kind, #message) {
                    (Some(kind), Some(message)) => Some(format!("{kind}: {message}")),
                    (Some(kind), None) => Some(kind.to_string()),
                    (None, Some(message)) => Some(message.to_string()),
                    (None, None) => None,
                }
            }

            fn error_type_name(&self) -> Option<&str> {
                #kind
            }

            #all_messages

            #off_spec
        }
        #accessors
    }
}

/// `from_off_spec` of an error body with an `error_type`: every field that decodes, every
/// message that decodes on its own; `None` without a string `error_type` or when a required
/// field (other than the messages, which may be none) does not decode.
fn off_spec_impl(def: &TypeDef, shape: &ErrorShape) -> TokenStream {
    let (Some(error_type_wire), TypeKind::Struct { fields }) = (off_spec_key(def), &def.kind)
    else {
        return TokenStream::new();
    };
    let messages_field = shape.messages.as_ref().map(|m| m.ident.as_str());
    let inits = fields.iter().map(|field| {
        let name = ident(&field.ident);
        let wire = &field.wire_name;
        let read = quote! { crate::runtime::off_spec::off_spec_field(json, #wire) };
        let value = if field.flatten {
            // The properties beyond the named ones are not needed to classify the error.
            quote! { Default::default() }
        } else if !field.required {
            read
        } else if Some(field.ident.as_str()) == messages_field {
            quote! { #read.unwrap_or_default() }
        } else {
            quote! { #read? }
        };
        quote! { #name: #value, }
    });
    quote! {
        fn from_off_spec(json: &serde_json::Value) -> Option<Self> {
            json.get(#error_type_wire)?.as_str()?;
            Some(Self { #(#inits)* })
        }
    }
}

/// The wire name of the `error_type` field of an error body that gets `from_off_spec` (a struct
/// with an `error_type`).
fn off_spec_key(def: &TypeDef) -> Option<&str> {
    let error_type_field = &def.error_shape.as_ref()?.error_type.as_ref()?.0;
    let TypeKind::Struct { fields } = &def.kind else {
        return None;
    };
    // A flattened union (a `oneOf` beside properties) has no empty value to start from.
    if fields
        .iter()
        .any(|field| field.flatten && !matches!(field.ty, TypeRef::Map(_)))
    {
        return None;
    }
    fields
        .iter()
        .find(|field| &field.ident == error_type_field)
        .map(|field| field.wire_name.as_str())
}

/// The `messages()` method of an error body with `messages`.
fn messages_impl(messages: &MessagesField) -> TokenStream {
    let field = ident(&messages.ident);
    let text = ident(&messages.default_message);
    let iter = if messages.required {
        quote! { self.#field.iter() }
    } else {
        quote! { self.#field.iter().flatten() }
    };
    let template = if messages.default_message_required {
        quote! { message.#text.as_str() }
    } else {
        quote! { message.#text.as_deref().unwrap_or_default() }
    };
    let args = match &messages.args {
        Some((args, true)) => {
            let args = ident(args);
            quote! { message.#args.as_slice() }
        }
        Some((args, false)) => {
            let args = ident(args);
            quote! { message.#args.as_deref().unwrap_or_default() }
        }
        None => quote! { &[] },
    };
    let param = match &messages.params {
        Some((params, required)) => {
            let params = ident(params);
            let map = if *required {
                quote! { Some(&message.#params) }
            } else {
                quote! { message.#params.as_ref() }
            };
            quote! { |name: &str| #map.and_then(|params| params.get(name)) }
        }
        None => quote! { |_: &str| None::<&serde_json::Value> },
    };
    quote! {
        fn messages(&self) -> Vec<String> {
            #iter
                .map(|message| {
                    crate::runtime::messages::fill_placeholders(#template, #args, #param)
                })
                .collect()
        }
    }
}

/// The `error_type` value an HTTP 401 stands for.
const UNAUTHENTICATED: &str = "UNAUTHENTICATED";

/// `error_type()` and one `is_...` check per value on `Error<name>`.
fn error_type_accessors(
    name: &Ident,
    field: &str,
    enum_name: &str,
    shape: &ErrorShape,
) -> TokenStream {
    let error_type_required = &shape.error_type_required;
    let error_type_values = &shape.error_type_values;
    let field = ident(field);
    let from_body = if *error_type_required {
        quote! { Some(&body.#field) }
    } else {
        quote! { body.#field.as_ref() }
    };
    let enum_ident = ident(enum_name);
    // vCenter's `UNAUTHENTICATED` is what every HTTP 401 means, whatever its body says.
    let unauthenticated = error_type_values
        .iter()
        .find(|(_, value)| value.wire == UNAUTHENTICATED)
        .map(|(_, value)| ident(&value.variant));
    let (error_type, error_type_doc) = match &unauthenticated {
        Some(variant) => (
            quote! {
                sent.or_else(|| (self.status() == Some(401)).then_some(&#enum_ident::#variant))
            },
            " The `error_type` of an API error or of a failed login (of a login, a value this client knows); for an HTTP 401 that names none, `UNAUTHENTICATED`; else `None`.",
        ),
        None => (
            quote! { sent },
            " The `error_type` of an API error or of a failed login (of a login, a value this client knows); `None` for any other error, or when the server sent none.",
        ),
    };
    let checks = error_type_values.iter().map(|(method, value)| {
        let variant = ident(&value.variant);
        let method = ident(method);
        if value.wire == UNAUTHENTICATED {
            let doc = " Whether the server refused the call's credentials or session: any HTTP \
                       401, whatever its body, or an error whose `error_type` is \
                       `UNAUTHENTICATED`.";
            return quote! {
                #[doc = #doc]
                pub fn #method(&self) -> bool {
                    self.status() == Some(401)
                        || matches!(self.error_type(), Some(#enum_ident::#variant))
                }
            };
        }
        let doc = format!(
            " Whether this is an API error (or a failed login) whose `error_type` is `{}`.",
            value.wire.replace('`', "'")
        );
        quote! {
            #[doc = #doc]
            pub fn #method(&self) -> bool {
                matches!(self.error_type(), Some(#enum_ident::#variant))
            }
        }
    });
    quote! {
        impl crate::runtime::error::Error<#name> {
            #[doc = #error_type_doc]
            pub fn error_type(&self) -> Option<&#enum_ident> {
                let sent = match self.kind() {
                    crate::runtime::error::ErrorKind::Api { body, .. } => #from_body,
                    _ => self.error_type_name().and_then(|name| {
                        <#enum_ident as crate::runtime::open_enum::OpenEnum>::KNOWN
                            .iter()
                            .find(|(_, wire)| *wire == name)
                            .map(|(kind, _)| kind)
                    }),
                };
                #error_type
            }

            #(#checks)*
        }
    }
}
