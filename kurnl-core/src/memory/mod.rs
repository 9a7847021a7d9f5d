//! In-memory implementations of the ports: the reference store and a stateful switch.

mod store;
mod switch;

pub use store::InMemoryStore;
#[cfg(feature = "testkit")]
pub use switch::InMemoryDevice;
pub use switch::{InMemorySwitch, SwitchFault};
