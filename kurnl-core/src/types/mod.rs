//! Validated value types. A value of one of these types has passed its checks; nothing that
//! reaches a switch CLI or the store is a raw client string.

mod email;
mod enums;
mod ids;
mod invalid;
mod location_hash;
mod mac;
mod network;
mod secret;
mod text;

pub use email::Email;
pub use enums::{CustomerType, DeliveryMode, SubscriptionStatus};
pub use ids::*;
pub use invalid::{FieldError, InvalidValue};
pub use location_hash::LocationHash;
pub use mac::MacAddress;
pub use network::{InterfaceName, Kbps, PortDescription, RateLimit, VlanId};
pub use secret::{Password, PasswordHash, Secret};
pub use text::{DEFAULT_COUNTRY, ExternalSubscriptionId, Text, Username, country_or_default};
