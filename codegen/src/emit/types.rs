//! `types.rs`: one Rust type per named type of the model, and the `ErrorBody` impls of the
//! error bodies.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::*;
use crate::model::MessagesField;

pub(super) fn unnamed_error_bodies(model: &ApiModel) -> TokenStream {
    // Error bodies that are not named types of their own get their `ErrorBody` impl here.
    let unnamed: BTreeSet<TypeRef> = model
        .operations
        .iter()
        .flat_map(OperationModel::error_body_types)
        .filter(|ty| !matches!(ty, TypeRef::Named(_) | TypeRef::Json))
        .collect();
    // One impl per Rust type: `String` stands for a plain and a `date-time` string alike.
    let rust_types: BTreeMap<String, TokenStream> = unnamed
        .into_iter()
        .map(|ty| {
            let tokens = type_tokens(&ty, Scope::Types);
            (tokens.to_string(), tokens)
        })
        .collect();
    // The runtime's text errors bring their own impl for `String`.
    let text_errors = has_runtime(model, "error_text");
    let items = rust_types
        .iter()
        .filter(|(text, _)| !(text_errors && text.as_str() == "String"))
        .map(|(_, ty)| ty)
        .map(|ty| quote! { impl crate::runtime::error::ErrorBody for #ty {} });
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
            let fields = fields.iter().map(field_tokens);
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    };
    let error_impls = error_body_impls(def);
    quote! { #body #error_impls }
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

pub(super) fn field_tokens(field: &FieldModel) -> TokenStream {
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
    let rename = (display_ident(&field.ident) != field.wire_name)
        .then(|| quote! { #[serde(rename = #wire)] });
    if field.required {
        quote! {
            #doc
            #rename
            pub #name: #ty,
        }
    } else {
        quote! {
            #doc
            #rename
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        }
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
    let (message, all_messages) = match messages {
        Some(messages) => messages_impl(messages),
        None => (quote! { None::<&str> }, TokenStream::new()),
    };
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
        }
        #accessors
    }
}

/// The first message's text and the `messages()` method of an error body with `messages`.
fn messages_impl(messages: &MessagesField) -> (TokenStream, TokenStream) {
    let field = ident(&messages.ident);
    let text = ident(&messages.default_message);
    let (list, iter) = if messages.required {
        (
            quote! { self.#field.first() },
            quote! { self.#field.iter() },
        )
    } else {
        (
            quote! { self.#field.as_ref().and_then(|list| list.first()) },
            quote! { self.#field.iter().flatten() },
        )
    };
    let (first, template) = if messages.default_message_required {
        (
            quote! { #list.map(|message| message.#text.as_str()) },
            quote! { message.#text.as_str() },
        )
    } else {
        (
            quote! { #list.and_then(|message| message.#text.as_deref()) },
            quote! { message.#text.as_deref().unwrap_or_default() },
        )
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
    let all = quote! {
        fn messages(&self) -> Vec<String> {
            #iter
                .map(|message| {
                    crate::runtime::messages::fill_placeholders(#template, #args, #param)
                })
                .collect()
        }
    };
    (first, all)
}

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
    let error_type = if *error_type_required {
        quote! { Some(&self.api_body()?.#field) }
    } else {
        quote! { self.api_body()?.#field.as_ref() }
    };
    let enum_ident = ident(enum_name);
    let checks = error_type_values.iter().map(|(method, value)| {
        let variant = ident(&value.variant);
        let method = ident(method);
        let doc = format!(
            " Whether this is a documented API error whose `error_type` is `{}`.",
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
            /// The `error_type` of a documented API error; `None` for any other error, or
            /// when the server sent none.
            pub fn error_type(&self) -> Option<&#enum_ident> {
                #error_type
            }

            #(#checks)*
        }
    }
}
