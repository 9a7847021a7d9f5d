//! UUID identifiers, one newtype per entity so they cannot be mixed up.

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A fresh random (v4) id.
            pub fn new_random() -> Self {
                Self(uuid::Uuid::new_v4())
            }
            /// A fresh time-ordered (v7) id: see [`TimeOrderedIds`](crate::ports::TimeOrderedIds).
            pub fn new_time_ordered() -> Self {
                Self(uuid::Uuid::now_v7())
            }
            /// The underlying UUID.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(u: uuid::Uuid) -> Self {
                Self(u)
            }
        }
    };
}

uuid_id!(
    /// A provider (`service_provider_document_id` / `provider_document_id`).
    ProviderId
);
uuid_id!(
    /// A plan (groups plan versions).
    PlanId
);
uuid_id!(
    /// A plan version (`plan_version_id`, `document_id` in `plans/me`).
    PlanVersionId
);
uuid_id!(
    /// A switch of the network inventory.
    SwitchId
);
uuid_id!(
    /// A building of the network inventory.
    BuildingId
);
uuid_id!(
    /// A unit (apartment) in a building (`unit_id`).
    UnitId
);
uuid_id!(
    /// A subscriber (`subscriber_id`).
    SubscriberId
);
uuid_id!(
    /// A subscription (`subscription_id`).
    SubscriptionId
);
uuid_id!(
    /// A provisioning job (`job_id`).
    JobId
);
uuid_id!(
    /// A bulk batch (`batch_id`).
    BatchId
);
uuid_id!(
    /// An outbox event; doubles as the webhook id receivers deduplicate on.
    EventId
);
uuid_id!(
    /// A drift finding of the port audit.
    DriftId
);
uuid_id!(
    /// An API key record (not the key itself).
    ApiKeyId
);
uuid_id!(
    /// The token of a job lease; completing or failing a job must present it.
    LeaseToken
);
