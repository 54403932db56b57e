//! Open enums: string enums that keep a value this client does not know instead of failing to
//! decode. Each generated enum lists its variants once and its wire values once (a table); the
//! conversions are written here, once for all of them.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates that have an enum.

/// A string enum with a catch-all variant for values this client does not know.
pub(crate) trait OpenEnum: Sized + PartialEq + 'static {
    /// Each known variant with its value on the wire.
    const KNOWN: &'static [(Self, &'static str)];

    /// The catch-all variant holding `value`.
    fn unknown(value: String) -> Self;

    /// The value held by the catch-all variant, or `None` for a known variant.
    fn as_unknown(&self) -> Option<&str>;

    /// The value as it is sent on the wire.
    fn wire(&self) -> &str {
        if let Some(value) = self.as_unknown() {
            return value;
        }
        Self::KNOWN
            .iter()
            .find(|(known, _)| known == self)
            .map_or("", |(_, wire)| wire)
    }

    /// The variant for a value from the wire.
    fn from_wire(value: &str) -> Self
    where
        Self: Clone,
    {
        Self::KNOWN
            .iter()
            .find(|(_, wire)| *wire == value)
            .map_or_else(|| Self::unknown(value.to_string()), |(known, _)| known.clone())
    }
}

/// `as_str`, `Display`, `FromStr`, `Serialize` and `Deserialize` for an [`OpenEnum`].
macro_rules! open_enum_impls {
    ($name:ident) => {
        impl $name {
            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &str {
                $crate::runtime::open_enum::OpenEnum::wire(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok($crate::runtime::open_enum::OpenEnum::from_wire(value))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok($crate::runtime::open_enum::OpenEnum::from_wire(&value))
            }
        }
    };
}

pub(crate) use open_enum_impls;
