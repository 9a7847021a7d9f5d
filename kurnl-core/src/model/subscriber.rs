//! Subscribers: per-provider accounts identified by email.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::{CustomerType, Email, PasswordHash, ProviderId, SubscriberId, Text, Username};

/// A postal address. Which fields are required depends on the request; `country` defaults to
/// `"Canada"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street.
    pub street: Option<Text>,
    /// House number.
    pub housenumber: Option<Text>,
    /// Postal code.
    pub postalcode: Option<Text>,
    /// City.
    pub city: Option<Text>,
    /// Province.
    pub province: Option<Text>,
    /// Country.
    pub country: Text,
    /// Unit number.
    pub unitnumber: Option<Text>,
    /// Floor.
    pub floor: Option<Text>,
}

/// A contact (invoice or contract) of the CKO-03 nested subscriber shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetail {
    /// First name.
    pub firstname: Text,
    /// Last name.
    pub lastname: Text,
    /// Email of the contact.
    pub email: Email,
    /// Phone.
    pub phonenumber: Option<Text>,
    /// Company.
    pub company: Option<Text>,
}

/// A subscriber as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// `subscriber_id`.
    pub id: SubscriberId,
    /// Owner.
    pub provider_id: ProviderId,
    /// Sandbox data is separate from live data.
    pub sandbox: bool,
    /// Account identifier, unique per provider and environment.
    pub email: Email,
    /// Display name (CKO-03).
    pub username: Option<Username>,
    /// First name.
    pub firstname: Text,
    /// Last name.
    pub lastname: Text,
    /// Phone.
    pub phonenumber: Option<Text>,
    /// Address.
    pub address: Address,
    /// Residential or business.
    pub customer_type: CustomerType,
    /// argon2 hash of the password, when one was given.
    pub password_hash: Option<PasswordHash>,
    /// CKO-03 invoice contact.
    pub invoice_contact: Option<ContactDetail>,
    /// CKO-03 contract contact.
    pub contract_contact: Option<ContactDetail>,
    /// Optimistic concurrency revision, starts at 1.
    pub revision: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}
